"""Poisson equation on an L-shaped domain, manufactured solution.

-(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on [-1, 1]^2 minus [0, 1]^2, u = 0 on the boundary,
whose solution is u = sin(pi x) sin(pi y) (it vanishes on every edge of the L).
"""

import sympy as sp

from sciml import pde

x, y = sp.symbols("x y")
u = sp.Function("u")(x, y)

exact = {u: sp.sin(sp.pi * x) * sp.sin(sp.pi * y)}

domain = pde.Interval(x, -1, 1) * pde.Interval(y, -1, 1) - pde.Interval(x, 0, 1) * pde.Interval(y, 0, 1)
problem = pde.Problem(
    equations=[sp.Eq(-(u.diff(x, 2) + u.diff(y, 2)), 2 * sp.pi**2 * sp.sin(sp.pi * x) * sp.sin(sp.pi * y))],
    domain=domain,
    conditions=[pde.Dirichlet(u, 0, on="boundary")],
    name="poisson_lshape",
)

reference = sp.lambdify((x, y), exact[u], "numpy")

solve_options = {"points": {"domain": 3000, "boundary": 800}, "iterations": 3000, "lbfgs": 3000,
                 "weights": {"dirichlet(u)": 10.0}}
