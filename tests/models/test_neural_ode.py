"""NeuralODE: shapes, gradient modes, second order, field blocks, regularisers, save/load, errors."""

import math

import pytest
import torch
from torch import nn

from sciml.errors import InputError
from sciml.integrate import odeint
from sciml.models import (
    Augmenter,
    DataControl,
    DepthCat,
    DepthVaryingLinear,
    MultipleShooting,
    NeuralODE,
    Regularization,
    Trajectories,
    fit,
)

from .helpers import F64, assert_every_parameter_has_a_gradient, mlp, roundtrip


def test_shapes_of_forward_and_trajectory():
    node = NeuralODE(mlp(2, 2))
    x = torch.randn(7, 2, dtype=F64)
    assert node(x).shape == (7, 2)
    t = torch.linspace(0, 2, 5, dtype=F64)
    ys = node.trajectory(x, t)
    assert ys.shape == (5, 7, 2)
    torch.testing.assert_close(ys[0], x)
    assert node.nfe > 0 and node.stats["n_steps"] > 0
    assert node(x[0]).shape == (2,)  # one unbatched state


def test_forward_equals_odeint_of_the_field():
    f = mlp(2, 2)
    x = torch.randn(4, 2, dtype=F64)
    node = NeuralODE(f, solver="dopri5", rtol=1e-9, atol=1e-9, t_span=(0.0, 1.5))
    ref = odeint(lambda t, y: f(y), x, torch.tensor([0.0, 1.5], dtype=F64), rtol=1e-9, atol=1e-9)[-1]
    torch.testing.assert_close(node(x), ref, atol=1e-12, rtol=0)


def _gradients(sensitivity, **kw):
    f = mlp(2, 2)
    node = NeuralODE(f, sensitivity=sensitivity, rtol=1e-8, atol=1e-8, **kw)
    x = torch.randn(6, 2, dtype=F64, generator=torch.Generator().manual_seed(3), requires_grad=True)
    node(x).pow(2).sum().backward()
    assert_every_parameter_has_a_gradient(node)
    return [p.grad for p in node.parameters()] + [x.grad]


def test_gradient_modes_agree():
    direct = _gradients("direct")
    for a, b in zip(direct, _gradients("checkpoint")):  # the exact gradient of the same discrete solve
        torch.testing.assert_close(a, b, atol=1e-11, rtol=1e-9)
    for a, b in zip(direct, _gradients("adjoint", rtol_adjoint=1e-9, atol_adjoint=1e-9)):  # torchdyn's name
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_independent_batch_equals_solving_each_alone():
    f = mlp(2, 2)
    x = torch.randn(3, 2, dtype=F64)
    t = torch.linspace(0, 1, 4, dtype=F64)
    batch = NeuralODE(f, batch="independent", rtol=1e-6, atol=1e-8).trajectory(x, t)
    alone = torch.stack([NeuralODE(f, rtol=1e-6, atol=1e-8).trajectory(x[i:i + 1], t)[:, 0] for i in range(3)], 1)
    torch.testing.assert_close(batch, alone, atol=1e-12, rtol=0)
    # per-sample time grids (T, B)
    grids = torch.stack([t, 2 * t, 0.5 * t], 1)
    ys = NeuralODE(f, rtol=1e-6, atol=1e-8).trajectory(x, grids)
    one = NeuralODE(f, rtol=1e-6, atol=1e-8).trajectory(x[1:2], 2 * t)[:, 0]
    torch.testing.assert_close(ys[:, 1], one, atol=1e-6, rtol=0)


def test_second_order_field_gives_the_acceleration():
    class Spring(nn.Module):
        def forward(self, x):
            return -x[..., :1]

    node = NeuralODE(Spring(), solver="dopri5", order=2, rtol=1e-10, atol=1e-10, t_span=(0.0, 2.0))
    x0 = torch.tensor([[1.0, 0.0]], dtype=F64)
    torch.testing.assert_close(node(x0), torch.tensor([[math.cos(2.0), -math.sin(2.0)]], dtype=F64), atol=1e-8,
                               rtol=0)
    with pytest.raises(InputError, match="even"):
        node(torch.zeros(1, 3, dtype=F64))


def test_augmented_neural_ode_in_a_sequential():
    model = nn.Sequential(Augmenter(3), NeuralODE(mlp(5, 5)), nn.Linear(5, 1).double())
    x = torch.randn(8, 2, dtype=F64)
    assert model[0](x)[:, 2:].abs().sum() == 0
    model(x).sum().backward()
    assert_every_parameter_has_a_gradient(model)


def test_depth_variant_fields():
    x = torch.randn(4, 2, dtype=F64)
    cat = NeuralODE(DepthCat(mlp(3, 2)))
    cat(x).sum().backward()
    assert_every_parameter_has_a_gradient(cat)
    layer = DepthVaryingLinear(2, 2, harmonics=1, period=2.0).double()
    t = torch.tensor(0.3, dtype=F64)
    w = 2 * math.pi / 2.0
    phi = torch.tensor([1.0, math.cos(w * 0.3), math.sin(w * 0.3)], dtype=F64)
    W = torch.einsum("n,noi->oi", phi, layer.weight)
    torch.testing.assert_close(layer(t, x), x @ W.T + phi @ layer.bias)
    rows = layer(torch.full((4,), 0.3, dtype=F64), x)  # one time per system
    torch.testing.assert_close(rows, layer(t, x))
    node = NeuralODE(layer, batch="independent")
    node(x).sum().backward()
    assert_every_parameter_has_a_gradient(node)


