"""Delay equations: exact piecewise polynomials, Mackey–Glass against an independent scipy method-of-steps
solve, manufactured solutions for time- and state-dependent delays, gradients (parameters, history, the delay
itself) against finite differences, and a delay learnt from data."""

import math

import numpy as np
import pytest
import torch

import sciml
from sciml.errors import InputError
from sciml.integrate.dde import ddeint, solve_dde
from sciml.integrate.dde.delays import Delay, breaking_points
from sciml.integrate.dde.problems import (
    delayed_decay_exact,
    mackey_glass,
    mackey_glass_numpy,
    method_of_steps_reference,
)

F64 = torch.float64


def _decay(t, y, lagged):
    return -lagged[0]


@pytest.mark.parametrize("method", ["dopri5", "tsit5"])
def test_delayed_decay_matches_its_piecewise_polynomial(method):
    t = torch.linspace(0, 5, 51, dtype=F64)
    exact = torch.tensor([delayed_decay_exact(float(s)) for s in t], dtype=F64)
    sol = solve_dde(_decay, torch.ones(1, dtype=F64), t, 1.0, method=method, rtol=1e-10, atol=1e-12)
    assert sol.ys.shape == (51, 1)
    assert (sol.ys[:, 0] - exact).abs().max() < 1e-8
    assert sol.stats["n_breaking_points"] == 4  # t = 1, 2, 3, 4 inside (0, 5)
    untracked = solve_dde(_decay, torch.ones(1, dtype=F64), t, 1.0, method=method, rtol=1e-10, atol=1e-12,
                          track_discontinuities=False)
    assert sol.stats["n_f_evals"] < untracked.stats["n_f_evals"] / 2  # no steps wasted on the kinks
    dense = sol.evaluate(torch.tensor([0.37, 2.5, 4.99], dtype=F64))[:, 0]
    torch.testing.assert_close(dense, torch.tensor([delayed_decay_exact(s) for s in (0.37, 2.5, 4.99)], dtype=F64),
                               rtol=0, atol=1e-8)


def test_mackey_glass_matches_an_independent_method_of_steps_solve():
    ref = method_of_steps_reference(mackey_glass_numpy(), lambda s: np.array([0.5]), 17.0, 0.0, 1000.0, rtol=1e-10,
                                    atol=1e-10)
    t = torch.linspace(0, 1000, 5001, dtype=F64)
    y = ddeint(mackey_glass(), torch.tensor([0.5], dtype=F64), t, 17.0, rtol=1e-9, atol=1e-9)[:, 0].numpy()
    yr = ref(t.numpy())[:, 0]
    early, late = t.numpy() <= 50, t.numpy() >= 100
    assert np.abs(y[early] - yr[early]).max() < 1e-6
    # chaotic: further out compare the attractor's statistics
    assert abs(y[late].mean() - yr[late].mean()) < 0.01 * abs(yr[late].mean())
    assert abs(y[late].var() - yr[late].var()) < 0.01 * yr[late].var()


