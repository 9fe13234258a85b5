"""Kovasznay flow: steady incompressible Navier-Stokes at Re = 20, analytic (Kovasznay 1948).

u u_x + v u_y + p_x = (u_xx + u_yy)/Re, u v_x + v v_y + p_y = (v_xx + v_yy)/Re, u_x + v_y = 0
on [-0.5, 1] x [-0.5, 1.5]; u, v given on the boundary and p on the outlet x = 1.
"""

import sympy as sp

from sciml import pde

x, y = sp.symbols("x y")
u, v, p = (sp.Function(n)(x, y) for n in "uvp")
Re = pde.Parameter("Re", value=20)

lam = Re.value / 2 - sp.sqrt(Re.value**2 / 4 + 4 * sp.pi**2)
exact = {
    u: 1 - sp.exp(lam * x) * sp.cos(2 * sp.pi * y),
    v: lam / (2 * sp.pi) * sp.exp(lam * x) * sp.sin(2 * sp.pi * y),
    p: (1 - sp.exp(2 * lam * x)) / 2,
}

problem = pde.Problem(
    equations=[
        sp.Eq(u * u.diff(x) + v * u.diff(y) + p.diff(x), (u.diff(x, 2) + u.diff(y, 2)) / Re),
        sp.Eq(u * v.diff(x) + v * v.diff(y) + p.diff(y), (v.diff(x, 2) + v.diff(y, 2)) / Re),
        sp.Eq(u.diff(x) + v.diff(y), 0),
    ],
    domain=pde.Interval(x, -0.5, 1) * pde.Interval(y, -0.5, 1.5),
    conditions=[
        pde.Dirichlet(u, exact[u], on="boundary"),
        pde.Dirichlet(v, exact[v], on="boundary"),
        pde.Dirichlet(p, exact[p], on=sp.Eq(x, 1)),
    ],
    name="kovasznay",
)

_fns = {f.func.__name__: sp.lambdify((x, y), e, "numpy") for f, e in exact.items()}


def reference(x, y):
    return {name: f(x, y) for name, f in _fns.items()}


solve_options = {"points": {"domain": 3000, "boundary": 400}, "iterations": 3000, "lbfgs": 4000}