def test_data_controlled_field_sees_the_initial_condition():
    net = nn.Linear(4, 2).double()
    node = NeuralODE(DataControl(net), solver="dopri5", rtol=1e-10, atol=1e-10)
    x = torch.randn(3, 2, dtype=F64)
    ref = odeint(lambda t, y: net(torch.cat([y, x], -1)), x, torch.tensor([0.0, 1.0], dtype=F64), rtol=1e-10,
                 atol=1e-10)[-1]
    torch.testing.assert_close(node(x), ref, atol=1e-12, rtol=0)
    with pytest.raises(InputError, match="control"):
        DataControl(net)(0.0, x)


def test_kinetic_and_jacobian_penalties_are_the_integrals():
    class Constant(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Parameter(torch.tensor([0.5, -2.0], dtype=F64))

        def forward(self, x):
            return self.c.expand_as(x)

    node = NeuralODE(Constant(), t_span=(0.0, 2.0), regularization=Regularization(kinetic=0.1))
    node(torch.zeros(5, 2, dtype=F64))
    torch.testing.assert_close(node.penalties["kinetic"], torch.tensor(0.1 * 4.25 * 2.0, dtype=F64))

    class Diagonal(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.tensor([-0.3, 0.7], dtype=F64))

        def forward(self, x):
            return x * self.a

    reg = Regularization(kinetic=0.0, jacobian=0.5, noise="rademacher")  # ‖ε ⊙ a‖² = Σ a² for ε = ±1
    node = NeuralODE(Diagonal(), regularization=reg)
    y = node(torch.randn(4, 2, dtype=F64))
    assert set(node.penalties) == {"jacobian"}
    torch.testing.assert_close(node.penalties["jacobian"], torch.tensor(0.5 * 0.58, dtype=F64))
    (y.sum() + node.penalties["jacobian"]).backward()
    assert_every_parameter_has_a_gradient(node)


def test_penalty_gradients_by_backsolve_match_direct():
    grads = []
    for sensitivity in ("direct", "backsolve"):
        f = mlp(2, 2)
        node = NeuralODE(f, sensitivity=sensitivity, rtol=1e-9, atol=1e-9,
                         regularization=Regularization(kinetic=1.0, jacobian=1.0))
        torch.manual_seed(5)  # the same probe
        y = node(torch.randn(4, 2, dtype=F64, generator=torch.Generator().manual_seed(1)))
        (y.sum() + sum(node.penalties.values())).backward()
        grads.append([p.grad for p in f.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def _spiral_data(n_traj=8, n_times=21):
    A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]], dtype=F64)
    t = torch.linspace(0, 2, n_times, dtype=F64)
    y0 = torch.randn(n_traj, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    y = odeint(lambda t, y: y @ A.T, y0, t, rtol=1e-9, atol=1e-9).transpose(0, 1)
    return t, y


def test_tiny_training_lowers_the_loss():
    t, y = _spiral_data()
    node = NeuralODE(mlp(2, 2, hidden=16), solver="rk4", step_size=0.1)
    result = fit(node, Trajectories(t, y), steps=30, lr=2e-2)
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]


def test_multiple_shooting_split_and_training():
    t, y = _spiral_data(n_traj=2, n_times=21)
    shooting = MultipleShooting(segment=6, continuity=1.0)
    assert shooting.starts(21) == [0, 6, 12, 14]  # the last segment moved back to keep 6 intervals
    x0, t_seg, target = shooting.split(t, y)
    assert x0.shape == (8, 2) and t_seg.shape == (7, 8) and target.shape == (7, 8, 2)
    torch.testing.assert_close(t_seg[:, 1 * 2 + 0], t[6:13])  # segment 1 of trajectory 0
    torch.testing.assert_close(target[:, 3 * 2 + 1], y[1, 14:21])
    node = NeuralODE(mlp(2, 2), solver="rk4", step_size=0.1)
    result = fit(node, Trajectories(t, y), shooting=shooting, steps=30, lr=2e-2)
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]
    assert "continuity" in result.history["terms"]


def test_save_and_load_round_trip():
    node = NeuralODE(DepthCat(mlp(3, 2)), solver="rk4", step_size=0.1)
    fresh = roundtrip(node, lambda: NeuralODE(DepthCat(mlp(3, 2, seed=9)), solver="rk4", step_size=0.1))
    x = torch.randn(3, 2, dtype=F64)
    torch.testing.assert_close(fresh(x), node(x), atol=0, rtol=0)


@pytest.mark.parametrize("kwargs,match", [
    ({"solver": "nope"}, "solver"), ({"sensitivity": "magic"}, "sensitivity"), ({"order": 3}, "order"),
    ({"batch": "independent", "sensitivity": "adjoint"}, "sensitivity"), ({"t_span": (1.0, 1.0)}, "t_span"),
    ({"rtol": -1.0}, "rtol"), ({"regularization": 0.1}, "regularization"),
])
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        NeuralODE(mlp(2, 2), **kwargs)


def test_bad_inputs_are_refused():
    node = NeuralODE(mlp(2, 2))
    with pytest.raises(InputError, match="x"):
        node(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(InputError, match="t"):
        node.trajectory(torch.zeros(2, 2, dtype=F64), torch.zeros(2, 2, 2, dtype=F64))
    with pytest.raises(InputError, match="vector_field"):
        NeuralODE(3)


def test_penalties_of_a_backward_solve_are_positive():
    class Constant(nn.Module):
        def forward(self, x):
            return torch.ones_like(x)

    node = NeuralODE(Constant(), t_span=(1.0, 0.0), regularization=Regularization(kinetic=1.0))
    node(torch.zeros(3, 2, dtype=F64))
    torch.testing.assert_close(node.penalties["kinetic"], torch.tensor(2.0, dtype=F64))
