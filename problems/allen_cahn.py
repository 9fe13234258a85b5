"""Allen-Cahn equation in DeepXDE's form.

u_t = d u_xx + 5 (u - u^3), d = 0.001, on x in [-1, 1], t in [0, 1];
u(x, 0) = x^2 cos(pi x); u(+-1, t) = -1. Reference: Chebyshev collocation (N = 400) with a
stiff Radau integrator (data/allen_cahn_reference.h5, accurate to about 1e-7).
"""

from pathlib import Path

import sympy as sp

from sciml import pde

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
d = pde.Parameter("d", value=0.001)

problem = pde.Problem(
    equations=[sp.Eq(u.diff(t), d * u.diff(x, 2) + 5 * (u - u**3))],
    domain=pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
    conditions=[pde.Initial(u, x**2 * sp.cos(sp.pi * x)), pde.Dirichlet(u, -1, on="boundary")],
    name="allen_cahn",
)

reference = str(Path(__file__).resolve().parent.parent / "data" / "allen_cahn_reference.h5")

# The error sits where u stays near 0 (x = 0), where the equation amplifies any residual about e^5-fold
# by t = 1, so the loss has to go low. The modified MLP lowered the loss floor of the plain 4 x 32 MLP
# (which stalls near 1.6e-6); 2,000 fixed points (no resampling, no L-BFGS restarts) halve the cost of
# an iteration against 4,000; Adam only starts the run, L-BFGS does the work.
solve_options = {"network": {"type": "ModifiedMLP", "hidden": [32, 32, 32, 32]}, "hard": True, "points": 2000,
                 "iterations": 500, "lbfgs": 20000}
