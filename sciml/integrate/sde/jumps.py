"""Compound-Poisson jumps, simulated exactly at the jump times.

``dY = f dt + g dW + dJ`` with ``J`` a compound Poisson process: each path (row of ``y``) jumps at the
events of its own Poisson process of intensity ``rate``, ``Y(τ) = Y(τ-) + jump(τ, Y(τ-), mark)`` with
marks drawn i.i.d. from ``mark`` (Merton 1976's jump diffusion; the jump part of the neural jump SDEs
of Jia & Benson, NeurIPS 2019, with a constant intensity). The event times are drawn before the solve
(``N ~ Poisson(rate·T)`` per path, then ``N`` uniform times: the law of a Poisson process on an
interval). A step that contains jumps of some paths is taken in pieces, path by path: each path steps
to its next jump time (a per-path step size, the Brownian increment split there by the exact
Brownian bridge, space-time area included), jumps, and goes on to the step's end; paths without a
jump take the step whole. Outputs are right-continuous (an output at a jump time includes the jump).
"""

from __future__ import annotations

import bisect
from numbers import Real

import numpy as np
import torch

from sciml.errors import InputError
from sciml.integrate.brownian.base import mix_seed, random_entropy
from sciml.integrate.brownian.levy import conditional_split

__all__ = ["CompoundPoisson"]


