"""Several controls driving a tuple state: one control per tensor of the state."""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["TupleControl"]


class TupleControl(torch.nn.Module):
    """Controls over one interval whose ``evaluate``/``derivative`` return one tensor each (torchcde's)."""

    def __init__(self, *controls):
        super().__init__()
        if not controls:
            raise InputError("controls", "one or more control paths", "none")
        self._interval = controls[0].interval
        for i, control in enumerate(controls[1:], start=1):
            if not torch.equal(control.interval, self._interval):
                raise InputError(f"controls[{i}]", f"the interval {self._interval.tolist()} of controls[0]",
                                 control.interval.tolist())
        grids = [c.grid_points for c in controls]
        same = all(g.shape == grids[0].shape and torch.equal(g, grids[0]) for g in grids[1:])
        self._grid_points = grids[0] if same else None
        self.controls = torch.nn.ModuleList(controls)

    @property
    def interval(self) -> torch.Tensor:
        return self._interval

    @property
    def grid_points(self) -> torch.Tensor:
        if self._grid_points is None:
            raise InputError("grid_points", "controls sharing their knots", "controls with different knots")
        return self._grid_points

    def evaluate(self, t):
        return tuple(control.evaluate(t) for control in self.controls)

    def derivative(self, t):
        return tuple(control.derivative(t) for control in self.controls)
