"""Brownian objects built on :class:`BrownianInterval`: a path from a start point, a query-order-free
tree, and time reversal (what adjoint solves and user-written backward solves query)."""

from __future__ import annotations

import torch

from sciml.errors import InputError
from sciml.integrate.brownian.base import BaseBrownian
from sciml.integrate.brownian.interval import BrownianInterval

__all__ = ["BrownianPath", "BrownianTree", "ReverseBrownian", "brownian_interval_like"]


class _Delegating(BaseBrownian):
    """Size, dtype, device and Lévy area are those of the Brownian object ``_base`` it is built on."""

    @property
    def dtype(self):
        return self._base.dtype

    @property
    def device(self):
        return self._base.device

    @property
    def shape(self):
        return self._base.shape

    @property
    def levy_area_approximation(self):
        return self._base.levy_area_approximation


class _Wrapped(_Delegating):
    """Point queries ``bm(t)`` give ``w0 + W(t0, t)``; interval queries pass through."""

    def __init__(self, w0, interval: BrownianInterval):
        self._w0 = w0
        self._interval = self._base = interval

    def __call__(self, t, tb=None, return_U=False, return_A=False):
        if tb is None:
            out = self._interval(self._interval.t0, t, return_U=return_U, return_A=return_A)
            return out + self._w0 if not (return_U or return_A) else out
        return self._interval(t, tb, return_U=return_U, return_A=return_A)

    def increments(self, times, return_U=False, return_A=False):
        return self._interval.increments(times, return_U, return_A)

    def __repr__(self):
        return f"{type(self).__name__}(interval={self._interval})"

    @property
    def t0(self):
        return self._interval.t0

    @property
    def t1(self):
        return self._interval.t1


def _check_w(name, w):
    if not isinstance(w, torch.Tensor) or not w.is_floating_point():
        raise InputError(name, "a floating-point tensor", type(w).__name__)


class BrownianPath(_Wrapped):
    """Brownian motion from ``(t0, w0)`` on ``[t0, t0 + 1]`` that keeps every sampled value (torchsde's
    ``BrownianPath``: a :class:`BrownianInterval` with an unbounded cache). ``window_size`` is unused."""

    def __init__(self, t0, w0, window_size: int = 8):
        _check_w("w0", w0)
        t0 = float(t0)
        super().__init__(w0, BrownianInterval(t0=t0, t1=t0 + 1, size=w0.shape, dtype=w0.dtype, device=w0.device,
                                              cache_size=None))


class BrownianTree(_Wrapped):
    """Brownian motion from ``(t0, w0)`` (to ``(t1, w1)`` if given) determined by ``entropy`` alone, whatever
    the order of queries: the dyadic tree, refined until a query time is within ``tol`` (torchsde's
    ``BrownianTree``; Li, Wong, Chen & Duvenaud 2020). ``pool_size``, ``cache_depth``, ``safety`` are unused."""

    def __init__(self, t0, w0, t1=None, w1=None, entropy=None, tol: float = 1e-6, pool_size: int = 24,
                 cache_depth: int = 9, safety=None):
        _check_w("w0", w0)
        t0 = float(t0)
        t1 = t0 + 1 if t1 is None else float(t1)
        W = None
        if w1 is not None:
            _check_w("w1", w1)
            if w1.shape != w0.shape:
                raise InputError("w1", f"shape {tuple(w0.shape)} like w0", tuple(w1.shape))
            W = w1 - w0
        super().__init__(w0, BrownianInterval(t0=t0, t1=t1, size=w0.shape, dtype=w0.dtype, device=w0.device,
                                              entropy=entropy, tol=tol, pool_size=pool_size, halfway_tree=True,
                                              W=W))


class ReverseBrownian(_Delegating):
    """``base`` seen in reversed time: ``rb(ta, tb) = base(-tb, -ta)`` (statistics not negated, as torchsde)."""

    def __init__(self, base_brownian):
        self.base_brownian = self._base = base_brownian

    def __call__(self, ta, tb=None, return_U=False, return_A=False):
        if tb is None:
            raise InputError("tb", "an interval query (ta, tb) on a reversed Brownian motion", None)
        return self.base_brownian(-tb, -ta, return_U=return_U, return_A=return_A)

    def increments(self, times, return_U=False, return_A=False):
        reverse = [-t for t in reversed(times)]
        base = self.base_brownian
        out = base.increments(reverse, return_U, return_A) if hasattr(base, "increments") else \
            BaseBrownian.increments(base, reverse, return_U, return_A)
        return tuple(None if x is None else x.flip(0) for x in out)

    def __repr__(self):
        return f"{type(self).__name__}(base_brownian={self.base_brownian})"


def brownian_interval_like(y, t0=0.0, t1=1.0, size=None, dtype=None, device=None, **kwargs):
    """A :class:`BrownianInterval` with the size, dtype and device of ``y`` (unless given)."""
    return BrownianInterval(t0=t0, t1=t1, size=y.shape if size is None else size,
                            dtype=y.dtype if dtype is None else dtype, device=y.device if device is None else device,
                            **kwargs)
