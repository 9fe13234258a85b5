"""The differentiable integrator core: ODE solvers on any torch device with autograd and adjoints.

Public surface: :func:`odeint` and :func:`odeint_adjoint` (torchdiffeq's signatures) and
:func:`solve_ivp` (ours: gradient modes, independent batches, dense output, partial
results). The pieces, one job each: ``tableaus`` (methods as data), ``stepper`` (one generic
Runge–Kutta step), ``partitioned`` (one generic symplectic splitting step), ``corrected``
(a fixed-step method plus a learned correction), ``controller`` (step sizes), ``loop`` (time
stepping), ``gradients`` (direct / checkpoint / backsolve), ``solution``.
"""

from sciml.integrate.api import odeint, odeint_adjoint, solve_ivp
from sciml.integrate.corrected import Corrected
from sciml.integrate.solution import Solution, Status
from sciml.integrate.tableaus import ADAPTIVE, FIXED_STEP, METHODS, SYMPLECTIC

__all__ = ["odeint", "odeint_adjoint", "solve_ivp", "Solution", "Status", "METHODS", "ADAPTIVE", "FIXED_STEP",
           "SYMPLECTIC", "Corrected"]
