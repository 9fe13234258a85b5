"""A PINN on every device gives the CPU's result (float64)."""

import numpy as np
import sympy as sp

from sciml import pde, pinn


def test_pinn_on_the_device_matches_cpu(device):
    x = sp.Symbol("x")
    u = sp.Function("u")(x)
    problem = pde.Problem([sp.Eq(-u.diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x))], pde.Interval(x, -1, 1),
                          [pde.Dirichlet(u, 0, on="boundary")])
    kw = {"network": {"hidden": [8]}, "points": 32, "iterations": 30, "lbfgs": 5, "progress": False,
          "derivatives": "autograd"}
    here = pinn.solve(problem, device=str(device), **kw)
    cpu = pinn.solve(problem, device="cpu", **kw)
    assert str(next(here.network.parameters()).device).startswith(device.type)
    np.testing.assert_allclose(here.history["loss"], cpu.history["loss"], rtol=1e-8)
    xs = np.linspace(-1, 1, 9)
    np.testing.assert_allclose(here.predict(x=xs), cpu.predict(x=xs), rtol=1e-7, atol=1e-9)
