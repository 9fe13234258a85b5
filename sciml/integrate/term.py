"""The vector field as the solver sees it: flat state in, flat derivative out, evaluations counted."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from sciml.integrate.state import StatePacker

__all__ = ["ODETerm"]


class ODETerm:
    """Wraps ``func(t, y)``: unflattens the state, turns a float time into a tensor, counts calls.

    In joint mode ``t`` reaches ``func`` as a 0-dim tensor; in independent-batch
    mode as a tensor of shape ``(batch,)``, one time per system; in both in ``t_dtype``
    (the state's dtype, as torchdiffeq: the loop itself keeps time in float64).

    ``window = (start, end, at_start, at_end)`` (set by the loop for one step, joint mode): an
    evaluation at the step's start (``at_start``) or end (``at_end``) gets its time moved one
    ulp, in ``t_dtype``, into the step, so that ``func`` sees the step from inside at a
    discontinuity (``jump_t``, ``perturb``); see :meth:`at`.
    """

    __slots__ = ("func", "packer", "t_dtype", "device", "nfe", "window")

    def __init__(self, func: Callable, packer: StatePacker, t_dtype: torch.dtype, device: torch.device):
        self.func = func
        self.packer = packer
        self.t_dtype = t_dtype
        self.device = device
        self.nfe = 0
        self.window = None

    def time(self, t) -> torch.Tensor:
        if isinstance(t, torch.Tensor):
            return t if t.dtype == self.t_dtype else t.to(self.t_dtype)
        return torch.full((), t, dtype=self.t_dtype, device=self.device)

    def nudged(self, t: float, toward: float) -> torch.Tensor:
        """The time ``t`` moved to the next representable value towards ``toward`` (in ``t_dtype``)."""
        tt = self.time(t)
        return torch.nextafter(tt, torch.full_like(tt, math.copysign(math.inf, toward - t)))

    def at(self, t) -> torch.Tensor:
        """The time ``func`` receives for an evaluation at ``t`` (kept inside the step by ``window``).

        With ``at_end``, a time that is, in ``t_dtype``, at or past the step's end (a stage with
        ``c ≥ 1``, or one that rounds onto the end) becomes the value just before the end;
        ``at_start`` likewise at the start.
        """
        tt = self.time(t)
        if self.window is None or isinstance(t, torch.Tensor):
            return tt
        start, end, at_start, at_end = self.window
        forward = end >= start
        if at_start and bool(tt <= start if forward else tt >= start):
            return self.nudged(start, end)
        if at_end and math.isfinite(end) and bool(tt >= end if forward else tt <= end):
            return self.nudged(end, start)
        return tt

    def __call__(self, t, y: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        packer = self.packer
        tt = self.time(t) if self.window is None else self.at(t)
        return packer.pack(self.func(tt, packer.unpack(y)))
