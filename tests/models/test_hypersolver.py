"""Hypersolver: residual targets, residual fitting lowers the error of the base method, gradients, save/load."""

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import odeint
from sciml.models import CorrectionNet, Hypersolver, Trajectories, fit

from .helpers import F64, assert_every_parameter_has_a_gradient, mlp, roundtrip

A = torch.tensor([[-0.2, 1.5], [-1.5, -0.2]], dtype=F64)


class Linear(torch.nn.Module):
    def forward(self, x):
        return x @ A.T


def _accurate(n=32, t_end=2.0, steps=20):
    t = torch.linspace(0, t_end, steps + 1, dtype=F64)
    x0 = torch.randn(n, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    return t, odeint(lambda t, y: y @ A.T, x0, t, rtol=1e-11, atol=1e-11)


def test_residual_targets_are_the_scaled_local_errors():
    t, xs = _accurate(n=3)
    hs = Hypersolver(Linear(), CorrectionNet(2).double(), base="euler", step_size=0.1)
    pred, target = hs.residuals(t, xs)
    h = 0.1
    manual = (xs[1:] - xs[:-1] - h * xs[:-1] @ A.T) / h ** 2
    torch.testing.assert_close(target, manual.reshape(-1, 2), atol=1e-10, rtol=0)
    assert pred.shape == target.shape


@pytest.mark.parametrize("base", ["euler", "midpoint"])
def test_residual_fitting_beats_the_base_method(base):
    t, xs = _accurate()
    hs = Hypersolver(Linear(), CorrectionNet(2, hidden=32).double(), base=base, step_size=0.1)
    result = fit(hs, Trajectories(t, xs.transpose(0, 1)), objective=hs.residual_objective(t), steps=150,
                 lr=1e-2, params=list(hs.correction.parameters()))
    assert result.loss < 0.05 * result.history["loss"][0]
    with torch.no_grad():
        hyper = (hs.trajectory(xs[0], t) - xs).abs().max()
        plain = (hs.base_trajectory(xs[0], t) - xs).abs().max()
    assert float(hyper) < 0.3 * float(plain)
    assert hs.stats["n_f_evals"] <= 20 * (1 if base == "euler" else 2) + 1  # the base method's cost


def test_gradients_reach_field_and_correction_and_save_load():
    hs = Hypersolver(mlp(2, 2), CorrectionNet(2).double(), base="rk4", step_size=0.25)
    x = torch.randn(4, 2, dtype=F64)
    hs(x).pow(2).sum().backward()
    assert_every_parameter_has_a_gradient(hs)
    fresh = roundtrip(hs, lambda: Hypersolver(mlp(2, 2, seed=3), CorrectionNet(2).double(), base="rk4",
                                              step_size=0.25))
    torch.testing.assert_close(fresh(x), hs(x), atol=0, rtol=0)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="base"):
        Hypersolver(mlp(2, 2), CorrectionNet(2), base="tsit5")
    with pytest.raises(InputError, match="step_size"):
        Hypersolver(mlp(2, 2), CorrectionNet(2), step_size=0)
    with pytest.raises(InputError, match="correction"):
        Hypersolver(mlp(2, 2), None)
