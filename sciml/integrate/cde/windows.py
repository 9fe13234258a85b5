"""The log-ODE method's input: the log-signature of each window of a long series (Morrill et al., ICML 2021).

A CDE driven by a long, fast path is solved by summarising each window ``[t0 + kw, t0 + (k+1)w]``
by its depth-``N`` log-signature and driving the CDE with the piecewise-linear path whose
increments are those summaries: ``len/w`` steps instead of ``len`` (a neural rough differential
equation). The window boundaries are added to the series as linearly interpolated points, as
torchcde does, and all windows are computed at once (shorter windows padded with zero segments).
"""

from __future__ import annotations

import math
from numbers import Real

import torch

from sciml.errors import InputError
from sciml.integrate.cde.logsignature import (
    logsignature_channels,
    signature_of_increments,
    tensor_log,
    words_from_levels,
)
from sciml.integrate.interpolation.base import validate_path
from sciml.integrate.interpolation.missing import fill_linear

__all__ = ["logsig_windows", "logsignature_windows"]


def _boundaries(t, window_length):
    """Window edges and, for each, its position in the merged times and whether it is a new point."""
    count = max(int(math.ceil(float((t[-1] - t[0]) / window_length))), 1)
    edges = torch.linspace(float(t[0]), float(t[0]) + count * window_length, count + 1, dtype=t.dtype,
                           device=t.device).clamp(max=float(t[-1]))
    after = torch.searchsorted(t, edges)  # first observation at or after each edge
    before = (after - 1).clamp(min=0)
    close_before = torch.isclose(edges, t[before]) & (after > 0)
    close_after = (after < len(t)) & torch.isclose(edges, t[after.clamp(max=len(t) - 1)])
    existing = close_before | close_after
    index = torch.where(close_before, before, after)
    new = ~existing
    inserted_before = torch.cumsum(new.long(), 0) - new.long()
    return edges, index + inserted_before, new


def _windows(x, depth, window_length, t):
    t = validate_path(x, t)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InputError("depth", "a positive integer", repr(depth))
    if isinstance(window_length, bool) or not isinstance(window_length, Real) or not window_length > 0:
        raise InputError("window_length", "a positive number (a length of time)", repr(window_length))
    edges, positions, new = _boundaries(t, float(window_length))
    if bool(new.any()):  # add the edges between observations as missing points, filled linearly below
        merged_t, order = torch.cat([t, edges[new]]).sort()
        gap = torch.full_like(x[..., :1, :], float("nan")).expand(*x.shape[:-2], int(new.sum()), x.size(-1))
        x = torch.cat([x, gap], dim=-2)[..., order, :]
        t = merged_t
    x = fill_linear(t, x)
    starts, ends = positions[:-1], positions[1:]
    sizes = ends - starts
    width = int(sizes.max())
    slot = torch.arange(width, device=x.device)
    seg = (starts[:, None] + slot).clamp(max=x.size(-2) - 2)  # (windows, width): segment index
    increments = x[..., seg + 1, :] - x[..., seg, :]
    increments = torch.where((slot < sizes[:, None])[..., None], increments, torch.zeros_like(increments))
    levels = tensor_log(signature_of_increments(increments, depth), depth)
    return x, edges, words_from_levels(levels, x.size(-1), depth)


def _accumulate(x, logsigs, depth):
    first = torch.zeros(*x.shape[:-2], 1, logsignature_channels(x.size(-1), depth), dtype=x.dtype, device=x.device)
    first = torch.cat([x[..., :1, :], first[..., x.size(-1):]], dim=-1)
    return torch.cat([first, logsigs], dim=-2).cumsum(dim=-2)


def logsig_windows(x: torch.Tensor, depth: int, window_length: float, t: torch.Tensor | None = None) -> torch.Tensor:
    """The path of cumulative window log-signatures of ``x (..., length, channels)``, at unit time spacing.

    Row 0 is the first observation (in the level-1 slots); row ``k`` adds the depth-``depth``
    log-signature (Lyndon words) of window ``k``. Interpolate it linearly
    (:func:`~sciml.integrate.interpolation.linear_interpolation_coeffs`) and solve a CDE on it: the
    log-ODE method. NaN marks a missing value (filled linearly). torchcde's name and output.
    """
    x_filled, _, logsigs = _windows(x, depth, window_length, t)
    return _accumulate(x_filled, logsigs, depth)


def logsignature_windows(x: torch.Tensor, depth: int, window_length: float, t: torch.Tensor | None = None):
    """Older variant of :func:`logsig_windows` (torchcde's deprecated one): each log-signature is scaled by its
    window's length and the window edge times are returned too: ``(values, times)``."""
    x_filled, edges, logsigs = _windows(x, depth, window_length, t)
    logsigs = logsigs * (edges[1:] - edges[:-1]).unsqueeze(-1).to(logsigs.dtype)
    return _accumulate(x_filled, logsigs, depth), edges
