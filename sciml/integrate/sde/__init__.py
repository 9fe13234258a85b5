"""Stochastic differential equations in the integrator core (torchsde's interface).

:func:`sdeint` / :func:`sdeint_adjoint` (torchsde 0.2.6's signatures; :func:`solve_sde` returns a
:class:`~sciml.integrate.Solution` with statistics), the pieces one job each:
``term`` (the user's SDE, resolved once), ``solvers`` (methods as small steppers; ``tableaus``: the
SRK coefficients as data), ``loop`` (fixed grid / adaptive / independent batch), ``adjoint`` and
``reversible`` (gradients), ``jumps`` (compound-Poisson jumps). Brownian objects live in
:mod:`sciml.integrate.brownian`.
"""

from sciml.integrate.sde.adjoint import sdeint_adjoint
from sciml.integrate.sde.api import sdeint, solve_sde
from sciml.integrate.sde.base import BaseSDE, SDEIto, SDEStratonovich
from sciml.integrate.sde.jumps import CompoundPoisson
from sciml.integrate.sde.solvers import METHODS

__all__ = ["sdeint", "sdeint_adjoint", "solve_sde", "BaseSDE", "SDEIto", "SDEStratonovich", "CompoundPoisson",
           "METHODS"]
