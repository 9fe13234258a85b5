"""Cubic control paths: natural cubic splines, and the spline object that evaluates any cubic coefficients.

Coefficients are torchcde's layout, ``(..., length − 1, 4·channels)`` holding ``a, b, 2c, 3d`` of
``a + b s + c s² + d s³`` on each knot interval (``s`` the time since the interval's start), so
the derivative ``b + 2c s + 3d s²`` costs two fused multiply-adds. The natural spline solves the
tridiagonal system for the knot slopes (second derivative zero at both ends; Press et al.,
Numerical Recipes, §3.3) with the Thomas algorithm, batched over every series.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError
from sciml.integrate.interpolation.base import PiecewisePath, validate_path
from sciml.integrate.interpolation.missing import observed_neighbours

__all__ = ["natural_cubic_coeffs", "natural_cubic_spline_coeffs", "CubicSpline", "NaturalCubicSpline",
           "tridiagonal_solve", "cubic_coeffs"]


def tridiagonal_solve(b, upper, diagonal, lower):
    """Solve ``A x = b`` for tridiagonal ``A`` (Thomas algorithm), batched over leading dimensions.

    ``b``, ``diagonal``: ``(..., k)``; ``upper``, ``lower``: ``(..., k − 1)`` (row ``i`` holds
    ``lower[i−1]``, ``diagonal[i]``, ``upper[i]``); all broadcast together. No pivoting: meant for
    diagonally dominant systems such as spline slopes.
    """
    upper, _ = torch.broadcast_tensors(upper, b[..., :-1])
    lower, _ = torch.broadcast_tensors(lower, b[..., :-1])
    diagonal, b = torch.broadcast_tensors(diagonal, b)
    k = b.size(-1)
    d = [diagonal[..., 0]]
    r = [b[..., 0]]
    for i in range(1, k):
        w = lower[..., i - 1] / d[-1]
        d.append(diagonal[..., i] - w * upper[..., i - 1])
        r.append(b[..., i] - w * r[-1])
    x = [r[-1] / d[-1]]
    for i in range(k - 2, -1, -1):
        x.append((r[i] - upper[..., i] * x[-1]) / d[i])
    return torch.stack(x[::-1], dim=-1)


def _natural_slopes(t, x, n):
    """Knot slopes of the natural spline through the first ``n[s]`` points of each series ``x[s]``.

    ``t``, ``x``: ``(S, L)`` (or ``t`` ``(L,)``); positions at and after ``n[s]`` are padding whose
    equations are decoupled (slope 0), so one batched solve serves series of different lengths.
    """
    h = t[..., 1:] - t[..., :-1]
    L = x.size(-1)
    if n is None:
        r = h.reciprocal()
    else:
        valid = torch.arange(L - 1, device=x.device) < (n[:, None] - 1)
        r = torch.where(valid, 1 / torch.where(valid, h, torch.ones_like(h)), torch.zeros_like(h))
    s = 3 * (x[..., 1:] - x[..., :-1]) * r * r
    zero = torch.zeros_like(r[..., :1])
    r_left, r_right = torch.cat([zero, r], -1), torch.cat([r, zero], -1)
    diagonal = 2 * (r_left + r_right)
    if n is not None:
        diagonal = torch.where(torch.arange(L, device=x.device) >= n[:, None], torch.ones_like(diagonal), diagonal)
    rhs = torch.cat([zero.expand_as(s[..., :1]), s], -1) + torch.cat([s, zero.expand_as(s[..., :1])], -1)
    return tridiagonal_solve(rhs, r, diagonal, r), r


def cubic_coeffs(a, b, two_c, three_d) -> torch.Tensor:
    """Stack per-interval ``(..., length − 1, channels)`` coefficients in torchcde's layout."""
    return torch.cat([a, b, two_c, three_d], dim=-1)


def _segment_coeffs(t, x, slopes, r):
    """``a, b, 2c, 3d`` of each interval of the spline through ``(t, x)`` with knot slopes ``slopes``."""
    six_slope = 6 * (x[..., 1:] - x[..., :-1]) * r
    k0, k1 = slopes[..., :-1], slopes[..., 1:]
    two_c = (six_slope - 4 * k0 - 2 * k1) * r
    three_d = (3 * (k0 + k1) - six_slope) * r * r
    return x[..., :-1], k0, two_c, three_d


