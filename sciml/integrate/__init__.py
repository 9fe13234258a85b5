"""The differentiable integrator core: ODE solvers on any torch device with autograd and adjoints.

Public surface: :func:`odeint` and :func:`odeint_adjoint` (torchdiffeq's signatures) and
:func:`solve_ivp` (ours: gradient modes, independent batches, dense output, partial
results). The pieces, one job each: ``tableaus`` (methods as data), ``stepper`` (one generic
Runge–Kutta step), ``controller`` (step sizes), ``loop`` (time stepping), ``gradients``
(direct / checkpoint / backsolve), ``solution``. SDEs: :func:`sdeint` / :func:`sdeint_adjoint`
(torchsde's signatures; ``sde/``, Brownian motion in ``brownian/``).
"""

from sciml.integrate.api import odeint, odeint_adjoint, solve_ivp
from sciml.integrate.sde import sdeint, sdeint_adjoint
from sciml.integrate.solution import Solution, Status
from sciml.integrate.tableaus import ADAPTIVE, FIXED_STEP, METHODS

__all__ = ["odeint", "odeint_adjoint", "solve_ivp", "sdeint", "sdeint_adjoint", "Solution", "Status", "METHODS",
           "ADAPTIVE", "FIXED_STEP"]
