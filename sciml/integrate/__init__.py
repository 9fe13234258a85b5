"""The differentiable integrator core: ODE, SDE, CDE and DDE solvers on any torch device with autograd and adjoints.

Public surface: :func:`odeint`, :func:`odeint_adjoint`, :func:`odeint_event`, :func:`odeint_dense`
(torchdiffeq's signatures) and :func:`solve_ivp` (ours: gradient modes, independent batches, dense
output, partial results). The pieces, one job each: ``tableaus`` (methods as data), ``stepper`` (one
generic Runge–Kutta step), ``multistep`` (BDF, Adams), ``controller`` (step sizes), ``loop``
(time stepping, stop times), ``callbacks``, ``gradients`` (direct / checkpoint / backsolve),
``solution``, ``scipy_solver`` (scipy behind the same interface). SDEs: :func:`sdeint` /
:func:`sdeint_adjoint` (torchsde's signatures; ``sde/``, Brownian motion in ``brownian/``).
Controlled differential equations: :func:`cdeint` over control paths from ``interpolation`` (``cde``);
delay equations: :func:`ddeint` / :func:`solve_dde` (``dde``).
"""

from sciml.integrate.api import solve_ivp
from sciml.integrate.cde import cdeint
from sciml.integrate.dde import ddeint, solve_dde
from sciml.integrate.odeint_api import odeint, odeint_adjoint, odeint_dense, odeint_event
from sciml.integrate.sde import sdeint, sdeint_adjoint
from sciml.integrate.solution import Solution, Status
from sciml.integrate.tableaus import ADAPTIVE, FIXED_STEP, METHODS

__all__ = ["odeint", "odeint_adjoint", "odeint_event", "odeint_dense", "solve_ivp", "sdeint", "sdeint_adjoint",
           "cdeint", "ddeint", "solve_dde", "Solution", "Status", "METHODS", "ADAPTIVE", "FIXED_STEP"]
