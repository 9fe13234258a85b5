"""Problems shared by the PINN benchmark's two sides (sciml definitions)."""

from __future__ import annotations

import sympy as sp

from sciml import pde

__all__ = ["throughput_problem", "KOVASZNAY_RE"]

KOVASZNAY_RE = 20.0


def throughput_problem(case):
    """(problem, hidden layers, points) for the throughput measurements."""
    if case == "burgers":
        x, t = sp.symbols("x t")
        u = sp.Function("u")(x, t)
        problem = pde.Problem([sp.Eq(u.diff(t) + u * u.diff(x), 0.01 / sp.pi * u.diff(x, 2))],
                              pde.Interval(x, -1, 1) * pde.Interval(t, 0, 0.99),
                              [pde.Initial(u, -sp.sin(sp.pi * x)), pde.Dirichlet(u, 0)])
        return problem, [20, 20, 20], {"domain": 2540, "boundary": 80, "initial": 160}
    if case == "navier_stokes":
        x, y = sp.symbols("x y")
        u, v, p = (sp.Function(n)(x, y) for n in "uvp")
        lam = KOVASZNAY_RE / 2 - sp.sqrt(KOVASZNAY_RE**2 / 4 + 4 * sp.pi**2)
        ue = 1 - sp.exp(lam * x) * sp.cos(2 * sp.pi * y)
        ve = lam / (2 * sp.pi) * sp.exp(lam * x) * sp.sin(2 * sp.pi * y)
        problem = pde.Problem(
            [u * u.diff(x) + v * u.diff(y) + p.diff(x) - (u.diff(x, 2) + u.diff(y, 2)) / KOVASZNAY_RE,
             u * v.diff(x) + v * v.diff(y) + p.diff(y) - (v.diff(x, 2) + v.diff(y, 2)) / KOVASZNAY_RE,
             u.diff(x) + v.diff(y)],
            pde.Interval(x, -0.5, 1) * pde.Interval(y, -0.5, 1.5),
            [pde.Dirichlet(u, ue), pde.Dirichlet(v, ve)])
        return problem, [50, 50, 50, 50], {"domain": 2000, "boundary": 200}
    raise ValueError(case)
