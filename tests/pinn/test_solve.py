import json
import time

import numpy as np
import pytest
import sympy as sp
import torch

from sciml import pde, pinn
from sciml.errors import InputError, ModelFileError, ProblemDefinitionError
from sciml.pinn.result import Result

x, t = sp.symbols("x t")
u = sp.Function("u")(x)


def poisson_1d():
    # -u'' = pi^2 sin(pi x) on [-1, 1], u(+-1) = 0: u = sin(pi x)
    return pde.Problem([sp.Eq(-u.diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x))], pde.Interval(x, -1, 1),
                       [pde.Dirichlet(u, 0, on="boundary")])


def exact_1d(x):
    return np.sin(np.pi * x)


def test_poisson_1d_trains_below_one_percent_quickly():
    start = time.monotonic()
    result = pinn.solve(poisson_1d(), network={"hidden": [20, 20]}, points=64, iterations=500, lbfgs=300,
                        progress=False, seed=0)
    elapsed = time.monotonic() - start
    err = result.error_against(exact_1d)
    assert err < 1e-2, err
    assert elapsed < 60
    assert result.info["lbfgs_iterations"] == 300
    assert "iteration limit" in result.info["lbfgs_stop"][0]
    assert result.history["loss"][-1] < result.history["loss"][0]


def test_time_budget_stops_training():
    start = time.monotonic()
    result = pinn.solve(poisson_1d(), network={"hidden": [16]}, points=32, iterations=10**7, lbfgs=10**6,
                        time_budget=2.0, progress=False)
    assert time.monotonic() - start < 8
    assert result.info["adam_iterations"] < 10**7
    assert any("time budget" in r for r in result.info["lbfgs_stop"])


def test_hard_constraints_hold_exactly_and_float32_works():
    xx, tt = sp.symbols("x t")
    w = sp.Function("w")(xx, tt)
    problem = pde.Problem([sp.Eq(w.diff(tt), 0.1 * w.diff(xx, 2))], pde.Interval(xx, 0, 1) * pde.Interval(tt, 0, 1),
                          [pde.Initial(w, sp.sin(sp.pi * xx)), pde.Dirichlet(w, 0, on="boundary")])
    result = pinn.solve(problem, network={"hidden": [16]}, points=64, iterations=20, hard=True, dtype="float32",
                        progress=False)
    assert next(result.network.parameters()).dtype == torch.float32
    xs = np.linspace(0, 1, 7)
    np.testing.assert_allclose(result.predict(x=xs, t=0.0), np.sin(np.pi * xs), atol=1e-6)
    np.testing.assert_allclose(result.predict(x=np.array([0.0, 1.0]), t=0.5), 0, atol=1e-6)
    assert set(result.history["terms"]) == {"pde"}  # the conditions left the loss


@pytest.mark.parametrize("network", ["MLP", {"type": "FourierMLP", "hidden": [8], "features": 4},
                                     {"type": "ModifiedMLP", "hidden": [8, 8]}])
def test_save_load_round_trip_gives_identical_predictions(tmp_path, network):
    problem = poisson_1d()
    result = pinn.solve(problem, network=network, points=16, iterations=5, progress=False)
    result.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["format"] == "sciml-pinn/1"
    loaded = Result.load(tmp_path / "model", problem)
    X = np.linspace(-1, 1, 33)[:, None]
    np.testing.assert_array_equal(result.predict(X), loaded.predict(X))


def test_load_refuses_other_problems(tmp_path):
    result = pinn.solve(poisson_1d(), points=16, iterations=2, progress=False)
    result.save(tmp_path / "m")
    y = sp.Symbol("y")
    v = sp.Function("v")(y)
    other = pde.Problem([v.diff(y, 2)], pde.Interval(y, 0, 1), [pde.Dirichlet(v, 0)])
    with pytest.raises(ModelFileError, match="saved for fields"):
        Result.load(tmp_path / "m", other)


def test_inverse_parameter_moves_towards_truth():
    # u'' = -k^2 sin(k x) with u = sin(k x), k = 2 learned from data
    k = pde.Parameter("k", value=1.5, learnable=True, positive=True)
    xs = np.linspace(-1, 1, 40)
    problem = pde.Problem([sp.Eq(u.diff(x, 2), -k**2 * u)], pde.Interval(x, -1, 1),
                          [pde.Data(u, {"x": xs}, np.sin(2 * xs))])
    result = pinn.solve(problem, network={"hidden": [20, 20]}, points=64, iterations=1500, lbfgs=300,
                        progress=False, lr=3e-3)
    assert abs(result.parameters["k"] - 2) < 0.02
    assert len(result.history["parameters"]["k"]) == len(result.history["loss"])


def _sine_inverse():
    k = pde.Parameter("k", value=1.5, learnable=True, positive=True)
    xs = np.linspace(-1, 1, 40)
    return pde.Problem([sp.Eq(u.diff(x, 2), -k**2 * u)], pde.Interval(x, -1, 1),
                       [pde.Data(u, {"x": xs}, np.sin(2 * xs))]), xs


