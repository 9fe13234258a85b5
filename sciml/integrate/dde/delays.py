"""The delays of a DDE — constant, time-dependent ``τ(t)`` or state-dependent ``τ(t, y)`` — and their breaking points.

A DDE's solution is not smooth where a delayed argument crosses a point where the solution (or
the initial history) is not smooth: from the initial time ``t0`` the kink propagates to the
times ``ξ`` with ``ξ − τ(ξ) = t0``, from those on, and so on, each time one derivative smoother
(Bellen & Zennaro, *Numerical Methods for Delay Differential Equations*, 2003, §4.1). An order-p
Runge–Kutta step needs ``p + 1`` continuous derivatives inside it, so the breaking points up to
level ``p`` are stop times of the loop (its ``jump_t``): no step straddles one. State-dependent
delays move their breaking points with the solution; those are left to error control.
"""

from __future__ import annotations

import inspect
import math
from numbers import Real

import torch

from sciml.errors import InputError

__all__ = ["Delay", "parse_lags", "breaking_points", "shortest_delay"]

_MAX_BREAKING_POINTS = 20_000


class Delay:
    """One delay: ``value`` (a float, or a 0-dim tensor that may need gradients), or a function."""

    def __init__(self, value=None, fn=None, state_dependent: bool = False):
        self.value, self.fn, self.state_dependent = value, fn, state_dependent

    @property
    def constant(self) -> bool:
        return self.fn is None

    def float_value(self) -> float:
        return float(self.value.detach()) if isinstance(self.value, torch.Tensor) else float(self.value)

    def __call__(self, t, y=None):
        """``τ`` at time ``t`` (a 0-dim tensor) and state ``y``."""
        if self.fn is None:
            return self.value
        return self.fn(t, y) if self.state_dependent else self.fn(t)


def shortest_delay(delays: list[Delay], t0: float, t1: float, dtype, device) -> float:
    """The shortest constant delay, and the smallest time-dependent one on a grid over ``[t0, t1]``.

    Steps no longer than this only ever look up finished steps. State-dependent delays are not
    known in advance: a lookup beyond the last finished step extrapolates it.
    """
    shortest = math.inf
    for d in delays:
        if d.constant:
            shortest = min(shortest, d.float_value())
        elif not d.state_dependent:
            grid = torch.linspace(t0, t1, 257, dtype=dtype, device=device)
            values = [float(torch.as_tensor(d(s)).detach()) for s in grid]
            if min(values) <= 0 or not all(math.isfinite(v) for v in values):
                raise InputError("lags", "a time-dependent delay τ(t) > 0 on [t0, t1]", f"min {min(values):.6g}")
            shortest = min(shortest, min(values))
    return shortest


def _arity(fn) -> int:
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    except (TypeError, ValueError):
        return 1
    return len(params)


def parse_lags(lags, dtype, device) -> list[Delay]:
    """A number, a tensor of them, a callable ``τ(t)`` / ``τ(t, y)``, or a sequence of any of these."""
    if isinstance(lags, torch.Tensor) and lags.dim() == 1:
        items = list(lags.unbind(0))
    elif isinstance(lags, (list, tuple)):
        items = list(lags)
    else:
        items = [lags]
    if not items:
        raise InputError("lags", "at least one delay", "none", "an equation without delays is an ODE: use odeint")
    out = []
    for i, lag in enumerate(items):
        name = f"lags[{i}]" if len(items) > 1 else "lags"
        if callable(lag) and not isinstance(lag, torch.Tensor):
            out.append(Delay(fn=lag, state_dependent=_arity(lag) >= 2))
            continue
        if isinstance(lag, torch.Tensor):
            if lag.numel() != 1 or not lag.is_floating_point():
                raise InputError(name, "a positive number, a 0-dim float tensor or a callable",
                                 f"tensor {tuple(lag.shape)}")
            value = float(lag.detach())
            lag = lag.reshape(()).to(device)
        elif isinstance(lag, Real) and not isinstance(lag, bool):
            value = float(lag)
        else:
            raise InputError(name, "a positive number, a 0-dim float tensor or a callable τ(t) / τ(t, y)",
                             type(lag).__name__)
        if not (value > 0 and math.isfinite(value)):
            raise InputError(name, "a positive finite delay", value, "τ = 0 is no delay: put y itself in func")
        out.append(Delay(value=lag))
    return out


def _first_crossing(g, lo: float, hi: float) -> float | None:
    """The first root of the increasing-in-practice ``g`` on ``(lo, hi]`` (a scan, then bisection)."""
    grid = [lo + (hi - lo) * k / 256 for k in range(257)]
    values = [g(s) for s in grid]
    for a, b, ga, gb in zip(grid, grid[1:], values, values[1:]):
        if ga < 0 <= gb:
            for _ in range(80):
                mid = 0.5 * (a + b)
                if g(mid) < 0:
                    a = mid
                else:
                    b = mid
            return b
    return None


def breaking_points(delays: list[Delay], t0: float, t1: float, levels: int, dtype, device) -> list[float]:
    """The breaking points in ``(t0, t1)`` up to ``levels`` propagations, sorted (forward integration)."""
    found, frontier = set(), {t0}
    span = t1 - t0
    for _ in range(levels):
        nxt = set()
        for b in frontier:
            for d in delays:
                if d.state_dependent:
                    continue
                if d.constant:
                    s = b + d.float_value()
                else:
                    def g(s, b=b, d=d):
                        ts = torch.tensor(s, dtype=dtype, device=device)
                        return s - float(torch.as_tensor(d(ts)).detach()) - b
                    s = _first_crossing(g, b, t1)
                    if s is None:
                        continue
                if s < t1 - 1e-12 * max(1.0, abs(span)):
                    nxt.add(s)
        nxt = {s for s in nxt if not _near(s, found)}
        found |= nxt
        frontier = nxt
        if len(found) > _MAX_BREAKING_POINTS:
            raise InputError("lags", f"delays whose breaking points in (t0, t1) number at most {_MAX_BREAKING_POINTS}",
                             f"more than {_MAX_BREAKING_POINTS}", "pass track_discontinuities=False")
        if not frontier:
            break
    merged = []
    for s in sorted(found):  # sums in different orders round differently: one point per cluster
        if not merged or s - merged[-1] > 1e-12 * max(1.0, abs(s)):
            merged.append(s)
    return merged


def _near(s: float, points: set) -> bool:
    return any(abs(s - p) <= 1e-12 * max(1.0, abs(s)) for p in points)
