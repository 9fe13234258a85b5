"""cdeint: a linear CDE against its closed form, gradients against finite differences in every mode,
the two field forms, tuple states, torchsde keywords, input errors, and torchcde side by side."""

import functools

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate.cde import cdeint
from sciml.integrate.interpolation import (
    CubicSpline,
    LinearInterpolation,
    TupleControl,
    linear_interpolation_coeffs,
    natural_cubic_coeffs,
)

MODES = ["direct", "backsolve", "checkpoint"]


def _commuting(H=3, C=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    P = torch.randn(H, H, generator=g, dtype=torch.float64) + 2 * torch.eye(H, dtype=torch.float64)
    D = 0.5 * torch.randn(C, H, generator=g, dtype=torch.float64)
    return torch.stack([P @ torch.diag(D[i]) @ torch.linalg.inv(P) for i in range(C)])  # (C, H, H), commuting


def test_linear_cde_with_commuting_matrices_matches_its_closed_form():
    A = _commuting()
    g = torch.Generator().manual_seed(1)
    t = torch.tensor([0.0, 0.4, 1.1, 1.5, 2.3, 3.0], dtype=torch.float64)
    x = torch.randn(4, len(t), 2, generator=g, dtype=torch.float64)
    X = LinearInterpolation(linear_interpolation_coeffs(x, t), t)
    z0 = torch.randn(4, 3, generator=g, dtype=torch.float64)
    t_out = torch.linspace(0, 3, 13, dtype=torch.float64)
    z = cdeint(X, lambda s, z: torch.einsum("cij,bj->bic", A, z), z0, t_out, adjoint=False, method="tsit5",
               rtol=1e-12, atol=1e-12)
    # z(t) = exp(Σ_i A_i (X_i(t) − X_i(t0))) z0 when the A_i commute
    dX = X.evaluate(t_out) - X.evaluate(t_out[0]).unsqueeze(-2)
    exact = torch.einsum("btij,bj->bti", torch.linalg.matrix_exp(torch.einsum("btc,cij->btij", dX, A)), z0)
    assert z.shape == (4, 13, 3)
    torch.testing.assert_close(z, exact, rtol=0, atol=1e-8)


class _Field(torch.nn.Module):
    def __init__(self, hidden=2, channels=2):
        super().__init__()
        g = torch.Generator().manual_seed(2)
        self.W = torch.nn.Parameter(0.5 * torch.randn(hidden * channels, hidden, generator=g, dtype=torch.float64))
        self.hidden, self.channels = hidden, channels

    def forward(self, t, z):
        return torch.tanh(z @ self.W.T).view(*z.shape[:-1], self.hidden, self.channels)


def _fd_problem():
    g = torch.Generator().manual_seed(3)
    t = torch.linspace(0, 2, 5, dtype=torch.float64)
    x = torch.randn(2, 5, 2, generator=g, dtype=torch.float64).requires_grad_(True)
    z0 = torch.randn(2, 2, generator=g, dtype=torch.float64).requires_grad_(True)
    t_end = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    return t, (x, z0, _Field().W, t_end)


def _loss(inputs, t, **solver):
    x, z0, W, t_end = inputs
    field = _Field()
    field.W = W
    X = CubicSpline(natural_cubic_coeffs(x, t), t)
    z = cdeint(X, field, z0, torch.stack([t[0], t_end]), adjoint_params=(W, x), **solver)
    return (z[..., -1, :] ** 2).sum()


@functools.lru_cache(maxsize=1)
def _finite_differences():
    """Central differences of a fine fixed-step solve (adaptive steps would move with the perturbation)."""
    t, inputs = _fd_problem()
    eps, out = 1e-4, []
    for inp in inputs:
        flat = inp.detach().view(-1)
        row = []
        for i in range(0, flat.numel(), max(1, flat.numel() // 3)):
            with torch.no_grad():
                old = float(flat[i])
                values = []
                for shift in (eps, -eps):
                    flat[i] = old + shift
                    values.append(float(_loss(inputs, t, adjoint=False, method="rk4", options=dict(step_size=0.01))))
                flat[i] = old
            row.append((i, (values[0] - values[1]) / (2 * eps)))
        out.append(row)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_gradients_match_finite_differences(mode):
    t, inputs = _fd_problem()
    grads = torch.autograd.grad(_loss(inputs, t, gradient=mode, method="dopri5", rtol=1e-10, atol=1e-10), inputs)
    for grad, row in zip(grads, _finite_differences()):
        for i, fd in row:
            assert abs(float(grad.reshape(-1)[i]) - fd) < 1e-6 * max(1.0, abs(fd)), (mode, grad.shape, i)


def test_gradient_modes_agree_on_a_neural_cde():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(3, 8, 2, generator=g, dtype=torch.float64)
    X = CubicSpline(natural_cubic_coeffs(x))
    field = _Field()
    z0 = torch.randn(3, 2, generator=g, dtype=torch.float64)
    ref = None
    for mode in MODES:
        z = cdeint(X, field, z0, X.interval, gradient=mode, rtol=1e-9, atol=1e-9)
        (grad,) = torch.autograd.grad(z[:, -1].sum(), field.W)
        ref = grad if ref is None else ref
        torch.testing.assert_close(grad, ref, rtol=1e-5, atol=1e-7)


def test_prod_form_equals_matrix_form():
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    X = CubicSpline(natural_cubic_coeffs(x))
    field = _Field(hidden=4, channels=3)

    class Prod:
        def prod(self, t, z, dXdt):
            return (field(t, z) * dXdt.unsqueeze(-2)).sum(-1)

    z0 = torch.randn(2, 4, dtype=torch.float64)
    a = cdeint(X, field, z0, X.interval, adjoint=False, rtol=1e-10, atol=1e-10)
    b = cdeint(X, Prod(), z0, X.interval, adjoint=False, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


def test_tuple_state_and_tuple_control():
    xa, xb = torch.rand(2, 10, 2, dtype=torch.float64), torch.rand(10, 1, dtype=torch.float64)
    X = TupleControl(CubicSpline(natural_cubic_coeffs(xa)), CubicSpline(natural_cubic_coeffs(xb)))

    def func(t, z):
        za, zb = z
        return za.sigmoid().unsqueeze(-1).repeat_interleave(2, dim=-1), zb.tanh().unsqueeze(-1)

    z0 = torch.rand(2, 3, dtype=torch.float64), torch.rand(5, dtype=torch.float64, requires_grad=True)
    out = cdeint(X, func, z0, X.interval, adjoint_params=())
    assert out[0].shape == (2, 2, 3) and out[1].shape == (2, 5)
    out[0].sum().backward()
    assert (z0[1].grad == 0).all()


def test_torchsde_keywords_are_the_same_fixed_step_solve():
    x = torch.randn(1, 10, 2)
    X = CubicSpline(natural_cubic_coeffs(x))

    def func(t, z):
        return -z.unsqueeze(-1).expand(1, 3, 2)

    z0 = torch.randn(1, 3)
    a = cdeint(X, func, z0, X.interval, method="midpoint", options=dict(step_size=1.0))
    b = cdeint(X, func, z0, X.interval, backend="torchsde", method="midpoint", dt=1.0)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    with pytest.raises(InputError, match="adaptive"):
        cdeint(X, func, z0, X.interval, backend="torchsde", adaptive=True)
    with pytest.raises(InputError, match="method"):
        cdeint(X, func, z0, X.interval, backend="torchsde", method="srk")


@pytest.mark.parametrize("call, match", [
    (lambda X, z0: cdeint(X, lambda t, z: z, z0, X.interval), r"func\(t, z\)"),
    (lambda X, z0: cdeint(X, lambda t, z: z.unsqueeze(-1).expand(*z.shape, 2), z0[0], X.interval), "batch"),
    (lambda X, z0: cdeint(object(), lambda t, z: z, z0, X.interval), "derivative"),
    (lambda X, z0: cdeint(X, lambda t, z: z, z0, X.interval, backend="jax"), "backend"),
    (lambda X, z0: cdeint(X, lambda t, z: z, z0, X.interval, dt=0.1), "kwargs"),
    (lambda X, z0: cdeint(X, lambda t, z: z, z0, X.interval, gradient="magic"), "gradient"),
])
def test_input_errors(call, match):
    X = CubicSpline(natural_cubic_coeffs(torch.rand(2, 5, 2)))
    with pytest.raises(InputError, match=match):
        call(X, torch.rand(2, 3))


def test_same_solution_and_gradient_as_torchcde():
    torchcde = pytest.importorskip("torchcde")
    g = torch.Generator().manual_seed(5)
    x = torch.randn(3, 7, 2, generator=g, dtype=torch.float64)
    field = _Field()
    z0 = torch.randn(3, 2, generator=g, dtype=torch.float64)
    results = []
    for lib in (torchcde, None):
        if lib is None:
            X = CubicSpline(natural_cubic_coeffs(x))
            z = cdeint(X, field, z0, X.interval, method="midpoint", options=dict(step_size=0.25))
        else:
            X = lib.CubicSpline(lib.natural_cubic_coeffs(x))
            z = lib.cdeint(X, field, z0, X.interval, method="midpoint", options=dict(step_size=0.25))
        results.append((z, torch.autograd.grad(z[:, -1].sum(), field.W)[0]))
    torch.testing.assert_close(results[1][0], results[0][0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(results[1][1], results[0][1], rtol=1e-6, atol=1e-8)  # both adjoints, own steps
