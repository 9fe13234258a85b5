"""Hamiltonian and Lagrangian networks: fields of known energies, a learned Hamiltonian kept by the symplectic
solvers, gradients, save/load, errors."""

import pytest
import torch
from torch import nn

from sciml.errors import InputError
from sciml.models import HamiltonianNN, LagrangianNN, NeuralODE, fit

from .helpers import F64, assert_every_parameter_has_a_gradient, mlp, roundtrip


class Quadratic(nn.Module):
    """``k/2 · Σ v²`` of the input (a known energy, as a module)."""

    def __init__(self, k=1.0):
        super().__init__()
        self.k = nn.Parameter(torch.tensor(k, dtype=F64))

    def forward(self, v):
        return 0.5 * self.k * (v * v).sum(-1, keepdim=True)


def test_field_of_a_known_hamiltonian():
    x = torch.randn(5, 4, dtype=F64)
    general = HamiltonianNN(Quadratic())  # H = (|q|² + |p|²) / 2
    torch.testing.assert_close(general(None, x), torch.cat([x[:, 2:], -x[:, :2]], -1))
    separable = HamiltonianNN(kinetic=Quadratic(0.5), potential=Quadratic(2.0))
    torch.testing.assert_close(separable(None, x), torch.cat([0.5 * x[:, 2:], -2.0 * x[:, :2]], -1))
    torch.testing.assert_close(separable.hamiltonian(x), 0.25 * (x[:, 2:] ** 2).sum(-1) + (x[:, :2] ** 2).sum(-1))


def _pendulum_pairs(n=256):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 2, dtype=F64, generator=g) * 4 - 2
    return x, torch.cat([x[:, 1:], -torch.sin(x[:, :1])], -1)


def _derivative_loss(model, batch):
    x, dx = batch
    return torch.mean((model(None, x) - dx) ** 2)


def _learned_separable_hnn():
    hnn = HamiltonianNN(kinetic=mlp(1, 1, hidden=16), potential=mlp(1, 1, hidden=16, seed=1))
    result = fit(hnn, _pendulum_pairs(), objective=_derivative_loss, steps=80, lr=2e-2)
    assert result.loss < 0.1 * result.history["loss"][0]  # tiny training lowers the loss
    return hnn


# 10⁴ steps of a learned Hamiltonian take ~10 s (each evaluation is a backward pass): the default run takes 2000
# coarser ones; the slow run the 10⁴ steps, where the envelope is kept to round-off
@pytest.mark.parametrize("solver,h,steps,drift", [
    ("leapfrog", 0.05, 2000, 1e-3 * 3e-4),
    pytest.param("leapfrog", 0.01, 10_000, 1e-9, marks=pytest.mark.slow),
    pytest.param("yoshida4", 0.01, 10_000, 1e-9, marks=pytest.mark.slow),
])
def test_symplectic_solver_keeps_the_learned_hamiltonian(solver, h, steps, drift):
    hnn = _learned_separable_hnn()
    node = NeuralODE(hnn, solver=solver, step_size=h)
    x0 = torch.tensor([[1.0, 0.0]], dtype=F64)
    with torch.no_grad():
        xs = node.trajectory(x0, torch.arange(steps + 1, dtype=F64) * h)
        error = (hnn.hamiltonian(xs) - hnn.hamiltonian(x0)).abs()[:, 0]
    assert node.stats["n_steps"] == steps
    # a symplectic method's energy error is a bounded oscillation (O(h^p), Hairer–Lubich–Wanner VIII): its
    # envelope over the last 10% of the steps is that of the first 10% (RK4's grows ~8x here: benchmarks/models.py)
    n = steps // 10
    first, last = float(error[:n].max()), float(error[-n:].max())
    assert first < 2 * {"leapfrog": 0.3 * (h / 0.05) ** 2 * 1e-3, "yoshida4": 5e-10}[solver]
    assert abs(last - first) < drift


def test_gradients_training_and_save_load():
    hnn = HamiltonianNN(mlp(2, 1))
    x = torch.randn(8, 2, dtype=F64)
    node = NeuralODE(hnn, solver="rk4", step_size=0.1)
    node(x).pow(2).sum().backward()
    assert_every_parameter_has_a_gradient(node, exempt=("vf.net.2.bias",))  # an energy offset moves nothing
    fresh = roundtrip(node, lambda: NeuralODE(HamiltonianNN(mlp(2, 1, seed=5)), solver="rk4", step_size=0.1))
    torch.testing.assert_close(fresh(x), node(x), atol=0, rtol=0)


def test_lagrangian_of_a_spring():
    class Spring(nn.Module):  # L = m q̇²/2 − k q²/2
        def forward(self, x):
            return 0.5 * 2.0 * x[:, 1:] ** 2 - 0.5 * 3.0 * x[:, :1] ** 2

    lnn = LagrangianNN(Spring())
    x = torch.randn(6, 2, dtype=F64)
    torch.testing.assert_close(lnn(None, x), torch.cat([x[:, 1:], -1.5 * x[:, :1]], -1))
    torch.testing.assert_close(lnn.energy(x), x[:, 1] ** 2 + 1.5 * x[:, 0] ** 2)


def test_lagrangian_network_conserves_its_energy_and_learns():
    lnn = LagrangianNN(mlp(2, 1, act=nn.Softplus))
    node = NeuralODE(lnn, solver="dopri5", rtol=1e-9, atol=1e-9, t_span=(0.0, 2.0))
    x0 = torch.tensor([[0.5, 0.1]], dtype=F64)
    with torch.no_grad():
        e0, e1 = lnn.energy(x0), lnn.energy(node(x0))
    torch.testing.assert_close(e1, e0, atol=1e-6, rtol=0)
    node(x0).sum().backward()
    assert_every_parameter_has_a_gradient(node, exempt=("vf.net.2.bias",))
    result = fit(lnn, _pendulum_pairs(64), objective=_derivative_loss, steps=30, lr=1e-2)
    assert result.loss < result.history["loss"][0]
    fresh = roundtrip(lnn, lambda: LagrangianNN(mlp(2, 1, act=nn.Softplus, seed=7)))
    torch.testing.assert_close(fresh(None, x0), lnn(None, x0), atol=0, rtol=0)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="hamiltonian"):
        HamiltonianNN()
    with pytest.raises(InputError, match="hamiltonian"):
        HamiltonianNN(mlp(2, 1), kinetic=mlp(1, 1))
    with pytest.raises(InputError, match="kinetic"):
        HamiltonianNN(kinetic=mlp(1, 1))
    with pytest.raises(InputError, match="x"):
        HamiltonianNN(mlp(3, 1))(None, torch.zeros(2, 3, dtype=F64))
    with pytest.raises(InputError, match="energy network"):
        HamiltonianNN(mlp(2, 2))(None, torch.zeros(2, 2, dtype=F64))
