"""Callbacks: code that runs at fixed points of the training loop, with state that checkpoints keep.

Subclass :class:`Callback` and override the hooks you need; a hook returning True asks the
trainer to stop (``on_step_end``, ``on_log``). The hooks, in the order they run:

- ``on_train_begin(trainer)``; ``on_phase_begin(trainer, phase)`` (also when a run resumes inside it);
- first-order steps: ``on_step_begin(trainer)``, ``on_loss(trainer, loss, terms)`` (may return a
  replacement loss, before ``backward``), ``on_optimizer_step(trainer)`` (just after the step),
  ``on_log(trainer, record)`` (every ``log_every`` steps), ``on_step_end(trainer)``;
- L-BFGS: ``on_loss`` at each evaluation, ``on_log`` after each chunk, ``on_round_end(trainer)``
  between rounds of ``LBFGS(restart_every=...)``;
- ``on_phase_end(trainer, phase)``; ``on_train_end(trainer)`` (after the final log).

``trainer.iteration`` counts completed iterations over all phases; ``trainer.phase`` is the
current phase option object and ``trainer.phase_run.iterations`` the iterations done in it.
"""

from __future__ import annotations

import copy
import math

from sciml.errors import InputError

__all__ = ["Callback", "KeepBest", "EarlyStopping", "on_log"]


class Callback:
    """Base class; every hook does nothing. ``state_dict``/``load_state_dict`` carry state through
    checkpoints (plain values and tensors only)."""

    def on_train_begin(self, trainer): ...
    def on_phase_begin(self, trainer, phase): ...
    def on_step_begin(self, trainer): ...
    def on_loss(self, trainer, loss, terms): ...
    def on_optimizer_step(self, trainer): ...
    def on_log(self, trainer, record): ...
    def on_step_end(self, trainer): ...
    def on_round_end(self, trainer): ...
    def on_phase_end(self, trainer, phase): ...
    def on_train_end(self, trainer): ...

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class KeepBest(Callback):
    """Remember the state of ``modules`` at the lowest logged loss; after each phase named in ``restore``
    put it back if the loss there is higher (or not finite). ``reset()`` forgets it (e.g. when the loss
    itself changes, as after resampling points)."""

    def __init__(self, *modules, restore=("lbfgs",)):
        if not modules:
            raise InputError("modules", "at least one torch Module to remember", "none")
        self.modules, self.restore = modules, tuple(restore)
        self.reset()

    def reset(self):
        self.best, self.best_loss = None, math.inf

    def on_log(self, trainer, record):
        value = record["loss"]
        if math.isfinite(value) and value < self.best_loss:
            self.best_loss = value
            self.best = [copy.deepcopy(m.state_dict()) for m in self.modules]

    def on_phase_end(self, trainer, phase):
        if phase.name not in self.restore or self.best is None:
            return
        value = float(trainer.evaluate_full()[0].detach())
        if not math.isfinite(value) or value > self.best_loss:
            for m, s in zip(self.modules, self.best):
                m.load_state_dict(s)
            trainer.note("restored the parameters with the lowest logged loss")

    def state_dict(self):
        return {"best": self.best, "best_loss": self.best_loss}

    def load_state_dict(self, state):
        self.best, self.best_loss = state["best"], state["best_loss"]


class EarlyStopping(Callback):
    """Stop when the logged loss has not fallen below ``(1 - min_delta)`` times its best for ``patience`` logs."""

    def __init__(self, patience: int = 10, min_delta: float = 0.0):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise InputError("patience", "a positive number of logs", repr(patience))
        if not 0 <= min_delta < 1:
            raise InputError("min_delta", "a relative improvement in [0, 1)", repr(min_delta))
        self.patience, self.min_delta = patience, min_delta
        self.best, self.waited = math.inf, 0

    def on_log(self, trainer, record):
        if record["loss"] < self.best * (1 - self.min_delta):
            self.best, self.waited = record["loss"], 0
            return False
        self.waited += 1
        if self.waited >= self.patience:
            trainer.note(f"early stopping: no improvement in {self.patience} logs")
            return True
        return False

    def state_dict(self):
        return {"best": self.best, "waited": self.waited}

    def load_state_dict(self, state):
        self.best, self.waited = state["best"], state["waited"]


class _OnLog(Callback):
    def __init__(self, fn):
        self.fn = fn

    def on_log(self, trainer, record):
        return bool(self.fn(record["iteration"], record["loss"], record["terms"]))


def on_log(fn) -> Callback:
    """A callback from ``fn(iteration, loss, terms)`` called at every log; returning True stops training."""
    if not callable(fn):
        raise InputError("callback", "a callable (iteration, loss, terms) -> bool", type(fn).__name__)
    return _OnLog(fn)
