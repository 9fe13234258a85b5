"""Viscous Burgers equation, nu = 0.01/pi (Raissi, Perdikaris & Karniadakis 2019).

u_t + u u_x = nu u_xx on x in [-1, 1], t in [0, 1]; u(x, 0) = -sin(pi x); u(+-1, t) = 0.
Reference: Hopf-Cole quadrature on the standard 256 x 100 grid (data/burgers_reference.h5).
"""

from pathlib import Path

import sympy as sp

from sciml import pde

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
nu = pde.Parameter("nu", value=0.01 / sp.pi)

problem = pde.Problem(
    equations=[sp.Eq(u.diff(t) + u * u.diff(x), nu * u.diff(x, 2))],
    domain=pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
    conditions=[pde.Initial(u, -sp.sin(sp.pi * x)), pde.Dirichlet(u, 0, on="boundary")],
    name="burgers",
)

reference = str(Path(__file__).resolve().parent.parent / "data" / "burgers_reference.h5")


def exact(x, t):
    """The Hopf-Cole solution at arrays x, t."""
    from sciml.pde.references import burgers_cole_hopf

    return burgers_cole_hopf(x, t)


solve_options = {
    "network": {"hidden": [64, 64, 64, 64]},
    "hard": True,
    "points": 4000,
    "resample": "rad",
    "iterations": 3000,
    "lbfgs": 20000,
}
