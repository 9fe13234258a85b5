"""Heat equation in 1-D with an analytic (two-mode Fourier series) solution.

u_t = a u_xx on x in [0, 1], t in [0, 1], a = 0.1; u(0, t) = u(1, t) = 0;
u(x, 0) = sin(pi x) + sin(3 pi x)/2, so u = exp(-a pi^2 t) sin(pi x) + exp(-9 a pi^2 t) sin(3 pi x)/2.
"""

import sympy as sp

from sciml import pde

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
a = pde.Parameter("a", value=0.1)

exact = {u: sp.exp(-a.value * sp.pi**2 * t) * sp.sin(sp.pi * x)
        + sp.exp(-9 * a.value * sp.pi**2 * t) * sp.sin(3 * sp.pi * x) / 2}

problem = pde.Problem(
    equations=[sp.Eq(u.diff(t), a * u.diff(x, 2))],
    domain=pde.Interval(x, 0, 1) * pde.Interval(t, 0, 1),
    conditions=[pde.Initial(u, sp.sin(sp.pi * x) + sp.sin(3 * sp.pi * x) / 2),
                pde.Dirichlet(u, 0, on="boundary")],
    name="heat",
)

reference = sp.lambdify((x, t), exact[u], "numpy")

solve_options = {"hard": True, "points": 2000, "iterations": 3000, "lbfgs": 3000}
