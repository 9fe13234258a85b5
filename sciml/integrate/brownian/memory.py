"""Brownian paths for per-path adaptive stepping: values remembered at future times, bridges between.

In an independent-batch adaptive solve each path asks for ``W`` at its own midpoint and step end; a
rejected step leaves those values behind as *future* points of the path, so the smaller retry is
sampled from the Brownian bridge between the present and them (Rackauckas & Nie, "Adaptive methods for
stochastic differential equations via natural embeddings and rejection sampling with memory", 2017).
Only the two neighbours of a new time matter (the Markov property), so each query is a few batched
tensor operations: a search in each path's sorted list of remembered times, one bridge sample, one
insertion. Paths are exact Brownian motions; the memory holds ``capacity`` future points per path.
"""

from __future__ import annotations

import math

import torch

from sciml.integrate.brownian.base import mix_seed, random_entropy

__all__ = ["BridgeMemory"]


class BridgeMemory:
    """``B`` Brownian motions in ``R^m`` advanced path by path (protocol: :meth:`start`, :meth:`pair`,
    :meth:`advance`)."""

    def __init__(self, size, dtype, device, entropy=None, capacity: int = 32):
        B, m = size
        self.shape = (B, m)
        self.dtype, self.device = dtype, torch.device(device)
        self.entropy = random_entropy() if entropy is None else int(entropy)
        self.generator = torch.Generator(device=self.device).manual_seed(mix_seed(self.entropy, 31))
        self.times = torch.full((B, capacity), math.inf, dtype=torch.float64, device=self.device)
        self.values = torch.zeros(B, capacity, m, dtype=dtype, device=self.device)
        self.levy_area_approximation = "none"

    def start(self, t: torch.Tensor) -> torch.Tensor:
        self.t = t.to(torch.float64)
        self.W = torch.zeros(self.shape, dtype=self.dtype, device=self.device)
        return self.W

    def _sample(self, u: torch.Tensor) -> torch.Tensor:
        """``W(u)`` per path (``u >= t``), remembered for later queries."""
        times, values = self.times, self.values
        idx = torch.searchsorted(times, u[:, None]).clamp(max=times.shape[1] - 1)
        s_r = times.gather(1, idx)[:, 0]
        W_r = values.gather(1, idx[:, :, None].expand(-1, 1, values.shape[2]))[:, 0]
        left = (idx - 1).clamp(min=0)
        has_left = (idx[:, 0] > 0)
        s_l = torch.where(has_left, times.gather(1, left)[:, 0], self.t)
        W_l = torch.where(has_left[:, None], values.gather(1, left[:, :, None].expand(-1, 1, values.shape[2]))[:, 0],
                          self.W)
        s_r = torch.where(s_r >= u, s_r, torch.full_like(s_r, math.inf))  # idx clamped past the last point
        bounded = torch.isfinite(s_r)
        span = torch.where(bounded, s_r - s_l, torch.ones_like(s_r))
        a = (u - s_l).clamp(min=0)
        frac = torch.where(bounded, a / span, torch.zeros_like(a))
        var = torch.where(bounded, a * (s_r - u).clamp(min=0) / span, a)
        z = torch.randn(self.shape, generator=self.generator, dtype=self.dtype, device=self.device)
        W_u = W_l + frac.to(self.dtype)[:, None] * torch.where(bounded[:, None], W_r - W_l, torch.zeros_like(W_l)) \
            + var.sqrt().to(self.dtype)[:, None] * z
        known = s_r == u
        W_u = torch.where(known[:, None], W_r, W_u)
        new = (u > self.t) & ~known  # remember it (the farthest point makes room when the memory is full)
        last_t = torch.where(new, u, times[:, -1])
        last_W = torch.where(new[:, None], W_u, values[:, -1])
        self._store(torch.cat([times[:, :-1], last_t[:, None]], 1), torch.cat([values[:, :-1], last_W[:, None]], 1))
        return W_u

    def _store(self, times, values):
        order = torch.argsort(times, dim=1)
        self.times = times.gather(1, order)
        self.values = values.gather(1, order[:, :, None].expand_as(values))

    def pair(self, tm: torch.Tensor, t1: torch.Tensor):
        """``W`` at the step ends, then at the midpoints (the end first, so the midpoint is a bridge)."""
        W_end = self._sample(t1.to(torch.float64))
        W_mid = self._sample(tm.to(torch.float64))
        return W_mid, W_end

    def advance(self, accept: torch.Tensor, t1: torch.Tensor, W_end: torch.Tensor) -> None:
        """Accepted paths move to ``t1`` (where ``W = W_end``); what they remembered before it is forgotten."""
        t1 = t1.to(torch.float64)
        self.W = torch.where(accept[:, None], W_end, self.W)
        self.t = torch.where(accept, t1, self.t)
        past = self.times <= self.t[:, None]
        self._store(torch.where(past, torch.full_like(self.times, math.inf), self.times),
                    torch.where(past[:, :, None], torch.zeros_like(self.values), self.values))
