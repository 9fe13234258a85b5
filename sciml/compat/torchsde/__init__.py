"""torchsde 0.2.6's public namespace over sciml's own SDE solvers: ``import sciml.compat.torchsde as torchsde``.

``sdeint``, ``sdeint_adjoint``, the Brownian objects, ``BaseSDE`` / ``SDEIto`` / ``SDEStratonovich`` and
the ``settings`` and ``types`` modules, with torchsde's names, signatures and semantics.
"""

from sciml.compat.torchsde import settings, types
from sciml.integrate.brownian import (
    BaseBrownian,
    BrownianInterval,
    BrownianPath,
    BrownianTree,
    ReverseBrownian,
    brownian_interval_like,
)
from sciml.integrate.sde import BaseSDE, SDEIto, SDEStratonovich, sdeint, sdeint_adjoint

__version__ = "0.2.6"

__all__ = ["BaseBrownian", "BrownianInterval", "BrownianPath", "BrownianTree", "ReverseBrownian",
           "brownian_interval_like", "sdeint", "sdeint_adjoint", "BaseSDE", "SDEIto", "SDEStratonovich",
           "settings", "types"]
