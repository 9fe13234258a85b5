"""Residuals of Neumann, Robin, Periodic and Data conditions on known functions."""

import numpy as np
import sympy as sp

from sciml import pde
from sciml.pinn.loss import PINNLoss
from sciml.pinn.points import PointCounts, build_groups

from .pinn_exact import ExactNet

x, y = sp.symbols("x y")
u = sp.Function("u")(x, y)


def residuals(problem, solution):
    loss = PINNLoss(problem, ExactNet(problem, {u: solution}).double(), {}, engine="autograd")
    loss.set_groups(build_groups(problem, PointCounts(problem, {"domain": 50, "boundary": 50}), "sobol",
                                 np.random.default_rng(0)))
    return {k: float(r.detach().abs().max()) for k, r in loss.residuals().items()}


def test_neumann_and_robin_use_outward_normals():
    sol = x**2 + 3 * y
    square = pde.Interval(x, 0, 1) * pde.Interval(y, 0, 1)
    problem = pde.Problem([u.diff(x, 2) - 2], square,
                          [pde.Neumann(u, 2, on=sp.Eq(x, 1)), pde.Neumann(u, -3, on=sp.Eq(y, 0)),
                           pde.Robin(u, 1, 1, 1 + 3 * y + 2, on=sp.Eq(x, 1))])
    res = residuals(problem, sol)
    assert max(res.values()) < 1e-12, res
    wrong = residuals(problem, sol + x * y)
    assert wrong["neumann(u)#0"] > 0.1 and wrong["robin(u)"] > 0.1


def test_periodic_pairs_match_values_and_slopes():
    box = pde.Interval(x, 0, 2 * sp.pi) * pde.Interval(y, 0, 1)
    problem = pde.Problem([u.diff(x, 2) + u], box, [pde.Periodic(u, x, order=2)])
    assert max(residuals(problem, sp.sin(x) * sp.exp(y)).values()) < 1e-12
    res = residuals(problem, sp.sin(x) * sp.exp(y) + x**2)
    assert res["periodic(u)"] > 1 and res["periodic(u)'1"] > 0.5


def test_data_residual_is_prediction_minus_observation():
    pts = np.array([[0.1, 0.2], [0.5, 0.5]])
    problem = pde.Problem([u.diff(x) - 1], pde.Interval(x, 0, 1) * pde.Interval(y, 0, 1),
                          [pde.Data(u, pts, [0.1, 0.6])])
    res = residuals(problem, x)
    assert abs(res["data(u)"] - 0.1) < 1e-12
