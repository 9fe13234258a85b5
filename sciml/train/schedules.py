"""Learning-rate schedules for the first-order phases, as small option objects.

Each builds a ``torch.optim.lr_scheduler`` object (whose ``state_dict`` goes into checkpoints)
stepped once per optimizer step. A phase also accepts any callable ``optimizer -> scheduler``.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["StepDecay", "ExponentialDecay", "CosineDecay", "Warmup", "OnPlateau", "make_scheduler"]


def _positive(name, value, upper=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or \
            upper is not None and value > upper:
        raise InputError(name, f"a number in (0, {upper}]" if upper else "a positive number", repr(value))
    return value


class StepDecay:
    """Multiply the learning rate by ``factor`` every ``every`` steps."""

    def __init__(self, every: int, factor: float = 0.5):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise InputError("every", "a positive number of steps", repr(every))
        self.every, self.factor = every, _positive("factor", factor, 1)

    def make(self, optimizer, steps):
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=self.every, gamma=self.factor)


class ExponentialDecay:
    """Multiply the learning rate by ``factor`` every step."""

    def __init__(self, factor: float):
        self.factor = _positive("factor", factor, 1)

    def make(self, optimizer, steps):
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=self.factor)


class CosineDecay:
    """Cosine from the initial learning rate down to ``final`` over the phase's steps."""

    def __init__(self, final: float = 0.0):
        if isinstance(final, bool) or not isinstance(final, (int, float)) or final < 0:
            raise InputError("final", "a non-negative learning rate", repr(final))
        self.final = final

    def make(self, optimizer, steps):
        if steps is None:
            raise InputError("schedule", "a phase with a number of steps for CosineDecay", "steps=None")
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(int(steps), 1), eta_min=self.final)


class Warmup:
    """Linear warm-up from ``start`` times the learning rate over ``steps`` steps."""

    def __init__(self, steps: int, start: float = 0.01):
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InputError("steps", "a positive number of steps", repr(steps))
        self.steps, self.start = steps, _positive("start", start, 1)

    def make(self, optimizer, steps):
        return torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=self.start, total_iters=self.steps)


class OnPlateau:
    """Multiply the learning rate by ``factor`` when the loss has not improved for ``patience`` steps."""

    def __init__(self, factor: float = 0.5, patience: int = 500, threshold: float = 1e-4):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise InputError("patience", "a non-negative number of steps", repr(patience))
        self.factor, self.patience, self.threshold = _positive("factor", factor, 1), patience, threshold

    def make(self, optimizer, steps):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=self.factor, patience=self.patience,
                                                          threshold=self.threshold)


def make_scheduler(schedule, optimizer, steps):
    """None, a schedule object above, or a callable ``optimizer -> scheduler``."""
    if schedule is None:
        return None
    if hasattr(schedule, "make"):
        return schedule.make(optimizer, steps)
    if callable(schedule):
        scheduler = schedule(optimizer)
        if not hasattr(scheduler, "step") or not hasattr(scheduler, "state_dict"):
            raise InputError("schedule", "a callable returning a torch LR scheduler", type(scheduler).__name__)
        return scheduler
    raise InputError("schedule", "None, StepDecay/ExponentialDecay/CosineDecay/Warmup/OnPlateau or "
                     "a callable optimizer -> scheduler", type(schedule).__name__)
