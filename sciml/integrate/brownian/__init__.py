"""Brownian motion for the SDE solvers: interval queries with consistent bridges, Lévy areas, whole grids.

:class:`BrownianInterval` (any subinterval, any order, seeded by ``entropy``, space-time and
Davie/Foster Lévy areas, an LRU cache), :class:`BrownianPath`, :class:`BrownianTree`,
:class:`ReverseBrownian`: torchsde's objects and semantics, plus ``increments(grid)``, which samples a
solver's whole step grid jointly in one call.
"""

from sciml.integrate.brownian.base import LEVY_AREA_APPROXIMATIONS, BaseBrownian
from sciml.integrate.brownian.derived import BrownianPath, BrownianTree, ReverseBrownian, brownian_interval_like
from sciml.integrate.brownian.interval import BrownianInterval

__all__ = ["BaseBrownian", "BrownianInterval", "BrownianPath", "BrownianTree", "ReverseBrownian",
           "brownian_interval_like", "LEVY_AREA_APPROXIMATIONS"]
