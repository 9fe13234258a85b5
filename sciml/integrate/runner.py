"""One forward solve, packaged so that every gradient mode can run (and re-run) it."""

from __future__ import annotations

import torch

from sciml.integrate.loop import LoopOptions, integrate_independent, integrate_joint
from sciml.integrate.term import ODETerm

__all__ = ["Runner"]


class Runner:
    """Holds the term, options and times of one solve; ``forward`` returns the saved states.

    Joint mode: ``t0``, ``t1`` floats and ``t_out`` a list of floats (or None: every step).
    Independent mode: ``t0``, ``t1`` tensors ``(B,)`` and ``t_out`` a tensor ``(T, B)``.
    The last result stays in ``self.result`` (status, statistics, records).
    """

    def __init__(self, term: ODETerm, opts: LoopOptions, independent: bool, t0, t1, t_out, dense=None,
                 events=None):
        self.term = term
        self.opts = opts
        self.independent = independent
        self.t0, self.t1, self.t_out = t0, t1, t_out
        self.dense = dense
        self.events = events  # a callable making a fresh EventTracker for each run (joint mode)
        self.result = None

    def forward(self, y0: torch.Tensor, k1: torch.Tensor | None = None, record: bool = False) -> torch.Tensor:
        if self.independent:
            res = integrate_independent(self.term, y0, self.t0, self.t1, self.t_out, self.opts, k1=k1,
                                        record=record, dense=self.dense)
            self.result = res
            return res.ys
        t_out = None if self.t_out is None else list(self.t_out)
        tracker = None if self.events is None else self.events(y0)
        res = integrate_joint(self.term, y0, self.t0, self.t1, t_out, self.opts, k1=k1, record=record,
                              dense=self.dense, events=tracker)
        self.tracker = tracker
        self.result = res
        missing = None
        values = []
        for v in res.ys:
            if v is None:
                if missing is None:
                    missing = torch.full_like(y0, float("nan"))
                v = missing
            values.append(v)
        return torch.stack(values + res.event_ys)

    @property
    def ts(self):
        return self.result.ts if not self.independent else self.t_out
