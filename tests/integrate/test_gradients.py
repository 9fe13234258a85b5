"""Gradients: direct, checkpoint and backsolve agree with each other, with finite differences
and with the exact gradient of the matrix exponential."""

import pytest
import torch

from sciml.integrate import odeint, odeint_adjoint, solve_ivp

from .problems import MLPField

MODES = ["direct", "checkpoint", "backsolve"]


def _linear_problem():
    g = torch.Generator().manual_seed(3)
    A = (0.5 * torch.randn(3, 3, generator=g, dtype=torch.float64)).requires_grad_(True)
    y0 = torch.randn(3, generator=g, dtype=torch.float64).requires_grad_(True)
    w = torch.randn(3, generator=g, dtype=torch.float64)
    return A, y0, w


@pytest.mark.parametrize("mode", MODES)
def test_linear_system_matches_matrix_exponential(mode):
    A, y0, w = _linear_problem()
    T = 1.5
    exact = w @ (torch.linalg.matrix_exp(A * T) @ y0)
    gA_exact, gy_exact = torch.autograd.grad(exact, (A, y0))

    sol = solve_ivp(lambda t, y: A @ y, (0.0, T), y0, t_eval=torch.tensor([0.0, T], dtype=torch.float64),
                    method="dopri8", rtol=1e-13, atol=1e-13, gradient=mode, adjoint_params=(A,))
    gA, gy = torch.autograd.grad(w @ sol.ys[-1], (A, y0))
    tol = 1e-10 if mode != "backsolve" else 1e-8
    torch.testing.assert_close(gA, gA_exact, rtol=0, atol=tol)
    torch.testing.assert_close(gy, gy_exact, rtol=0, atol=tol)


def _mlp_loss_grads(mode, batch="joint", method="dopri5", tol=1e-11):
    field = MLPField(dim=2, hidden=8, seed=1)
    g = torch.Generator().manual_seed(2)
    y0 = torch.randn(4, 2, generator=g, dtype=torch.float64).requires_grad_(True)
    t = torch.linspace(0.0, 1.0, 4, dtype=torch.float64)
    sol = solve_ivp(field, (0.0, 1.0), y0, t_eval=t, method=method, rtol=tol, atol=tol, gradient=mode,
                    batch=batch)
    loss = (sol.ys**2).sum() + sol.ys[1:, :, 0].sin().sum()
    grads = torch.autograd.grad(loss, (y0, *field.parameters()))
    return loss.detach(), grads, field, y0


def test_gradient_modes_agree_with_each_other():
    results = {mode: _mlp_loss_grads(mode)[1] for mode in MODES}
    for mode in ("checkpoint", "backsolve"):
        for a, b in zip(results[mode], results["direct"]):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_gradients_match_finite_differences(mode):
    _, grads, field, y0 = _mlp_loss_grads(mode)
    t = torch.linspace(0.0, 1.0, 4, dtype=torch.float64)

    def loss_at(y_init):
        with torch.no_grad():
            ys = solve_ivp(field, (0.0, 1.0), y_init, t_eval=t, rtol=1e-13, atol=1e-13, method="dopri5").ys
            return float((ys**2).sum() + ys[1:, :, 0].sin().sum())

    eps = 1e-6
    y = y0.detach()
    for idx in [(0, 0), (1, 1), (3, 0)]:
        plus, minus = y.clone(), y.clone()
        plus[idx] += eps
        minus[idx] -= eps
        fd = (loss_at(plus) - loss_at(minus)) / (2 * eps)
        assert abs(float(grads[0][idx]) - fd) <= 1e-5 * max(1.0, abs(fd)), (idx, float(grads[0][idx]), fd)
    weight = field.l1.weight
    for idx in [(0, 0), (5, 1)]:
        old = float(weight.detach()[idx])
        with torch.no_grad():
            weight[idx] = old + eps
            plus = loss_at(y)
            weight[idx] = old - eps
            minus = loss_at(y)
            weight[idx] = old
        fd = (plus - minus) / (2 * eps)
        g = float(grads[1][idx])
        assert abs(g - fd) <= 1e-5 * max(1.0, abs(fd)), (idx, g, fd)


def test_checkpoint_is_exact_gradient_of_discrete_solution():
    # at a loose tolerance the three modes differ, but checkpoint and direct differentiate the
    # same discrete computation and must agree to round-off
    direct = _mlp_loss_grads("direct", tol=1e-4)[1]
    checkpoint = _mlp_loss_grads("checkpoint", tol=1e-4)[1]
    for a, b in zip(direct, checkpoint):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("mode", ["direct", "checkpoint"])
