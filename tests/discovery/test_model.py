import numpy as np
import pytest
import sympy as sp
import torch

from sciml import load_model
from sciml.discovery import DiscoveredModel, discover
from sciml.errors import InputError, SolverError


@pytest.fixture(scope="module")
def lorenz_model(lorenz):
    return discover(lorenz)


def test_simulate_matches_the_data_over_a_short_horizon(lorenz, lorenz_model):
    t = lorenz.t[:1001]  # two time units: before chaos separates the trajectories
    sim = lorenz_model.simulate(lorenz.y[0], t)
    assert sim.shape == (1001, 3)
    np.testing.assert_allclose(sim, lorenz.y[:1001], atol=1e-3 * np.abs(lorenz.y).max())


def test_simulate_batches_and_follows_tensor_dtype(lorenz_model):
    y0 = torch.tensor([[-8.0, 8.0, 27.0], [1.0, 1.0, 1.0]], dtype=torch.float32)
    t = torch.linspace(0, 0.5, 11)
    out = lorenz_model.simulate(y0, t, rtol=1e-5, atol=1e-6)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and out.shape == (11, 2, 3)
    single = lorenz_model.simulate(y0[1].double(), t.double())
    np.testing.assert_allclose(out[:, 1].numpy(), single.numpy(), rtol=1e-3, atol=1e-3)


def test_a_model_that_blows_up_stops_with_the_time_reached():
    model = DiscoveredModel.from_equations(["x"], ["x**2"])
    with pytest.raises(SolverError) as info:
        model.simulate([1.0], np.linspace(0, 2, 5), max_steps=2000)
    assert info.value.t is not None and info.value.t < 1.0 + 1e-6  # x' = x^2 from 1 blows up at t = 1
    with pytest.warns(RuntimeWarning, match="stopped early"):
        partial = model.simulate([1.0], np.linspace(0, 2, 5), max_steps=2000, on_failure="return")
    assert partial.shape == (5, 1)
    assert np.isnan(partial[-1]).all() and np.isfinite(partial[0]).all()


def test_to_module_is_trainable_and_matches_the_equations(lorenz, lorenz_model):
    module = lorenz_model.to_module()
    y = torch.tensor(lorenz.y[:50])
    out = module(torch.tensor(0.0), y)
    np.testing.assert_allclose(out.detach().numpy(), lorenz_model.predict(lorenz.y[:50]), rtol=1e-12)
    assert sum(p.numel() for p in module.parameters()) == 7
    out.pow(2).mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in module.parameters())
    with torch.no_grad():
        module.coefficients[0][0] += 1.0
    changed = module.equations()[0]
    assert changed != sp.expand(lorenz_model.rhs[0])
    # float32 inputs work too, and the module plugs into the integrator
    from sciml.integrate import odeint

    ys = odeint(module.float(), torch.tensor([-8.0, 8.0, 27.0]), torch.linspace(0, 0.1, 3))
    assert ys.shape == (3, 3) and ys.dtype == torch.float32


def test_save_load_round_trip_is_exact(tmp_path, lorenz_model, burgers):
    path = lorenz_model.save(tmp_path / "m.json")
    back = load_model(path)
    assert back.rhs == lorenz_model.rhs
    assert [sp.srepr(r) for r in back.rhs] == [sp.srepr(r) for r in lorenz_model.rhs]
    assert back.equations == lorenz_model.equations
    assert back.choices == lorenz_model.choices and back.scores == lorenz_model.scores
    pde_model = discover(burgers)
    back = load_model(pde_model.save(tmp_path / "b.json"))
    assert [sp.srepr(r) for r in back.rhs] == [sp.srepr(r) for r in pde_model.rhs]
    assert back.kind == "pde" and back.coords == ["x"]


def test_str_has_four_significant_figures(lorenz_model):
    text = str(lorenz_model)
    assert "x' = " in text and "10.00 y" in text and "2.667 z" in text


def test_to_problem_gives_a_pde_problem(burgers):
    pde = pytest.importorskip("sciml.pde")
    if not hasattr(pde, "Problem"):
        pytest.skip("sciml.pde.Problem not available")
    model = discover(burgers)
    problem = model.to_problem()
    assert len(problem.equations) == 1
    with pytest.raises(InputError, match="model"):
        DiscoveredModel.from_equations(["x"], ["-x"]).to_problem()


def test_from_equations_reads_text_with_the_restricted_parser():
    model = DiscoveredModel.from_equations(["x", "v"], ["v", "-x - 0.1*v + f"], inputs=["f"])
    assert model.inputs == ["f"]
    np.testing.assert_allclose(model.predict([[1.0, 2.0]], u=[[0.5]]), [[2.0, -0.7]])
    with pytest.raises(InputError, match="rhs"):
        DiscoveredModel.from_equations(["x"], ["__import__('os')"])
    with pytest.raises(InputError, match="u"):
        model.predict([[1.0, 2.0]])
