"""DEQ: the implicit gradient equals unrolled backprop at convergence, Anderson beats plain iteration, training."""

import pytest
import torch
from torch import nn

from sciml.errors import InputError
from sciml.models import DEQ, Anderson, anderson, fit

from .helpers import F64, assert_every_parameter_has_a_gradient, roundtrip


class Cell(nn.Module):
    """``z ↦ tanh(W z + U x + b)`` with ``‖W‖ ≤ 0.9``: a contraction."""

    def __init__(self, n=6, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.W = nn.Linear(n, n, bias=False).double()
        self.U = nn.Linear(n, n).double()
        with torch.no_grad():
            self.W.weight.mul_(0.9 / torch.linalg.matrix_norm(self.W.weight, 2))

    def forward(self, z, x):
        return torch.tanh(self.W(z) + self.U(x))


def test_implicit_gradient_equals_unrolled_backprop_at_convergence():
    cell = Cell()
    x = torch.randn(5, 6, dtype=F64, requires_grad=True)
    deq = DEQ(cell, solver=Anderson(tol=1e-12, max_iter=200))
    (deq(x) ** 3).sum().backward()
    assert deq.stats["forward_residual"] < 1e-12 and deq.stats["backward_residual"] < 1e-12
    implicit = [p.grad.clone() for p in cell.parameters()] + [x.grad.clone()]
    cell.zero_grad()
    x.grad = None
    z = torch.zeros_like(x)
    for _ in range(400):  # 0.9^400 ≈ 5e-19: converged
        z = cell(z, x)
    (z ** 3).sum().backward()
    unrolled = [p.grad for p in cell.parameters()] + [x.grad]
    for a, b in zip(implicit, unrolled):
        torch.testing.assert_close(a, b, atol=1e-6 * float(b.abs().max()), rtol=0)
        torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-8)


def test_anderson_converges_in_fewer_iterations_than_plain_iteration():
    # z = W z + x with W = 0.95 · (orthogonal): plain iteration contracts by 0.95 per step (~450 iterations)
    Q = torch.linalg.qr(torch.randn(6, 6, dtype=F64, generator=torch.Generator().manual_seed(1)))[0]
    W = 0.95 * Q
    x = torch.randn(5, 6, dtype=F64)
    z, info = anderson(lambda z: z @ W.T + x, torch.zeros_like(x), Anderson(m=6, tol=1e-10, max_iter=500))
    exact = torch.linalg.solve(torch.eye(6, dtype=F64) - W, x.T).T
    torch.testing.assert_close(z, exact, atol=1e-8, rtol=0)
    plain, k = torch.zeros_like(x), 0
    while float(((plain @ W.T + x - plain).norm(dim=-1) / (plain @ W.T + x).norm(dim=-1)).max()) > 1e-10:
        plain, k = plain @ W.T + x, k + 1
    assert info["iterations"] < k / 10, (info, k)


def test_shapes_training_and_save_load():
    torch.manual_seed(0)
    x = torch.randn(64, 6, dtype=F64)
    labels = (x[:, 0] > 0).long()
    model = nn.Sequential(DEQ(Cell()), nn.Linear(6, 2).double())
    assert model(x).shape == (64, 2)
    result = fit(model, (x, labels), loss="cross_entropy", steps=30, lr=5e-2)
    assert result.loss < 0.7 * result.history["loss"][0]
    model(x).sum().backward()
    assert_every_parameter_has_a_gradient(model)
    fresh = roundtrip(model, lambda: nn.Sequential(DEQ(Cell(seed=3)), nn.Linear(6, 2).double()))
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), model(x), atol=1e-9, rtol=0)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="m"):
        Anderson(m=0)
    with pytest.raises(InputError, match="beta"):
        Anderson(beta=1.5)
    with pytest.raises(InputError, match="solver"):
        DEQ(Cell(), solver="anderson")
    with pytest.raises(InputError, match="x"):
        DEQ(Cell())(torch.tensor(1.0, dtype=F64))
