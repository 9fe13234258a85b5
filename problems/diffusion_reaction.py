"""Diffusion-reaction equation (DeepXDE's example).

u_t = u_xx + exp(-t) (3/2 sin 2x + 8/3 sin 3x + 15/4 sin 4x + 63/8 sin 8x) on x in [-pi, pi],
t in [0, 1]; u(+-pi, t) = 0; u = exp(-t) (sin x + sin 2x/2 + sin 3x/3 + sin 4x/4 + sin 8x/8).
"""

import sympy as sp

from sciml import pde

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)

_modes = (1, 2, 3, 4, 8)
exact = {u: sp.exp(-t) * sum(sp.sin(k * x) / k for k in _modes)}
source = sp.exp(-t) * sum(sp.Rational(k * k - 1, k) * sp.sin(k * x) for k in _modes)

problem = pde.Problem(
    equations=[sp.Eq(u.diff(t), u.diff(x, 2) + source)],
    domain=pde.Interval(x, -sp.pi, sp.pi) * pde.Interval(t, 0, 1),
    conditions=[pde.Initial(u, exact[u].subs(t, 0)), pde.Dirichlet(u, 0, on="boundary")],
    name="diffusion_reaction",
)

reference = sp.lambdify((x, t), exact[u], "numpy")

solve_options = {"hard": True, "points": 2000, "iterations": 3000, "lbfgs": 3000}
