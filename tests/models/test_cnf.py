"""CNF / FFJORD: the change of variables against the analytic density, traces, sampling, training, save/load."""

import math

import pytest
import torch
from torch import nn

from sciml.errors import InputError
from sciml.models import CNF, Regularization, fit
from sciml.models.cnf import exact_trace, hutchinson_trace

from .helpers import F64, assert_every_parameter_has_a_gradient, mlp, roundtrip

A = torch.tensor([[0.3, -0.5, 0.1], [0.2, -0.1, 0.4], [0.0, 0.3, -0.6]], dtype=F64)


class Linear(nn.Module):
    def __init__(self, matrix):
        super().__init__()
        self.A = nn.Parameter(matrix.clone())

    def forward(self, t, z):
        return z @ self.A.T


def analytic_log_prob(x, matrix, t1=1.0):
    """x = exp(A t1) z with z ~ N(0, I): log p(x) = log N(exp(−A t1) x) − t1 tr A."""
    z = x @ torch.linalg.matrix_exp(-matrix * t1).T
    d = x.shape[1]
    return -0.5 * (z * z).sum(-1) - 0.5 * d * math.log(2 * math.pi) - t1 * torch.trace(matrix)


@pytest.mark.parametrize("sensitivity", ["direct", "adjoint"])
def test_linear_field_log_likelihood_is_the_analytic_change_of_variables(sensitivity):
    x = torch.randn(32, 3, dtype=F64)
    cnf = CNF(Linear(A), dim=3, trace="exact", t1=1.5, rtol=1e-10, atol=1e-10, sensitivity=sensitivity)
    torch.testing.assert_close(cnf.log_prob(x), analytic_log_prob(x, A, 1.5), atol=1e-6, rtol=0)


def test_hutchinson_is_exact_for_a_diagonal_field_and_unbiased_otherwise():
    diag = torch.diag(torch.tensor([0.4, -0.2, 0.1], dtype=F64))
    x = torch.randn(16, 3, dtype=F64)
    cnf = CNF(Linear(diag), dim=3, trace="hutchinson", noise="rademacher", rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(cnf.log_prob(x), analytic_log_prob(x, diag), atol=1e-6, rtol=0)
    z = torch.randn(4000, 3, dtype=F64, requires_grad=True)
    estimates = hutchinson_trace(z @ A.T, z, torch.sign(torch.randn_like(z)), False)[0]
    exact = exact_trace(z @ A.T, z, False)
    torch.testing.assert_close(exact, torch.full((4000,), float(torch.trace(A)), dtype=F64))
    assert abs(float(estimates.mean() - torch.trace(A))) < 4 * float(estimates.std()) / math.sqrt(4000)


def test_density_integrates_to_one():
    cnf = CNF(mlp(2, 2, hidden=8), dim=2, rtol=1e-6, atol=1e-6)
    g = torch.linspace(-6, 6, 61, dtype=F64)
    grid = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        p = cnf.log_prob(grid).exp()
    assert float(p.sum() * (g[1] - g[0]) ** 2) == pytest.approx(1.0, abs=2e-3)


def test_sampling_inverts_log_prob_and_gradients_reach_every_parameter():
    cnf = CNF(mlp(2, 2, hidden=8), dim=2, rtol=1e-8, atol=1e-8,
              regularization=Regularization(kinetic=0.1, jacobian=0.1))
    z = torch.randn(5, 2, dtype=F64)
    x = cnf.transform(z)
    assert cnf.sample(7).shape == (7, 2)
    (-cnf.log_prob(x).mean() + sum(cnf.penalties.values())).backward()
    assert_every_parameter_has_a_gradient(cnf)
    assert set(cnf.penalties) == {"kinetic", "jacobian"}


def test_tiny_training_lowers_the_negative_log_likelihood():
    torch.manual_seed(0)
    data = torch.randn(128, 2, dtype=F64) * torch.tensor([0.3, 1.5], dtype=F64) + torch.tensor([1.0, 0.0], dtype=F64)
    cnf = CNF(mlp(2, 2, hidden=16), dim=2, solver="rk4", step_size=0.25)
    result = fit(cnf, data, steps=25, lr=3e-2, batch_size=64)
    assert result.history["loss"][-1] < result.history["loss"][0] - 0.2


def test_save_and_load_round_trip():
    cnf = CNF(mlp(2, 2), dim=2)
    fresh = roundtrip(cnf, lambda: CNF(mlp(2, 2, seed=4), dim=2))
    x = torch.randn(4, 2, dtype=F64)
    torch.testing.assert_close(fresh.log_prob(x), cnf.log_prob(x), atol=0, rtol=0)


def test_bad_inputs_are_refused():
    cnf = CNF(mlp(2, 2), dim=2)
    with pytest.raises(InputError, match="x"):
        cnf.log_prob(torch.zeros(3, 3, dtype=F64))
    with pytest.raises(InputError, match="n"):
        cnf.sample(0)
    with pytest.raises(InputError, match="trace"):
        CNF(mlp(2, 2), dim=2, trace="approximate")
    with pytest.raises(InputError, match="dim"):
        CNF(mlp(2, 2), dim=0)


def test_penalties_are_positive_integrals_over_the_flow():
    diag = torch.diag(torch.tensor([0.4, -0.2], dtype=F64))
    cnf = CNF(Linear(diag), dim=2, t1=2.0, rtol=1e-10, atol=1e-10,
              regularization=Regularization(kinetic=1.0, jacobian=1.0, noise="rademacher"))
    x = torch.randn(8, 2, dtype=F64)
    cnf.log_prob(x)
    torch.testing.assert_close(cnf.penalties["jacobian"], torch.tensor(2.0 * 0.2, dtype=F64))  # t1 · Σ a²
    assert float(cnf.penalties["kinetic"].detach()) > 0
