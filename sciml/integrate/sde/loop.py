"""The SDE time loops: a fixed grid (every increment sampled up front), and adaptive step doubling.

Fixed step: the grid is ``ts`` with steps of ``dt`` inside each output interval (the last step of an
interval shortened to land on the output time, so no output is interpolated); the Brownian object
samples all increments of the grid in one call and the loop only steps. Adaptive: each attempt takes
one full step and two half steps over the same Brownian path and compares them (torchsde's scheme;
Rackauckas & Nie 2017 for why a rejected step must reuse the path: the smaller steps are sampled
conditioned on what was already drawn). The step size comes from the integrator core's PI controller;
``batch="independent"`` gives every path its own step size and time with the core's batch
controller, the Brownian object being queried path by path (a :class:`~sciml.integrate.brownian.
BrownianTree`-like object answering ``(B,)`` times at once).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from sciml.integrate.brownian.base import BaseBrownian
from sciml.integrate.brownian.levy import combine, h_to_u
from sciml.integrate.controller import BatchPIController, PIController
from sciml.integrate.norms import rms_norm

__all__ = ["time_grid", "integrate_fixed", "integrate_adaptive", "integrate_independent", "LoopStats",
           "grid_increments"]

_GRID_SLACK = 1e-6  # an output interval of (n + 1e-6)·dt takes n steps, not n + 1 with a sliver


@dataclass
class LoopStats:
    n_steps: int = 0
    n_rejected: int = 0
    grid: list = field(default_factory=list)  # the accepted step times (what an adjoint must retrace)


def time_grid(ts: list, dt: float) -> tuple[list, list]:
    """Step times from ``ts[0]`` to ``ts[-1]`` through every output time, steps ``≤ dt``; and the grid
    index of each output time."""
    grid, out_index = [ts[0]], [0]
    for a, b in zip(ts[:-1], ts[1:]):
        n = max(1, math.ceil((b - a) / dt - _GRID_SLACK))
        grid.extend(a + j * dt for j in range(1, n))
        grid.append(b)
        out_index.append(len(grid) - 1)
    return grid, out_index


def grid_increments(bm, grid, need_U: bool, need_A: bool):
    """``(W, U, A)`` stacked over the grid's cells, from ``bm.increments`` when it has one."""
    if hasattr(bm, "increments"):
        return bm.increments(grid, return_U=need_U, return_A=need_A)
    return BaseBrownian.increments(bm, grid, need_U, need_A)


def integrate_fixed(stepper, term, y0, extra, grid, out_index, bm, t_dtype, jumps=None):
    """Step through ``grid``; returns the states at ``out_index`` stacked, and the final extra state."""
    n = len(grid) - 1
    W, U, A = grid_increments(bm, grid, stepper.needs_U, stepper.needs_A)
    times = torch.tensor(grid, dtype=t_dtype, device=y0.device).unbind(0)
    dts = np.diff(grid).tolist()
    Ws = W.unbind(0)
    Us = U.unbind(0) if U is not None else (None,) * n
    As = A.unbind(0) if A is not None else (None,) * n
    is_out = [False] * (n + 1)
    for i in out_index[1:]:
        is_out[i] = True
    jump_cells = jumps.cells if jumps is not None else {}
    step = stepper.step
    ys = [y0]
    y = y0
    for k in range(n):
        if k in jump_cells:
            y = jumps.cross_cell(k, stepper, term, grid[k], grid[k + 1], y, Ws[k], Us[k], t_dtype)
        else:
            y, extra = step(term, times[k], times[k + 1], dts[k], y, Ws[k], Us[k], As[k], extra)
        if is_out[k + 1]:
            ys.append(y)
    return torch.stack(ys), extra, LoopStats(n_steps=n, grid=grid)


def _stats_pair(bm, ta, tm, tb, need_U, need_A, have_H, batch_only):
    """Brownian statistics of ``[ta, tm]``, ``[tm, tb]`` and their union (one tree query per half)."""
    halves = []
    for a, b in ((ta, tm), (tm, tb)):
        out = bm(a, b, return_U=need_U, return_A=need_A)
        if not (need_U or need_A):
            halves.append((out, None, None))
            continue
        out = list(out)
        Wk = out.pop(0)
        Uk = out.pop(0) if need_U else None
        Ak = out.pop(0) if need_A else None
        halves.append((Wk, Uk, Ak))
    (W1, U1, A1), (W2, U2, A2) = halves
    h1, h2 = tm - ta, tb - tm
    H1 = U1 / h1 - 0.5 * W1 if need_U else None
    H2 = U2 / h2 - 0.5 * W2 if need_U else None
    W, H, A = combine([(W1, H1, A1, ta, tm), (W2, H2, A2, tm, tb)], ta, tb, need_U, need_A, batch_only)
    U = h_to_u(W, H, tb - ta) if need_U else None
    return (W1, U1, A1), (W2, U2, A2), (W, U, A)


def _error_ratio(y_full, y_two, rtol, atol):
    scale = atol + rtol * torch.maximum(y_full.abs(), y_two.abs())
    return float(rms_norm(((y_full - y_two) / scale).reshape(-1)))


