"""A Brownian motion per path, queried at a different time for every path in one vectorised call.

Independent-batch adaptive solves step every path to its own time, so the Brownian object must answer
``W_b(t_b)`` for all ``b`` at once. :class:`BatchBrownianTree` is a virtual Brownian tree (Gaines &
Lyons 1997; Li, Wong, Chen & Duvenaud 2020; diffrax's ``VirtualBrownianTree``): ``W(t)`` is found by
bisecting ``[t0, t1]``, sampling each midpoint from the Brownian bridge of the current interval with
noise that a counter-based hash of (``entropy``, node, path, channel) determines, so nothing is stored
and every query — in any order, for any path — is consistent with every other. Below ``depth`` levels
(leaf length ``(t1 - t0) / 2^depth``) the path is interpolated linearly.
"""

from __future__ import annotations

import math

import torch

from sciml.errors import InputError
from sciml.integrate.brownian.base import OwnBrownian, mix_seed, random_entropy

__all__ = ["BatchBrownianTree"]


def _signed(c: int) -> int:
    return c - (1 << 64) if c >= 1 << 63 else c


_GOLDEN = _signed(0x9E3779B97F4A7C15)
_C1 = _signed(0xBF58476D1CE4E5B9)
_C2 = _signed(0x94D049BB133111EB)


def _lshr(z: torch.Tensor, k: int) -> torch.Tensor:
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix(z: torch.Tensor) -> torch.Tensor:
    """splitmix64 on int64 tensors (products wrap modulo 2^64, as the unsigned original)."""
    z = z + _GOLDEN
    z = (z ^ _lshr(z, 30)) * _C1
    z = (z ^ _lshr(z, 27)) * _C2
    return z ^ _lshr(z, 31)


def _normal(key: torch.Tensor, dtype) -> torch.Tensor:
    """Standard normals from hashed integer keys: Box–Muller on the two 32-bit halves of the hash."""
    scale = 2.0 ** -32
    u1 = (_lshr(key, 32).to(torch.float64) + 0.5) * scale
    u2 = ((key & 0xFFFFFFFF).to(torch.float64) + 0.5) * scale
    return (torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2 * math.pi * u2)).to(dtype)


class BatchBrownianTree(OwnBrownian):
    """``size = (B, m)`` Brownian motions on ``[t0, t1]``; :meth:`evaluate` takes one time per path."""

    def __init__(self, t0, t1, size, dtype=None, device=None, entropy=None, depth: int = 30):
        t0, t1 = float(t0), float(t1)
        if not t1 >= t0:
            raise InputError("t1", f"a time no smaller than t0={t0}", t1)
        size = tuple(int(s) for s in size)
        if len(size) != 2:
            raise InputError("size", "(batch, channels)", size)
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 52:
            raise InputError("depth", "an integer from 1 to 52", repr(depth))
        if entropy is None:
            entropy = random_entropy()
        self.t0, self.t1 = t0, t1
        self._size = size
        self._levy_area_approximation = "none"
        self._dtype = torch.get_default_dtype() if dtype is None else dtype
        self._device = torch.device("cpu") if device is None else torch.device(device)
        self.entropy = int(entropy)
        self.depth = depth
        self._seed = mix_seed(self.entropy, 21) >> 2
        self._channels = torch.arange(size[1], device=self._device)[None, :] * _signed(0xD6E8FEB86659FD93)

    def _keys(self, node: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return _mix(_mix(node * _C2 + rows * _C1 + self._seed)[:, None] ^ self._channels)

    def evaluate(self, t: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """``W_{rows[i]}(t[i])`` for a 1-D tensor of times (``rows`` default ``0..B-1``); shape ``(len(t), m)``."""
        n = t.shape[0]
        if rows is None:
            rows = torch.arange(n, device=self._device)
        t = t.to(torch.float64).clamp(self.t0, self.t1)
        s = torch.full((n,), self.t0, dtype=torch.float64, device=self._device)
        e = torch.full((n,), self.t1, dtype=torch.float64, device=self._device)
        node = torch.ones(n, dtype=torch.long, device=self._device)
        Ws = torch.zeros(n, self._size[1], dtype=self._dtype, device=self._device)
        We = _normal(self._keys(torch.zeros_like(node), rows), self._dtype) * math.sqrt(self.t1 - self.t0)
        for _ in range(self.depth):
            mid = 0.5 * (s + e)
            std = (0.25 * (e - s)).sqrt().to(self._dtype)[:, None]
            Wm = 0.5 * (Ws + We) + std * _normal(self._keys(node, rows), self._dtype)
            right = t >= mid
            r = right[:, None]
            Ws = torch.where(r, Wm, Ws)
            We = torch.where(r, We, Wm)
            s = torch.where(right, mid, s)
            e = torch.where(right, e, mid)
            node = 2 * node + right.long()
        frac = ((t - s) / (e - s)).to(self._dtype)[:, None]
        return Ws + frac * (We - Ws)

    # the protocol of the independent-batch loop (see memory.BridgeMemory): nothing to remember here
    def start(self, t: torch.Tensor) -> torch.Tensor:
        return self.evaluate(t)

    def pair(self, tm: torch.Tensor, t1: torch.Tensor):
        B = self._size[0]
        rows = torch.arange(B, device=self._device)
        W = self.evaluate(torch.cat([tm, t1]), torch.cat([rows, rows]))
        return W[:B], W[B:]

    def advance(self, accept: torch.Tensor, t1: torch.Tensor, W_end: torch.Tensor) -> None:
        pass

    def increment(self, ta: torch.Tensor, tb: torch.Tensor) -> torch.Tensor:
        B = self._size[0]
        rows = torch.arange(B, device=self._device)
        W = self.evaluate(torch.cat([ta, tb]), torch.cat([rows, rows]))
        return W[B:] - W[:B]

    def __call__(self, ta, tb=None, return_U=False, return_A=False):
        if return_U or return_A:
            raise InputError("levy_area_approximation", "'none' (a BatchBrownianTree has no Lévy area)",
                             "a query for U or A")
        B = self._size[0]
        if tb is None:
            ta, tb = self.t0, ta
        full = lambda v: torch.full((B,), float(v), dtype=torch.float64, device=self._device)  # noqa: E731
        return self.increment(full(ta), full(tb))

    def __repr__(self):
        return (f"BatchBrownianTree(t0={self.t0}, t1={self.t1}, size={self._size}, dtype={self._dtype}, "
                f"device={self._device}, entropy={self.entropy}, depth={self.depth})")

