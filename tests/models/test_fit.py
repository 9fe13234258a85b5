"""fit(): the data forms, checkpoints and resume through sciml.train, early stopping, penalties, errors."""

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import odeint
from sciml.models import MultipleShooting, NeuralODE, Regularization, Trajectories, fit
from sciml.train import Adam, Batches, Checkpoints, EarlyStopping

from .helpers import F64, mlp

A = torch.tensor([[-0.1, 1.0], [-1.0, -0.1]], dtype=F64)


def _data(n=6, times=11):
    t = torch.linspace(0, 1, times, dtype=F64)
    y0 = torch.randn(n, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    return t, odeint(lambda t, y: y @ A.T, y0, t, rtol=1e-9, atol=1e-9).transpose(0, 1)


def _node(seed=0, **kw):
    return NeuralODE(mlp(2, 2, seed=seed), solver="rk4", step_size=0.1, **kw)


def test_pairs_regression_lowers_the_loss():
    x = torch.linspace(-1, 1, 32, dtype=F64)[:, None]
    y = torch.sin(3 * x)
    result = fit(mlp(1, 1), (x, y), steps=60, lr=5e-2, batch_size=16)
    assert result.loss < 0.3 * result.history["loss"][0]
    assert result.info["phases"][0]["iterations"] == 60


def test_checkpoint_and_resume_give_the_same_weights(tmp_path):
    t, y = _data()
    first = _node()
    fit(first, Trajectories(t, y), steps=20, lr=1e-2, batch_size=3, log_every=5,
        checkpoint=Checkpoints(tmp_path, every=10, seconds=None, keep=None))
    again = _node()
    resumed = fit(again, Trajectories(t, y), steps=20, lr=1e-2, batch_size=3, resume=tmp_path / "step-000000010",
                  log_every=5)
    assert resumed.info["resumed_from"].endswith("step-000000010")
    for a, b in zip(first.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_early_stopping_ends_a_run_that_does_not_improve():
    t, y = _data()
    result = fit(_node(), Trajectories(t, y), steps=200, lr=1e-14,
                 early_stopping=EarlyStopping(3, min_delta=1e-3), log_every=5)
    assert result.info["iterations"] < 200
    assert any("early stopping" in r for r in result.info["phases"][0]["reasons"])


def test_penalties_are_logged_and_added():
    t, y = _data()
    result = fit(_node(regularization=Regularization(kinetic=0.01)), Trajectories(t, y), steps=5, log_every=1)
    terms = result.history["terms"]
    assert "kinetic" in terms and "data" in terms
    final = -1
    assert result.history["loss"][final] == pytest.approx(terms["data"][final] + terms["kinetic"][final], rel=1e-9)


def test_per_trajectory_time_grids():
    t, y = _data(n=4)
    grids = torch.stack([t * (1 + 0.1 * i) for i in range(4)])
    y = torch.stack([odeint(lambda t, z: z @ A.T, y[i, 0], grids[i], rtol=1e-9, atol=1e-9) for i in range(4)])
    result = fit(_node(), Trajectories(grids, y), steps=15, lr=2e-2)
    assert result.loss < result.history["loss"][0]


def test_custom_sampler_with_an_objective():
    x = torch.randn(16, 2, dtype=F64)
    node = _node()

    def objective(model, batch):
        (xb,) = batch if isinstance(batch, tuple) else (batch,)
        return model(xb).pow(2).mean()

    result = fit(node, Batches(x, batch_size=8), objective=objective, phases=[Adam(10, lr=1e-2)])
    assert result.info["iterations"] == 10
    with pytest.raises(InputError, match="objective"):
        fit(node, Batches(x, batch_size=8), steps=1)


def test_bad_data_and_options_are_refused():
    t, y = _data()
    with pytest.raises(InputError, match="t"):
        Trajectories(t[:-1], y)
    with pytest.raises(InputError, match="y"):
        Trajectories(t, y[0])
    with pytest.raises(InputError, match="data"):
        fit(_node(), "data.csv")
    with pytest.raises(InputError, match="data"):
        fit(_node(), torch.zeros(3, 2, dtype=F64))  # density data for a model without log_prob
    with pytest.raises(InputError, match="shooting"):
        fit(_node(), (y[:, 0], y[:, -1]), shooting=MultipleShooting(3))
    with pytest.raises(InputError, match="loss"):
        fit(_node(), Trajectories(t, y), loss="huber")
    with pytest.raises(InputError, match="model"):
        fit(lambda x: x, (y[:, 0], y[:, -1]))
