"""Helmholtz equation in 2-D (Wang, Teng & Perdikaris 2021).

u_xx + u_yy + k^2 u = q on [-1, 1]^2 with k = 1, u = 0 on the boundary and
q chosen so that u = sin(pi x) sin(4 pi y).
"""

import sympy as sp

from sciml import pde

x, y = sp.symbols("x y")
u = sp.Function("u")(x, y)
k = pde.Parameter("k", value=1)

exact = {u: sp.sin(sp.pi * x) * sp.sin(4 * sp.pi * y)}
q = (k.value**2 - 17 * sp.pi**2) * exact[u]

problem = pde.Problem(
    equations=[sp.Eq(u.diff(x, 2) + u.diff(y, 2) + k**2 * u, q)],
    domain=pde.Interval(x, -1, 1) * pde.Interval(y, -1, 1),
    conditions=[pde.Dirichlet(u, 0, on="boundary")],
    name="helmholtz",
)

reference = sp.lambdify((x, y), exact[u], "numpy")

solve_options = {"network": {"type": "ModifiedMLP", "hidden": [64, 64, 64]}, "hard": True, "points": 4000,
                 "iterations": 3000, "lbfgs": 4000}
