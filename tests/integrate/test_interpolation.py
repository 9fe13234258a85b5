"""Control paths: natural splines against scipy, linear fills against numpy, Hermite by its definition,
rectilinear by hand, and every coefficient function against torchcde itself."""

import numpy as np
import pytest
import torch
from scipy.interpolate import CubicSpline as ScipySpline

from sciml.errors import InputError
from sciml.integrate.interpolation import (
    CubicSpline,
    LinearInterpolation,
    forward_fill,
    hermite_cubic_coefficients_with_backward_differences,
    linear_interpolation_coeffs,
    natural_cubic_coeffs,
    natural_cubic_spline_coeffs,
    rectilinear_interpolation_coeffs,
    tridiagonal_solve,
)


def _data(batch=(3,), length=12, channels=2, missing=0.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(length, generator=g, dtype=torch.float64).add(0.1).cumsum(0)
    x = torch.randn(*batch, length, channels, generator=g, dtype=torch.float64)
    if missing:
        x[torch.rand(x.shape, generator=g, dtype=torch.float64) < missing] = float("nan")
    return t, x


def _queries(t, n=40):
    return torch.linspace(float(t[0]) - 0.3, float(t[-1]) + 0.3, n, dtype=t.dtype)


def test_natural_spline_matches_scipy_per_channel_with_gaps():
    t, x = _data(missing=0.3)
    x[..., 0, :] = torch.randn(3, 2, dtype=torch.float64)  # observed ends: no edge filling involved
    x[..., -1, :] = torch.randn(3, 2, dtype=torch.float64)
    spline = CubicSpline(natural_cubic_coeffs(x, t), t)
    tq = torch.linspace(float(t[0]), float(t[-1]), 57, dtype=torch.float64)
    values, slopes = spline.evaluate(tq), spline.derivative(tq)
    for b in range(3):
        for c in range(2):
            seen = ~torch.isnan(x[b, :, c])
            ref = ScipySpline(t[seen].numpy(), x[b, seen, c].numpy(), bc_type="natural")
            np.testing.assert_allclose(values[b, :, c].numpy(), ref(tq.numpy()), rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(slopes[b, :, c].numpy(), ref(tq.numpy(), 1), rtol=1e-9, atol=1e-9)


def test_natural_spline_holds_edges_and_old_variant_runs_through_them():
    t, x = _data(batch=(), length=9, channels=1)
    x[:2, 0] = float("nan")
    x[-1, 0] = float("nan")
    held = CubicSpline(natural_cubic_coeffs(x, t), t)
    filled = torch.cat([x[2:3, 0], x[2:3, 0], x[2:-1, 0], x[-2:-1, 0]])  # first/last observation held at the edges
    ref = ScipySpline(t.numpy(), filled.numpy(), bc_type="natural")
    tq = _queries(t)[5:-5]
    np.testing.assert_allclose(held.evaluate(tq)[:, 0].numpy(), ref(tq.numpy()), rtol=1e-10, atol=1e-10)
    old = CubicSpline(natural_cubic_spline_coeffs(x, t), t)
    seen = ~torch.isnan(x[:, 0])
    tk, xk = torch.cat([t[:1], t[seen], t[-1:]]), torch.cat([x[seen, 0][:1], x[seen, 0], x[seen, 0][-1:]])
    ref = ScipySpline(tk.numpy(), xk.numpy(), bc_type="natural")
    np.testing.assert_allclose(old.evaluate(tq)[:, 0].numpy(), ref(tq.numpy()), rtol=1e-10, atol=1e-10)


def test_linear_fill_matches_numpy_interp():
    t, x = _data(missing=0.4, seed=1)
    x[1, :, 1] = float("nan")  # a channel never observed: zeros (a constant path)
    path = LinearInterpolation(linear_interpolation_coeffs(x, t), t)
    tq = _queries(t)
    out = path.evaluate(tq)
    for b in range(3):
        for c in range(2):
            seen = ~torch.isnan(x[b, :, c])
            if not seen.any():
                assert (out[b, :, c] == 0).all()
                continue
            knots = linear_interpolation_coeffs(x, t)[b, :, c]
            np.testing.assert_allclose(knots.numpy(), np.interp(t.numpy(), t[seen].numpy(), x[b, seen, c].numpy()),
                                       rtol=1e-12, atol=1e-12)
            inner = (tq >= t[0]) & (tq <= t[-1])
            np.testing.assert_allclose(out[b, inner, c].numpy(), np.interp(tq[inner].numpy(), t.numpy(), knots.numpy()),
                                       rtol=1e-12, atol=1e-12)


def test_hermite_matches_its_definition_and_is_c1():
    t, x = _data(batch=(2,), length=8, channels=3, seed=2)
    spline = CubicSpline(hermite_cubic_coefficients_with_backward_differences(x, t), t)
    torch.testing.assert_close(torch.stack([spline.evaluate(s) for s in t], -2), x)
    slopes = (x[..., 1:, :] - x[..., :-1, :]) / (t[1:] - t[:-1])[:, None]
    eps = 1e-7
    for i in range(1, len(t) - 1):
        left, right = spline.derivative(t[i] - eps), spline.derivative(t[i] + eps)
        torch.testing.assert_close(left, slopes[..., i - 1, :], rtol=1e-5, atol=1e-5)  # slope at the right end
        torch.testing.assert_close(right, slopes[..., i - 1, :], rtol=1e-5, atol=1e-5)  # continuous there
    torch.testing.assert_close(spline.derivative(t[0]), slopes[..., 0, :])


def test_hermite_is_causal():
    t, x = _data(batch=(), length=10, channels=2, seed=3)
    y = x.clone()
    y[6:] += 1.0
    a = CubicSpline(hermite_cubic_coefficients_with_backward_differences(x, t), t)
    b = CubicSpline(hermite_cubic_coefficients_with_backward_differences(y, t), t)
    tq = torch.linspace(float(t[0]), float(t[5]), 30, dtype=torch.float64)
    torch.testing.assert_close(a.evaluate(tq), b.evaluate(tq), rtol=0, atol=0)


def test_derivative_is_the_derivative_of_evaluate():
    t, x = _data(batch=(2,), length=7, channels=2, seed=4)
    for path in (CubicSpline(natural_cubic_coeffs(x, t), t), LinearInterpolation(linear_interpolation_coeffs(x, t), t),
                 CubicSpline(hermite_cubic_coefficients_with_backward_differences(x, t), t)):
        for s in torch.rand(5, dtype=torch.float64) * float(t[-1] - t[0]) + t[0]:
            auto = torch.autograd.functional.jacobian(path.evaluate, s)
            torch.testing.assert_close(path.derivative(s), auto, rtol=1e-9, atol=1e-9)


def test_rectilinear_by_hand_and_causal():
    nan = float("nan")
    x = torch.tensor([[0.1, 0.4], [0.2, nan], [0.9, 1.1]], dtype=torch.float64)
    rect = rectilinear_interpolation_coeffs(x, 0)
    expected = torch.tensor([[0.1, 0.4], [0.2, 0.4], [0.2, 0.4], [0.9, 0.4], [0.9, 1.1]], dtype=torch.float64)
    torch.testing.assert_close(rect, expected)
    torch.testing.assert_close(linear_interpolation_coeffs(x, rectilinear=0), expected)
    with pytest.raises(InputError, match="time channel"):
        rectilinear_interpolation_coeffs(torch.tensor([[0.0, 1.0], [nan, 2.0]]), 0)
    with pytest.raises(InputError, match="rectilinear"):
        rectilinear_interpolation_coeffs(x, 2)


def test_forward_fill_and_tridiagonal_solve():
    x = torch.tensor([[float("nan"), 1.0, float("nan"), float("nan"), 3.0]])
    torch.testing.assert_close(forward_fill(x, -1), torch.tensor([[float("nan"), 1.0, 1.0, 1.0, 3.0]]),
                               equal_nan=True)
    g = torch.Generator().manual_seed(5)
    n = 6
    d, u, lo = (torch.rand(4, n, generator=g, dtype=torch.float64) + 3, torch.rand(4, n - 1, generator=g,
                dtype=torch.float64), torch.rand(4, n - 1, generator=g, dtype=torch.float64))
    b = torch.randn(4, n, generator=g, dtype=torch.float64)
    A = torch.diag_embed(d) + torch.diag_embed(u, 1) + torch.diag_embed(lo, -1)
    torch.testing.assert_close(tridiagonal_solve(b, u, d, lo), torch.linalg.solve(A, b))


def test_gradients_reach_data_and_times():
    t, x = _data(batch=(2,), length=6, channels=2, missing=0.2, seed=6)
    t.requires_grad_(True)
    x.requires_grad_(True)
    for coeffs_fn, cls in ((natural_cubic_coeffs, CubicSpline), (linear_interpolation_coeffs, LinearInterpolation),
                           (hermite_cubic_coefficients_with_backward_differences, CubicSpline)):
        path = cls(coeffs_fn(x, t), t)
        gx, gt = torch.autograd.grad(path.evaluate(t.detach()[2] + 0.05).sum(), (x, t))
        assert torch.isfinite(gx).all() and torch.isfinite(gt).all() and gx.abs().sum() > 0


def test_float32_and_batch_shapes():
    x = torch.rand(2, 3, 5, 4)
    for coeffs_fn, cls in ((natural_cubic_coeffs, CubicSpline), (linear_interpolation_coeffs, LinearInterpolation),
                           (hermite_cubic_coefficients_with_backward_differences, CubicSpline)):
        path = cls(coeffs_fn(x))
        assert path.evaluate(torch.tensor(1.5)).shape == (2, 3, 4)
        assert path.derivative(torch.rand(7, 2) * 4).shape == (2, 3, 7, 2, 4)
        assert path.evaluate(1.5).dtype == torch.float32
        torch.testing.assert_close(path.interval, torch.tensor([0.0, 4.0]))


@pytest.mark.parametrize("bad, match", [
    (lambda: natural_cubic_coeffs(torch.rand(5, 2), torch.tensor([0.0, 1, 1, 2, 3])), "strictly increasing"),
    (lambda: natural_cubic_coeffs(torch.rand(5, 2), torch.linspace(0, 1, 4)), "one time per observation"),
    (lambda: linear_interpolation_coeffs(torch.ones(5, 2, dtype=torch.long)), "floating"),
    (lambda: linear_interpolation_coeffs(torch.rand(5)), "two dimensions"),
    (lambda: natural_cubic_coeffs(torch.rand(1, 2)), "at least two observations"),
    (lambda: CubicSpline(torch.rand(4, 6)), "cubic coefficients"),
    (lambda: linear_interpolation_coeffs(torch.rand(3, 2), torch.tensor([0.0, float("nan"), 1.0])), "finite"),
])
def test_input_errors(bad, match):
    with pytest.raises(InputError, match=match):
        bad()


def test_same_coefficients_and_values_as_torchcde():
    torchcde = pytest.importorskip("torchcde")
    import sciml.integrate.interpolation as ours
    for seed in range(4):
        t, x = _data(batch=(2,), length=9 + seed, missing=0.25 * (seed % 2), seed=seed)
        for name in ("natural_cubic_coeffs", "natural_cubic_spline_coeffs", "linear_interpolation_coeffs",
                     "hermite_cubic_coefficients_with_backward_differences"):
            a, b = getattr(torchcde, name)(x, t), getattr(ours, name)(x, t)
            torch.testing.assert_close(b, a, rtol=1e-9, atol=1e-9)
        ref = torchcde.CubicSpline(torchcde.natural_cubic_coeffs(x, t), t)
        mine = CubicSpline(natural_cubic_coeffs(x, t), t)
        for s in [*_queries(t, 9), _queries(t)]:
            torch.testing.assert_close(mine.evaluate(s), ref.evaluate(s), rtol=1e-10, atol=1e-10)
            torch.testing.assert_close(mine.derivative(s), ref.derivative(s), rtol=1e-10, atol=1e-10)
