"""Log-signatures: Witt's dimensions, one segment, the Baker–Campbell–Hausdorff series for two segments,
the Lévy area, and the log-ODE windows."""

import itertools

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate.cde.logsignature import (
    logsignature,
    logsignature_channels,
    lyndon_words,
    signature,
    signature_channels,
)
from sciml.integrate.cde.windows import logsig_windows, logsignature_windows
from sciml.integrate.interpolation import LinearInterpolation, linear_interpolation_coeffs


def test_lyndon_words_and_dimensions():
    assert lyndon_words(2, 3) == ((0,), (1,), (0, 1), (0, 0, 1), (0, 1, 1))
    # Witt's formula: (1/k) Σ_{d|k} μ(d) C^{k/d}
    assert [logsignature_channels(3, d) for d in (1, 2, 3)] == [3, 6, 14]
    assert logsignature_channels(2, 4) == 2 + 1 + 2 + 3
    assert signature_channels(3, 3) == 3 + 9 + 27


def _tensor(levels_flat, C, depth):
    out, start = [], 0
    for k in range(1, depth + 1):
        out.append(levels_flat[..., start:start + C ** k].reshape(*levels_flat.shape[:-1], *([C] * k)))
        start += C ** k
    return out


def _bracket(a, b):
    return torch.einsum("i,j->ij", a, b) - torch.einsum("i,j->ij", b, a) if a.dim() == b.dim() == 1 else \
        _outer(a, b) - _outer(b, a)


def _outer(a, b):
    return torch.tensordot(a, b, dims=0)


def test_two_segments_follow_baker_campbell_hausdorff():
    g = torch.Generator().manual_seed(0)
    a, b = 0.7 * torch.randn(2, 3, generator=g, dtype=torch.float64)
    path = torch.stack([torch.zeros(3, dtype=torch.float64), a, a + b])
    levels = _tensor(logsignature(path, 4, mode="expand"), 3, 4)
    ab = _bracket(a, b)
    aab, bab = _outer(a, ab) - _outer(ab, a), _outer(b, ab) - _outer(ab, b)
    baab = _outer(b, aab) - _outer(aab, b)
    torch.testing.assert_close(levels[0], a + b)
    torch.testing.assert_close(levels[1], ab / 2)
    torch.testing.assert_close(levels[2], (aab - bab) / 12)
    torch.testing.assert_close(levels[3], -baab / 24)


def test_one_segment_and_levy_area():
    g = torch.Generator().manual_seed(1)
    seg = torch.randn(2, 2, 4, generator=g, dtype=torch.float64)  # batch 2, two points, 4 channels
    ls = logsignature(seg, 3)
    torch.testing.assert_close(ls[..., :4], seg[:, 1] - seg[:, 0])
    assert ls[..., 4:].abs().max() < 1e-14
    square = torch.tensor([[0.0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=torch.float64)
    ls = logsignature(square, 2)  # words 0, 1, 01: the (0, 1) entry is the signed area, here 1
    torch.testing.assert_close(ls, torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))
    sig = _tensor(signature(square, 2), 2, 2)
    torch.testing.assert_close(sig[1] - sig[1].T, torch.tensor([[0.0, 2.0], [-2.0, 0.0]], dtype=torch.float64))


def test_signature_level_two_is_the_iterated_sum():
    g = torch.Generator().manual_seed(2)
    path = torch.randn(7, 3, generator=g, dtype=torch.float64)
    d = path[1:] - path[:-1]
    expected = sum(torch.outer(d[i], d[j]) for i, j in itertools.product(range(6), range(6)) if i < j)
    expected = expected + sum(torch.outer(v, v) / 2 for v in d)
    torch.testing.assert_close(_tensor(signature(path, 2), 3, 2)[1], expected)
    # basepoint: the same path started at the origin
    torch.testing.assert_close(signature(path, 3, basepoint=True),
                               signature(torch.cat([torch.zeros(1, 3, dtype=torch.float64), path]), 3))


def test_windows_give_each_window_its_log_signature():
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 13, 2, generator=g, dtype=torch.float64)  # times 0..12, windows of 4: edges on points
    out = logsig_windows(x, 3, 4)
    assert out.shape == (2, 4, logsignature_channels(2, 3))
    torch.testing.assert_close(out[:, 0, :2], x[:, 0])
    path = LinearInterpolation(linear_interpolation_coeffs(out))
    for k in range(3):
        torch.testing.assert_close(path.derivative(torch.tensor(k + 0.5, dtype=torch.float64)),
                                   logsignature(x[:, 4 * k:4 * k + 5], 3))
    values, edges = logsignature_windows(x, 2, 5.0)  # edges 0, 5, 10, 12: the last window is shorter
    torch.testing.assert_close(edges, torch.tensor([0.0, 5, 10, 12], dtype=torch.float64))
    torch.testing.assert_close(values[:, 3] - values[:, 2], 2 * logsignature(x[:, 10:], 2))


def test_windows_between_observations_and_with_gaps():
    t = torch.tensor([0.0, 0.3, 1.7, 2.2, 3.1], dtype=torch.float64)
    x = torch.tensor([[0.0, 1.0], [1.0, float("nan")], [0.5, 2.0], [2.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    out = logsig_windows(x, 2, 1.0, t)  # edges 0, 1, 2, 3, 3.1: points added on the linear path
    filled = linear_interpolation_coeffs(x, t)
    X = LinearInterpolation(filled, t)
    edge = [X.evaluate(torch.tensor(s, dtype=torch.float64)) for s in (1.0, 2.0)]
    window = torch.stack([edge[0], filled[2], edge[1]])
    torch.testing.assert_close(out[2] - out[1], logsignature(window, 2))


def test_gradients_flow_and_errors():
    x = torch.randn(1, 9, 2, dtype=torch.float64, requires_grad=True)
    logsig_windows(x, 2, 3).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    with pytest.raises(InputError, match="depth"):
        logsignature(torch.rand(3, 2), 0)
    with pytest.raises(InputError, match="window_length"):
        logsig_windows(torch.rand(5, 2), 2, -1.0)
    with pytest.raises(InputError, match="mode"):
        logsignature(torch.rand(3, 2), 2, mode="brackets")