def _natural_series(t, x, edge: str):
    """Natural cubic pieces on every interval of ``t`` for series ``x (S, L)`` with NaN gaps.

    Each series is splined through its own observations; ``edge="hold"`` first fills the leading and
    trailing gaps with the first/last observed value (torchcde's ``natural_cubic_coeffs``),
    ``edge="ends"`` only the first and last points (its older ``natural_cubic_spline_coeffs``).
    """
    observed = ~torch.isnan(x)
    if bool(observed.all()):
        slopes, r = _natural_slopes(t, x, None)
        return _segment_coeffs(t, x, slopes, r)
    S, L = x.shape
    prev, nxt = observed_neighbours(observed, dim=-1)
    x0 = torch.where(observed, x, torch.zeros_like(x))
    if edge == "hold":
        pos = torch.arange(L, device=x.device)
        lead, trail = pos < nxt[:, :1], pos > prev[:, -1:]
        x0 = torch.where(lead, x0.gather(-1, nxt[:, :1]).expand_as(x0), x0)
        x0 = torch.where(trail, x0.gather(-1, prev[:, -1:]).expand_as(x0), x0)
        observed = observed | lead | trail
    else:
        ends = torch.zeros_like(observed)
        ends[:, 0] = ends[:, -1] = True
        x0 = torch.where(ends & ~observed, x0.gather(-1, torch.where(ends, nxt, prev)), x0)
        observed = observed | ends
    seen = (~torch.isnan(x)).any(-1)
    # the observed points of each series moved to its front, in time order
    order = torch.argsort((~observed).to(torch.int8), dim=-1, stable=True)
    n = observed.sum(-1)
    tc = t.to(x.dtype)[order]
    xc = x0.gather(-1, order)
    slopes, r = _natural_slopes(tc, xc, n)
    a, b, two_c, three_d = _segment_coeffs(tc, xc, slopes, r)
    # re-expand each observed segment about every grid knot inside it
    seg = (observed.long().cumsum(-1)[:, :-1] - 1).clamp(0, L - 2)
    a, b, two_c, three_d = (v.gather(-1, seg) for v in (a, b, two_c, three_d))
    delta = t.to(x.dtype)[:-1] - tc.gather(-1, seg)
    a = a + (b + (two_c / 2 + three_d / 3 * delta) * delta) * delta
    b = b + (two_c + three_d * delta) * delta
    two_c = two_c + 2 * three_d * delta
    out = (a, b, two_c, three_d)
    return tuple(torch.where(seen[:, None], v, torch.zeros_like(v)) for v in out)


def _natural_coeffs(x, t, edge: str):
    t = validate_path(x, t)
    batch, L, C = x.shape[:-2], x.size(-2), x.size(-1)
    series = x.movedim(-1, -2).reshape(-1, L)  # every channel of every batch element: one series
    pieces = _natural_series(t, series, edge)
    pieces = [p.reshape(*batch, C, L - 1).movedim(-1, -2) for p in pieces]
    return cubic_coeffs(*pieces)


def natural_cubic_coeffs(x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
    """Coefficients of the natural cubic spline through ``x (..., length, channels)`` at times ``t``.

    NaN marks a missing value; each channel is splined through its own observations, and held at
    its first (last) observed value before (after) them. Pass the result to :class:`CubicSpline`.
    The spline is not causal: its value at ``t`` depends on later observations (use
    :func:`~sciml.integrate.interpolation.hermite_cubic_coefficients_with_backward_differences`
    for online use).
    """
    return _natural_coeffs(x, t, "hold")


def natural_cubic_spline_coeffs(x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
    """Older variant of :func:`natural_cubic_coeffs` (torchcde's deprecated name and behaviour).

    Missing first and last points are set to the first and last observations, and the spline
    runs through the leading and trailing gaps instead of holding a constant there.
    """
    return _natural_coeffs(x, t, "ends")


class CubicSpline(PiecewisePath):
    """The piecewise-cubic path of any cubic coefficients (natural spline, Hermite), and its derivative.

    ``coeffs``: from :func:`natural_cubic_coeffs` or
    :func:`~sciml.integrate.interpolation.hermite_cubic_coefficients_with_backward_differences`;
    ``t``: the times given there (default ``0, 1, …, length − 1``).
    """

    def __init__(self, coeffs: torch.Tensor, t: torch.Tensor | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(coeffs, torch.Tensor) or coeffs.dim() < 2 or coeffs.size(-1) % 4 or coeffs.size(-1) == 0:
            raise InputError("coeffs", "cubic coefficients (..., length − 1, 4·channels)",
                             getattr(coeffs, "shape", type(coeffs).__name__),
                             "compute them with natural_cubic_coeffs or "
                             "hermite_cubic_coefficients_with_backward_differences")
        pieces = coeffs.size(-2)
        if t is None:
            t = torch.linspace(0, pieces, pieces + 1, dtype=coeffs.dtype, device=coeffs.device)
        elif t.shape != (pieces + 1,):
            raise InputError("t", f"the {pieces + 1} times the coefficients were computed at",
                             f"shape {tuple(t.shape)}")
        C = coeffs.size(-1) // 4
        self._setup_knots(t, pieces, coeffs.dtype)
        for i, name in enumerate(("_a", "_b", "_two_c", "_three_d")):
            self.register_buffer(name, coeffs[..., i * C:(i + 1) * C])

    def evaluate(self, t) -> torch.Tensor:
        frac, i = self._locate(t)
        if not isinstance(i, int):
            frac = frac.unsqueeze(-1)
        inner = self._b[..., i, :] + (0.5 * self._two_c[..., i, :] + self._three_d[..., i, :] * frac / 3) * frac
        return self._a[..., i, :] + inner * frac

    def derivative(self, t) -> torch.Tensor:
        frac, i = self._locate(t)
        if isinstance(i, int):
            return torch.addcmul(self._b[..., i, :], torch.addcmul(self._two_c[..., i, :], self._three_d[..., i, :],
                                                                   frac), frac)
        frac = frac.unsqueeze(-1)
        return self._b[..., i, :] + (self._two_c[..., i, :] + self._three_d[..., i, :] * frac) * frac


class NaturalCubicSpline(CubicSpline):
    """Old name of :class:`CubicSpline` (torchcde keeps it for backward compatibility)."""
