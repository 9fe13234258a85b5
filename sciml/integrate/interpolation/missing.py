"""Missing observations (NaN) in ``(..., length, channels)`` data, vectorised over every series.

Each channel of each batch element is its own scalar series with its own observed times. The
gaps are filled by index arithmetic (running maxima of the last observed position, minima of the
next), so no Python loop runs over series or channels.
"""

from __future__ import annotations

import torch

__all__ = ["forward_fill", "fill_linear", "observed_neighbours"]


def _positions(x: torch.Tensor, dim: int) -> torch.Tensor:
    shape = [1] * x.dim()
    shape[dim] = x.size(dim)
    return torch.arange(x.size(dim), device=x.device).view(shape)


def forward_fill(x: torch.Tensor, fill_index: int = -2) -> torch.Tensor:
    """Replace each NaN by the last observed value before it along ``fill_index`` (leading NaNs stay)."""
    missing = torch.isnan(x)
    if not bool(missing.any()):
        return x
    pos = _positions(x, fill_index).expand_as(x)
    last = torch.where(missing, torch.zeros_like(pos), pos).cummax(dim=fill_index).values
    return x.gather(fill_index, last)


def observed_neighbours(observed: torch.Tensor, dim: int = -2):
    """For every position: the last observed position at or before it and the first at or after it.

    Before the first observation both are the first observed position, after the last both the
    last one (so the edges are filled with constants); a series with no observation gets 0.
    """
    L = observed.size(dim)
    pos = _positions(observed, dim).expand_as(observed)
    prev = torch.where(observed, pos, torch.full_like(pos, -1)).cummax(dim=dim).values
    nxt = torch.where(observed, pos, torch.full_like(pos, L)).flip(dim).cummin(dim=dim).values.flip(dim)
    first = nxt.narrow(dim, 0, 1)
    last = prev.narrow(dim, L - 1, 1)
    prev = torch.where(prev < 0, first, prev)
    nxt = torch.where(nxt >= L, last, nxt)
    return prev.clamp(0, L - 1), nxt.clamp(0, L - 1)


def fill_linear(t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Fill NaNs of ``x (..., length, channels)`` linearly in ``t`` between the observations around them.

    Before the first and after the last observation of a series its value is held constant; a
    series never observed becomes zeros (a constant path: no effect on a CDE).
    """
    observed = ~torch.isnan(x)
    if bool(observed.all()):
        return x
    prev, nxt = observed_neighbours(observed)
    x0 = torch.where(observed, x, torch.zeros_like(x))  # NaN-free, so no NaN reaches any gradient
    xp, xn = x0.gather(-2, prev), x0.gather(-2, nxt)
    tt = t.to(x.dtype)
    tp, tn = tt[prev], tt[nxt]
    same = prev == nxt
    span = torch.where(same, torch.ones_like(tp), tn - tp)  # no 0/0 (its gradient would be NaN)
    w = torch.where(same, torch.zeros_like(tp), (tt.unsqueeze(-1) - tp) / span)
    filled = torch.where(observed, x0, xp + w * (xn - xp))
    seen = observed.any(dim=-2, keepdim=True)
    return torch.where(seen, filled, torch.zeros_like(filled))