def test_independent_batch_gradients(mode):
    ref = _mlp_loss_grads("direct", batch="joint", tol=1e-12)[1]
    got = _mlp_loss_grads(mode, batch="independent", tol=1e-12)[1]
    for a, b in zip(got, ref):
        torch.testing.assert_close(a, b, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_time_gradients(mode):
    field = MLPField(dim=2, hidden=8, seed=4)
    y0 = torch.tensor([0.3, -0.7], dtype=torch.float64)
    t = torch.tensor([0.2, 0.9, 1.7], dtype=torch.float64, requires_grad=True)
    sol = solve_ivp(field, (t[0], t[-1]), y0, t_eval=t, rtol=1e-12, atol=1e-12, gradient=mode)
    w = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-0.3, 0.8]], dtype=torch.float64)
    (gt,) = torch.autograd.grad((sol.ys * w).sum(), t)

    def loss(tt):
        with torch.no_grad():
            ys = solve_ivp(field, (tt[0], tt[-1]), y0, t_eval=tt, rtol=1e-13, atol=1e-13).ys
        return float((ys * w).sum())

    eps = 1e-6
    for i in range(3):
        plus, minus = t.detach().clone(), t.detach().clone()
        plus[i] += eps
        minus[i] -= eps
        fd = (loss(plus) - loss(minus)) / (2 * eps)
        assert abs(float(gt[i]) - fd) < 1e-6 * max(1.0, abs(fd)), (i, float(gt[i]), fd)


def test_odeint_adjoint_matches_odeint_and_seminorm_saves_evaluations():
    field = MLPField(dim=2, hidden=16, seed=5)
    y0 = torch.tensor([[0.5, -0.2], [1.0, 0.3]], dtype=torch.float64, requires_grad=True)
    t = torch.linspace(0.0, 3.0, 5, dtype=torch.float64)
    ref = torch.autograd.grad(odeint(field, y0, t, rtol=1e-10, atol=1e-10).pow(2).sum(), (y0, *field.parameters()))
    counts = {}
    for seminorm in (False, True):
        calls = {"n": 0}

        def count(*_, calls=calls):
            calls["n"] += 1

        hook = field.register_forward_pre_hook(count)
        out = odeint_adjoint(field, y0, t, rtol=1e-10, atol=1e-10,
                             adjoint_options={"norm": "seminorm"} if seminorm else None)
        forward_calls = calls["n"]
        grads = torch.autograd.grad(out.pow(2).sum(), (y0, *field.parameters()))
        hook.remove()
        counts[seminorm] = calls["n"] - forward_calls
        for a, b in zip(grads, ref):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8)
    assert counts[True] < counts[False], counts


class _Held:
    """A tensor saved for backward; counts live bytes while the autograd graph holds it."""

    live = 0
    peak = 0

    def __init__(self, x):
        self.x = x
        self.nbytes = x.numel() * x.element_size()
        _Held.live += self.nbytes
        _Held.peak = max(_Held.peak, _Held.live)

    def __del__(self):
        _Held.live -= self.nbytes


def _saved_bytes(mode, t_end):
    """Peak bytes of tensors held for backward, forward and backward pass together."""
    field = MLPField(dim=2, hidden=32, seed=6)
    y0 = torch.randn(16, 2, dtype=torch.float64, requires_grad=True)
    _Held.live = _Held.peak = 0
    with torch.autograd.graph.saved_tensors_hooks(_Held, lambda held: held.x):
        sol = solve_ivp(field, (0.0, t_end), y0, t_eval=torch.tensor([0.0, t_end], dtype=torch.float64),
                        rtol=1e-8, atol=1e-8, gradient=mode)
        sol.ys.sum().backward()
    return _Held.peak, sol.stats["n_steps"]


def test_backsolve_memory_does_not_grow_with_steps():
    short, steps_short = _saved_bytes("backsolve", 1.0)
    long, steps_long = _saved_bytes("backsolve", 20.0)
    assert steps_long > 3 * steps_short
    assert long <= 1.2 * short, (short, long)
    # the same measurement sees the growth of direct backpropagation
    direct_short, _ = _saved_bytes("direct", 1.0)
    direct_long, _ = _saved_bytes("direct", 20.0)
    assert direct_long > 3 * direct_short


def test_tuple_state_gradients():
    k = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)

    def field(t, state):
        x, v = state
        return v, -k * x

    x0 = torch.tensor([1.0], dtype=torch.float64)
    v0 = torch.tensor([0.0], dtype=torch.float64)
    t = torch.tensor([0.0, 2.0], dtype=torch.float64)
    xs, vs = odeint(field, (x0, v0), t, rtol=1e-12, atol=1e-12)
    (g,) = torch.autograd.grad(xs[-1].sum(), k)
    # x(t) = cos(√k t): dx/dk = -sin(√k t) t / (2√k)
    w = torch.sqrt(k.detach())
    expected = -torch.sin(w * 2.0) * 2.0 / (2 * w)
    assert abs(float(g) - float(expected)) < 1e-9
    assert xs.shape == (2, 1) and vs.shape == (2, 1)
