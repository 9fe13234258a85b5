"""Multiple shooting: fit long trajectories as many short solves, each from the observed state at its start.

A long trajectory makes single shooting hard: the gradient of the fit through a long solve
explodes or vanishes, and a poor initial model drifts far from the data. Splitting the time grid
into segments of ``segment`` intervals, each integrated from the observation at its first time,
keeps every solve short; all segments of all trajectories run as one batch with one time grid per
segment (``batch="independent"``). A ``continuity`` term weights the mismatch between each
segment's predicted end and the next segment's start (DiffEqFlux's ``multiple_shoot``; H. G. Bock,
K. J. Plitt, IFAC 1984; E. M. Turan, J. Jäschke, "Multiple shooting for training neural
differential equations on time series", IEEE Control Systems Letters 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sciml.errors import InputError

__all__ = ["MultipleShooting"]


@dataclass(frozen=True)
class MultipleShooting:
    """Segments of ``segment`` time intervals; ``continuity`` weights the segment-joint mismatch."""

    segment: int = 10
    continuity: float = 1.0

    def __post_init__(self):
        if isinstance(self.segment, bool) or not isinstance(self.segment, int) or self.segment < 1:
            raise InputError("segment", "a positive number of time intervals per segment", repr(self.segment))
        if isinstance(self.continuity, bool) or not isinstance(self.continuity, (int, float)) or self.continuity < 0:
            raise InputError("continuity", "a non-negative weight", repr(self.continuity))

    def starts(self, n_times: int) -> list[int]:
        """First time index of every segment; the last one is moved back so all have ``segment`` intervals."""
        k = min(self.segment, n_times - 1)
        starts = list(range(0, n_times - k, k))
        if starts[-1] + k < n_times - 1:
            starts.append(n_times - 1 - k)
        return starts

    def split(self, t: torch.Tensor, y: torch.Tensor):
        """``(x0 (S·B, *d), t_seg (k+1, S·B), target (k+1, S·B, *d))`` from times ``t`` ((T,) or (B, T))
        and trajectories ``y (B, T, *d)``; segment ``j`` of trajectory ``b`` is column ``j·B + b``."""
        if y.dim() < 3:
            raise InputError("y", "trajectories (B, T, *state)", f"shape {tuple(y.shape)}")
        B, T = y.shape[:2]
        if T < 2:
            raise InputError("y", "at least two time points per trajectory", T)
        k = min(self.segment, T - 1)
        starts = self.starts(T)
        idx = torch.tensor(starts, device=y.device)[:, None] + torch.arange(k + 1, device=y.device)  # (S, k+1)
        target = y[:, idx]  # (B, S, k+1, *d)
        target = target.permute(2, 1, 0, *range(3, target.dim())).reshape(k + 1, len(starts) * B, *y.shape[2:])
        if t.dim() == 1:
            t_seg = t[idx].T[:, :, None].expand(k + 1, len(starts), B)  # (k+1, S, B)
        else:
            t_seg = t[:, idx].permute(2, 1, 0)  # (k+1, S, B)
        return target[0], t_seg.reshape(k + 1, len(starts) * B), target

    def loss(self, model, t: torch.Tensor, y: torch.Tensor, metric):
        """``(data loss + continuity · joint mismatch, {"data": ..., "continuity": ...})`` of ``model.trajectory``."""
        x0, t_seg, target = self.split(t, y)
        pred = model.trajectory(x0, t_seg)
        data = metric(pred, target)
        terms = {"data": data}
        total = data
        n_seg = len(self.starts(y.shape[1]))
        if self.continuity > 0 and n_seg > 1:
            B = y.shape[0]
            ends = pred[-1].reshape(n_seg, B, *pred.shape[2:])[:-1]
            nxt = target[0].reshape(n_seg, B, *pred.shape[2:])[1:]
            steps = torch.tensor(self.starts(y.shape[1]), device=y.device)
            joined = (steps[1:] == steps[:-1] + min(self.segment, y.shape[1] - 1))  # the moved-back last one overlaps
            if bool(joined.any()):
                mismatch = torch.mean((ends[joined] - nxt[joined]) ** 2)
                terms["continuity"] = self.continuity * mismatch
                total = total + terms["continuity"]
        return total, terms