def test_time_dependent_delay_on_a_manufactured_solution():
    def tau(t):
        return 1 + 0.5 * torch.sin(t)

    def func(t, y, lagged):  # y = sin t solves this for any τ
        return lagged[0] + torch.cos(t) - torch.sin(t - tau(t))

    t = torch.linspace(0, 8, 33, dtype=F64)
    sol = solve_dde(func, torch.sin, t, tau, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(sol.ys, torch.sin(t), rtol=0, atol=1e-8)
    # breaking points solve ξ − τ(ξ) = previous one
    points = breaking_points([Delay(fn=tau)], 0.0, 8.0, 2, F64, "cpu")
    first = points[0]
    assert abs(first - (1 + 0.5 * math.sin(first))) < 1e-10


def test_state_dependent_delay_and_several_delays():
    def func(t, y, lagged):  # y = cos t, delays 1 and 1 + y²/2
        a, b = lagged
        return -torch.sin(t) + 0.3 * (a - torch.cos(t - 1)) - 0.2 * (b - torch.cos(t - 1 - 0.5 * torch.cos(t) ** 2))

    t = torch.linspace(0, 6, 25, dtype=F64)
    lags = [1.0, lambda t, y: 1 + 0.5 * y ** 2]
    sol = solve_dde(func, lambda s: torch.cos(s).reshape(1), t, lags, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(sol.ys[:, 0], torch.cos(t), rtol=0, atol=1e-7)
    points = breaking_points([Delay(1.0), Delay(0.7)], 0.0, 3.0, 3, F64, "cpu")
    np.testing.assert_allclose(points, [0.7, 1.0, 1.4, 1.7, 2.0, 2.1, 2.4, 2.7], atol=1e-12)


def test_batched_state_and_lazy_export():
    y0 = torch.tensor([[0.5], [1.0], [1.5]], dtype=F64)
    t = torch.linspace(0, 4, 9, dtype=F64)
    ys = sciml.ddeint(lambda t, y, lag: -lag[0], y0, t, 1.0)
    assert ys.shape == (9, 3, 1)
    exact = torch.tensor([delayed_decay_exact(float(s)) for s in t], dtype=F64)
    torch.testing.assert_close(ys[:, :, 0], exact[:, None] * y0[:, 0], rtol=0, atol=1e-7)


def _gradient_problem():
    r = torch.tensor(1.3, dtype=F64, requires_grad=True)
    tau = torch.tensor(0.8, dtype=F64, requires_grad=True)
    h0 = torch.tensor(0.4, dtype=F64, requires_grad=True)
    hs = torch.tensor(0.3, dtype=F64, requires_grad=True)
    return r, tau, h0, hs


def _gradient_loss(params, mode="direct"):
    r, tau, h0, hs = params
    t = torch.linspace(0, 5, 6, dtype=F64)
    sol = solve_dde(lambda t, y, lag: r * y * (1 - lag[0]), lambda s: (h0 + hs * torch.sin(s)).reshape(1), t, tau,
                    rtol=1e-12, atol=1e-12, gradient=mode, adjoint_params=params)
    return (sol.ys ** 2).sum()


@pytest.mark.parametrize("mode", ["direct", "checkpoint"])
def test_gradients_wrt_parameters_history_and_delay(mode):
    params = _gradient_problem()
    grads = torch.autograd.grad(_gradient_loss(params, mode), params)
    eps = 1e-5
    for p, g in zip(params, grads):
        with torch.no_grad():
            p += eps
            up = _gradient_loss(params)
            p -= 2 * eps
            down = _gradient_loss(params)
            p += eps
        fd = float((up - down) / (2 * eps))
        assert abs(float(g) - fd) < 1e-6 * max(1.0, abs(fd)), (mode, float(g), fd)


def test_checkpoint_equals_direct_with_a_network_field():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)).double()
    history = torch.tensor([0.3, -0.2], dtype=F64, requires_grad=True)
    t = torch.linspace(0, 3, 7, dtype=F64)
    grads = []
    for mode in ("direct", "checkpoint"):
        ys = ddeint(lambda t, y, lag: net(torch.cat([y, lag[0]], -1)), history, t, [0.6], gradient=mode,
                    adjoint_params=(*net.parameters(), history))
        grads.append(torch.autograd.grad(ys.pow(2).sum(), (net[0].weight, history)))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_a_delay_is_learnt_from_data():
    """Delayed logistic y' = r y (1 − y(t − τ)): r and τ fitted by gradient descent through the solver."""
    t = torch.linspace(0, 12, 49, dtype=F64)
    history = torch.tensor([0.5], dtype=F64)
    data = ddeint(lambda t, y, lag: 1.8 * y * (1 - lag[0]), history, t, 1.0, rtol=1e-9, atol=1e-9)

    class Logistic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.log_r = torch.nn.Parameter(torch.tensor(0.3, dtype=F64))
            self.tau = torch.nn.Parameter(torch.tensor(0.6, dtype=F64))

        def forward(self, t, y, lagged):
            return self.log_r.exp() * y * (1 - lagged[0])

    model = Logistic()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for it in range(60):
        if it == 35:
            opt.param_groups[0]["lr"] = 0.01
        opt.zero_grad()
        loss = (ddeint(model, history, t, model.tau, rtol=1e-6, atol=1e-8) - data).pow(2).mean()
        loss.backward()
        opt.step()
    assert abs(float(model.tau.detach()) - 1.0) < 0.02
    assert abs(float(model.log_r.detach().exp()) - 1.8) < 0.1


@pytest.mark.parametrize("kwargs, match", [
    (dict(gradient="backsolve"), "checkpoint"),
    (dict(method="rodas5p"), "explicit"),
    (dict(lags=-1.0), "positive"),
    (dict(lags=[]), "at least one"),
    (dict(t=torch.tensor([0.0, 2.0, 1.0], dtype=F64)), "increasing"),
    (dict(method="rk4", step_size=2.0), "shortest delay"),
    (dict(method="rk4"), "step size"),
    (dict(history="one"), "history"),
])
def test_input_errors(kwargs, match):
    args = dict(func=_decay, history=torch.ones(1, dtype=F64), t=torch.linspace(0, 3, 4, dtype=F64), lags=1.0)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        solve_dde(**args)