class CompoundPoisson:
    """Jumps of rate ``rate`` per path (a non-negative number, or a ``(batch,)`` tensor of rates).

    ``mark``: the jump-size distribution: a ``torch.distributions.Distribution`` whose samples have the
    shape of one state row (or broadcast to it), or a callable ``mark(n, generator)`` returning ``n``
    marks; default standard normal marks of the state's shape. ``jump(t, y, mark)``: the jump of the
    rows ``y`` (shape ``(n, d)``, ``t`` of shape ``(n, 1)``) given their marks; default ``mark`` itself
    (additive jumps). ``entropy`` seeds the event times and marks (default: numpy's global generator).
    """

    def __init__(self, rate, mark=None, jump=None, entropy: int | None = None):
        if isinstance(rate, torch.Tensor):
            if rate.dim() > 1 or not bool(torch.isfinite(rate).all()) or bool((rate < 0).any()):
                raise InputError("rate", "a non-negative number or a 1-D tensor of per-path rates",
                                 f"shape {tuple(rate.shape)}" if rate.dim() > 1 else "negative or NaN entries")
        elif isinstance(rate, bool) or not isinstance(rate, Real) or not rate >= 0 or not np.isfinite(rate):
            raise InputError("rate", "a non-negative finite number", repr(rate))
        if mark is not None and not (callable(mark) or hasattr(mark, "sample")):
            raise InputError("mark", "a torch.distributions.Distribution or a callable mark(n, generator)",
                             type(mark).__name__)
        if jump is not None and not callable(jump):
            raise InputError("jump", "a callable jump(t, y, mark)", type(jump).__name__)
        self.rate = rate
        self.mark = mark
        self.jump = jump
        self.entropy = random_entropy() if entropy is None else int(entropy)
        self.cells = {}

    # ------------------------------------------------------------------ the plan of one solve
    def plan(self, grid: list, y0: torch.Tensor) -> None:
        """Draw the events on ``(grid[0], grid[-1]]`` and file them under the grid cell they fall in:
        ``cells[k] = [(rows, times, marks), ...]``, one entry per round (a path's first, second, ... jump
        in the cell)."""
        B, d = y0.shape
        t0, t1 = grid[0], grid[-1]
        g = torch.Generator(device="cpu").manual_seed(mix_seed(self.entropy, 11))
        rate = self.rate
        if isinstance(rate, torch.Tensor):
            if rate.dim() == 1 and rate.shape[0] != B:
                raise InputError("rate", f"one rate per path ({B})", f"{rate.shape[0]} rates")
            rates = rate.detach().to("cpu", torch.float64).expand(B)
        else:
            rates = torch.full((B,), float(rate), dtype=torch.float64)
        counts = torch.poisson(rates * (t1 - t0), generator=g).long()
        total = int(counts.sum())
        self.cells = {}
        self.marks = None
        if total == 0:
            return
        times = (t0 + (t1 - t0) * torch.rand(total, generator=g, dtype=torch.float64)).tolist()
        rows = torch.repeat_interleave(torch.arange(B), counts).tolist()
        self.marks = self._marks(total, d, y0.dtype, y0.device)
        by_cell = {}
        for i, (t, row) in enumerate(zip(times, rows)):
            if t <= t0:
                continue
            k = min(max(bisect.bisect_left(grid, t) - 1, 0), len(grid) - 2)
            by_cell.setdefault(k, []).append((t, row, i))
        device = y0.device
        for k, events in by_cell.items():
            events.sort()
            rank, rounds = {}, []
            for t, row, i in events:
                r = rank.get(row, 0)
                rank[row] = r + 1
                if r == len(rounds):
                    rounds.append(([], [], []))
                rounds[r][0].append(row)
                rounds[r][1].append(t)
                rounds[r][2].append(i)
            self.cells[k] = [(torch.tensor(r_rows, device=device), torch.tensor(r_times, dtype=torch.float64),
                              torch.tensor(r_idx, device=device)) for r_rows, r_times, r_idx in rounds]

    def _marks(self, n, d, dtype, device):
        if self.mark is None:
            g = torch.Generator(device=device).manual_seed(mix_seed(self.entropy, 12))
            return torch.randn(n, d, generator=g, dtype=dtype, device=device)
        if hasattr(self.mark, "sample"):
            with torch.random.fork_rng(devices=[] if device.type == "cpu" else [device]):
                torch.manual_seed(mix_seed(self.entropy, 13))
                m = self.mark.sample((n,))
        else:
            m = self.mark(n, torch.Generator(device=device).manual_seed(mix_seed(self.entropy, 13)))
        if not isinstance(m, torch.Tensor) or m.shape[0] != n:
            raise InputError("mark", f"{n} marks stacked along the first dimension", type(m).__name__)
        return m.to(device=device, dtype=dtype if m.is_floating_point() else m.dtype)

    # ------------------------------------------------------------------ one step with jumps inside
    def cross_cell(self, k: int, stepper, term, ta: float, tb: float, y, W, U, t_dtype):
        """Take grid cell ``k`` (``[ta, tb]``, increments ``W``/``U``) path by path through its jumps."""
        B = y.shape[0]
        dtype, device = y.dtype, y.device
        h = tb - ta
        H = U / h - 0.5 * W if U is not None else None
        g = torch.Generator(device=device).manual_seed(mix_seed(self.entropy, 14, k))
        cur = torch.full((B, 1), ta, dtype=torch.float64)
        rounds = self.cells[k]
        for r in range(len(rounds) + 1):
            nxt = torch.full((B, 1), tb, dtype=torch.float64)
            if r < len(rounds):
                rows, times, idx = rounds[r]
                nxt[rows.cpu(), 0] = times
            h1, rest = nxt - cur, tb - cur
            active = (h1 > 0).to(device)
            safe_rest = torch.where(rest > 0, rest, torch.ones_like(rest))
            lengths = torch.stack([h1, rest - h1]).to(device=device, dtype=dtype)
            offsets = None
            if H is not None:  # (c - m_k)/h of the two pieces of [cur, tb]
                offsets = torch.stack([(rest - h1) / (2 * safe_rest), -h1 / (2 * safe_rest)]).to(device, dtype)
            Z = torch.randn((2 if H is not None else 1, 2, *W.shape), generator=g, dtype=dtype, device=device)
            (Wa, Wb), HaHb = conditional_split(W, H, lengths, offsets, safe_rest.to(device, dtype), Z)
            step = torch.where(active, h1.to(device, dtype), torch.ones_like(lengths[0]))
            Wa = torch.where(active, Wa, torch.zeros_like(Wa))
            Ua = None
            if H is not None:
                Ua = torch.where(active, step * (HaHb[0] + 0.5 * Wa), torch.zeros_like(Wa))
            t_cur, t_nxt = cur.to(device, t_dtype), nxt.to(device, t_dtype)
            y_new, _ = stepper.step(term, t_cur, t_nxt, step, y, Wa, Ua, None, ())
            y = torch.where(active, y_new, y)
            if r < len(rounds):
                y = self._jump(t_nxt[rows], y, rows, self.marks[idx])
            cur, W = nxt, Wb
            H = None if H is None else HaHb[1]
        return y

    def _jump(self, t, y, rows, marks):
        y_rows = y[rows]
        delta = marks if self.jump is None else self.jump(t, y_rows, marks)
        if not isinstance(delta, torch.Tensor) or delta.shape != y_rows.shape:
            raise InputError("jump(t, y, mark)", f"a tensor of shape {tuple(y_rows.shape)} (the jumping rows)",
                             tuple(delta.shape) if isinstance(delta, torch.Tensor) else type(delta).__name__)
        return y.index_add(0, rows, delta.to(y.dtype))