def test_collocation_at_data_points_stays_through_resampling():
    problem, xs = _sine_inverse()
    only = pinn.solve(problem, network={"hidden": [8]}, points={"domain": 0, "data": True}, iterations=5,
                      progress=False)
    assert only.info["collocation_points"] == len(xs)
    np.testing.assert_array_equal(only._loss.groups[0].X[:, 0], xs)
    result = pinn.solve(problem, network={"hidden": [8]}, points={"domain": 16, "data": True}, iterations=12,
                        lbfgs=4, resample=pinn.RAD(every=5, candidates=100, lbfgs_every=2), progress=False)
    X = result._loss.groups[0].X
    assert len(X) == 16 + len(xs) and result._loss.groups[0].free == 16
    np.testing.assert_array_equal(X[16:, 0], xs)
    with pytest.raises(InputError, match="Data"):
        pinn.solve(poisson_1d(), points={"domain": 8, "data": True}, iterations=1, progress=False)
    with pytest.raises(InputError, match="positive"):
        pinn.solve(poisson_1d(), points={"domain": 0}, iterations=1, progress=False)


def test_parameter_learning_rate_sets_the_first_adam_step():
    # Adam's first step moves every parameter by its learning rate; k is positive, so log k moves
    problem, _ = _sine_inverse()
    for plr, step in ((None, 1e-3), (0.1, 0.1)):
        result = pinn.solve(problem, network={"hidden": [8]}, points=16, iterations=1, progress=False,
                            parameter_lr=plr)
        moved = abs(np.log(result.history["parameters"]["k"][0] / 1.5))
        assert moved == pytest.approx(step, rel=1e-4)
    with pytest.raises(InputError, match="parameter_lr"):
        pinn.solve(problem, parameter_lr=0.0, iterations=1)


def test_callable_equation_escape_hatch_gives_same_residual_as_sympy():
    def eq(points, d):
        return -d(u, x, x) - np.pi**2 * torch.sin(np.pi * points["x"])

    problem = pde.Problem([eq], pde.Interval(x, -1, 1), [pde.Dirichlet(u, 0, on="boundary")], fields=[u])
    result = pinn.solve(problem, network={"hidden": [20, 20]}, points=64, iterations=300, lbfgs=200,
                        progress=False)
    assert result.error_against(exact_1d) < 2e-2


def test_adaptive_sampling_and_weighting_run():
    for kw in ({"resample": pinn.RAR(every=10, add=5, candidates=200)},
               {"resample": pinn.RARD(every=10, add=5, candidates=200)},
               {"resample": pinn.RAD(every=10, candidates=200)},
               {"weighting": pinn.Annealing(every=5)}, {"weighting": "self-adaptive"}):
        result = pinn.solve(poisson_1d(), network={"hidden": [8]}, points=32, iterations=25, lbfgs=5,
                            progress=False, **kw)
        assert np.isfinite(result.history["loss"][-1])
        if "resample" in kw and not isinstance(kw["resample"], pinn.RAD):
            assert result.info["collocation_points"] > 32


def test_solve_validates_arguments():
    p = poisson_1d()
    with pytest.raises(InputError, match="iterations"):
        pinn.solve(p, iterations=-1)
    with pytest.raises(InputError, match="sampler"):
        pinn.solve(p, sampler="grid", iterations=1)
    with pytest.raises(InputError, match="network"):
        pinn.solve(p, network="ResNet", iterations=1)
    with pytest.raises(InputError, match="weights"):
        pinn.solve(p, weights={"nonexistent": 1.0}, iterations=1, progress=False)
    with pytest.raises(InputError, match="resample"):
        pinn.solve(p, resample="magic", iterations=1)
    y = sp.Symbol("y")
    q = pde.Problem([u.diff(x, 2)], pde.Polygon((x, y), [(0, 0), (1, 0), (0, 1)]) if False else pde.Interval(x, 0, 1),
                    [pde.Neumann(u, 0, on="boundary")])
    with pytest.raises(InputError, match="hard"):
        pinn.solve(q, hard=[q.conditions[0]], iterations=1)
    with pytest.raises(ProblemDefinitionError):
        pinn.solve(pde.Problem([u.diff(x, 2)], pde.Interval(x, 0, 1) - pde.Interval(x, 0.2, 0.4),
                               [pde.Dirichlet(u, 0)]), hard=True, iterations=1)


@pytest.mark.slow
def test_compiled_loss_matches_eager():
    p = poisson_1d()
    a = pinn.solve(p, network={"hidden": [8]}, points=16, iterations=3, progress=False, derivatives="jet")
    b = pinn.solve(p, network={"hidden": [8]}, points=16, iterations=3, progress=False, compile=True)
    assert b.info["compiled"] and b.info["engine"] == "jet"
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-9)


@pytest.mark.parametrize("name", ["burgers_inverse", "allen_cahn"])
def test_shipped_solve_options_are_accepted(problem_files, name):
    pf = problem_files[name]
    options = {**pf.solve_options, "iterations": 1, "lbfgs": 1, "progress": False, "derivatives": "autograd"}
    result = pinn.solve(pf.problem, **options)
    assert np.isfinite(result.history["loss"][-1])