def integrate_adaptive(stepper, term, y0, extra, ts, bm, dt, rtol, atol, dt_min, t_dtype, noise_type):
    """Step doubling with the PI controller; every output time is a step end."""
    order = stepper.strong_order(noise_type) + 0.5  # of the difference of one step and two half steps
    controller = PIController(order, safety=0.9, ifactor=1.4, dfactor=0.2)
    device = y0.device
    need_U, need_A = stepper.needs_U, stepper.needs_A
    batch_only = len(tuple(bm.shape)) < 2
    ys, grid = [y0], [ts[0]]
    y, t, h = y0, ts[0], dt
    stats = LoopStats()
    warned = False
    for target in ts[1:]:
        while t < target:
            t1 = target if t + h >= target - 1e-10 * h else t + h  # no sliver before an output time
            tm = 0.5 * (t + t1)
            half1, half2, full = _stats_pair(bm, t, tm, t1, need_U, need_A, need_U, batch_only)
            tt = torch.tensor([t, tm, t1], dtype=t_dtype, device=device).unbind(0)
            step = t1 - t
            y_full, _ = stepper.step(term, tt[0], tt[2], step, y, *full, extra)
            y_mid, extra_mid = stepper.step(term, tt[0], tt[1], tm - t, y, *half1, extra)
            y_two, extra_two = stepper.step(term, tt[1], tt[2], t1 - tm, y_mid, *half2, extra_mid)
            with torch.no_grad():
                ratio = _error_ratio(y_full, y_two, rtol, atol)
            accept = ratio <= 1.0 or step <= dt_min
            h_new = controller.propose(step, ratio, accept)
            if h_new < dt_min:
                if not warned:
                    warnings.warn("Hitting minimum allowed step size in adaptive time-stepping.", stacklevel=4)
                    warned = True
                h_new = dt_min
            if accept:
                t, y, extra = t1, y_two, extra_two
                grid.extend((tm, t1))  # the solution went through the midpoint: an adjoint retraces both halves
                stats.n_steps += 1
            else:
                stats.n_rejected += 1
            # a step cut short by an output time says little about the next one: keep the longer proposal
            h = max(h_new, h) if accept and t1 == target and step < h else h_new
        ys.append(y)
    stats.grid = grid
    return torch.stack(ys), extra, stats


def integrate_independent(stepper, term, y0, extra, ts, bm, dt, rtol, atol, dt_min, t_dtype, noise_type):
    """Step doubling with one step size, acceptance and time per path (rows of ``y0``).

    The drift and diffusion are evaluated for all paths at once, with ``t`` a ``(B, 1)`` tensor; a path
    that has reached the next output time waits (a zero step) until all have. ``bm`` answers ``(B,)``
    time tensors: a :class:`~sciml.integrate.brownian.memory.BridgeMemory` (default) or a
    :class:`~sciml.integrate.brownian.virtual.BatchBrownianTree`.
    """
    order = stepper.strong_order(noise_type) + 0.5
    B = y0.shape[0]
    device = y0.device
    controller = BatchPIController(order, B, t_dtype, device, safety=0.9, ifactor=1.4, dfactor=0.2)
    t = torch.full((B,), ts[0], dtype=t_dtype, device=device)
    h = torch.full((B,), dt, dtype=t_dtype, device=device)
    y = y0
    ys = [y0]
    stats = LoopStats()
    n_steps = torch.zeros(B, dtype=torch.long, device=device)
    n_rej = torch.zeros(B, dtype=torch.long, device=device)
    warned = False
    W_t = bm.start(t)
    for target in ts[1:]:
        while True:
            active = t < target
            if not bool(active.any()):
                break
            t1 = torch.where(t + h >= target, torch.full_like(t, target), t + h)
            t1 = torch.where(active, t1, t)
            tm = 0.5 * (t + t1)
            step = (t1 - t)[:, None].to(y.dtype)
            half = (tm - t)[:, None].to(y.dtype)
            W_mid, W_end = bm.pair(tm, t1)
            W1, W2, Wf = W_mid - W_t, W_end - W_mid, W_end - W_t
            tc, tmc, t1c = t[:, None], tm[:, None], t1[:, None]
            y_full, _ = stepper.step(term, tc, t1c, step, y, Wf, None, None, extra)
            y_mid, extra_mid = stepper.step(term, tc, tmc, half, y, W1, None, None, extra)
            y_two, extra_two = stepper.step(term, tmc, t1c, step - half, y_mid, W2, None, None, extra_mid)
            with torch.no_grad():
                scale = atol + rtol * torch.maximum(y_full.abs(), y_two.abs())
                ratio = rms_norm(((y_full - y_two) / scale).reshape(B, -1)).to(t_dtype)
                ratio = torch.where(active, ratio, torch.zeros_like(ratio))
            floor = (t1 - t) <= dt_min
            accept = active & ((ratio <= 1.0) | floor)
            h_new = controller.propose(torch.where(active, t1 - t, h), ratio, accept)
            if bool((h_new < dt_min).any()) and not warned:
                warnings.warn("Hitting minimum allowed step size in adaptive time-stepping.", stacklevel=4)
                warned = True
            h = torch.where(active, h_new.clamp(min=dt_min), h)
            mask = accept[:, None]
            y = torch.where(mask, y_two, y)
            if stepper.stateful:
                extra = tuple(torch.where(accept.view(-1, *([1] * (new.dim() - 1))), new, old)
                              for new, old in zip(extra_two, extra))
            t = torch.where(accept, t1, t)
            bm.advance(accept, t1, W_end)
            W_t = torch.where(mask, W_end, W_t)
            n_steps += accept.long()
            n_rej += (active & ~accept).long()
        ys.append(y)
    stats.n_steps = n_steps
    stats.n_rejected = n_rej
    return torch.stack(ys), extra, stats
