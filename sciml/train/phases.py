"""Optimiser phases: option objects saying how to train, and the runs that carry them out step by step.

A training run is a list of phases, typically ``[Adam(5000), LBFGS(2000)]``:

- :class:`Optimizer` (and its shorthand :class:`Adam`): first-order steps of any ``torch.optim``
  optimiser, with a learning-rate schedule, gradient clipping, gradient accumulation over several
  batches and mixed precision (``precision="bfloat16"``, or ``"float16"`` with a gradient scaler
  on CUDA; never used by L-BFGS, whose line search needs the full precision);
- :class:`LBFGS`: L-BFGS with a strong-Wolfe line search on the full batch, run to its iteration
  limit unless its tolerances stop it, and reporting why it stopped (:mod:`sciml.train.lbfgs`).

Each phase may end early at a fraction ``until`` of the run's time budget. Every run object has a
``state_dict`` (optimiser, scheduler, gradient scaler, counters), so a checkpoint taken between two
steps resumes exactly.
"""

from __future__ import annotations

import contextlib

import torch

from sciml.errors import InputError, SolverError
from sciml.train.lbfgs import LBFGSRun
from sciml.train.schedules import make_scheduler

__all__ = ["Phase", "Optimizer", "Adam", "LBFGS"]

PRECISIONS = {None: None, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _count(name, value, allow_none=False, minimum=0):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(name, f"an integer >= {minimum}" + (" or None" if allow_none else ""), repr(value))
    return value


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise InputError(name, "a fraction of the time budget in (0, 1]", repr(value))
    return float(value)


class Phase:
    """Base of the phase options: ``name`` (for history and reports), ``until`` (budget fraction)."""

    name = "phase"
    label = "phase"
    until = 1.0

    @property
    def length(self) -> int | None:
        return None

    def describe(self) -> dict:
        return {"type": type(self).__name__, "name": self.name, "length": self.length}


class Optimizer(Phase):
    """``steps`` first-order steps of ``optimizer`` (a ``torch.optim`` class, called with the parameter
    groups and ``**options``).

    schedule : None, a schedule of :mod:`sciml.train.schedules` or a callable ``optimizer -> scheduler``.
    clip_norm, clip_value : clip the gradients' global 2-norm / each entry (after averaging over ranks).
    accumulate : batches whose gradients are summed into one step (each weighted ``1/accumulate``).
    precision : None (the model's dtype), "bfloat16" or "float16" (CUDA) autocast of the loss.
    until : end this phase at this fraction of the run's time budget.
    """

    def __init__(self, steps: int | None, optimizer=torch.optim.Adam, *, schedule=None, clip_norm=None,
                 clip_value=None, accumulate: int = 1, precision=None, until: float = 1.0, name: str | None = None,
                 **options):
        self.steps = _count("steps", steps, allow_none=True)
        if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
            raise InputError("optimizer", "a torch.optim.Optimizer class", repr(optimizer))
        if optimizer is torch.optim.LBFGS:
            raise InputError("optimizer", "a first-order optimiser", "torch.optim.LBFGS", "use the LBFGS phase")
        self.optimizer, self.options, self.schedule = optimizer, options, schedule
        for key, v in (("clip_norm", clip_norm), ("clip_value", clip_value)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0):
                raise InputError(key, "a positive number or None", repr(v))
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.accumulate = _count("accumulate", accumulate, minimum=1)
        if precision not in PRECISIONS:
            raise InputError("precision", "None, 'bfloat16' or 'float16'", repr(precision))
        self.precision = precision
        self.until = _fraction("until", until)
        self.name = name or optimizer.__name__.lower()
        self.label = optimizer.__name__

    @property
    def length(self):
        return self.steps

    def build(self, groups) -> torch.optim.Optimizer:
        return self.optimizer(groups, **self.options)

    def start(self, trainer):
        return FirstOrderRun(self, trainer)

    def __repr__(self):
        return f"{type(self).__name__}(steps={self.steps}, {self.options})"


class Adam(Optimizer):
    """``steps`` Adam steps (Kingma & Ba 2015) at learning rate ``lr``; fused kernels where torch has them."""

    def __init__(self, steps: int | None, lr: float = 1e-3, *, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, fused: bool | None = None, **kwargs):
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            raise InputError("lr", "a positive learning rate", repr(lr))
        super().__init__(steps, torch.optim.Adam, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                         **kwargs)
        self.fused = fused
        self.name = kwargs.get("name") or "adam"

    def build(self, groups):
        if self.fused is False:
            return torch.optim.Adam(groups, **self.options)
        try:
            return torch.optim.Adam(groups, **self.options, fused=True)
        except (RuntimeError, TypeError, ValueError):
            if self.fused:
                raise
            return torch.optim.Adam(groups, **self.options)


class LBFGS(Phase):
    """``iterations`` L-BFGS iterations with a strong-Wolfe line search, on the full batch.

    history : curvature pairs kept; tolerance_grad, tolerance_change : stop tolerances (0: run to the limit);
    chunk : iterations between logs and checkpoints; restart_every : iterations per round, each with a
    fresh history (callbacks' ``on_round_end`` runs between rounds); until : budget fraction.
    """

    label = "L-BFGS"

    def __init__(self, iterations: int, *, history: int = 100, tolerance_grad: float = 0.0,
                 tolerance_change: float = 0.0, chunk: int = 25, restart_every: int | None = None,
                 max_restarts: int = 3, until: float = 1.0, name: str = "lbfgs"):
        self.iterations = _count("iterations", iterations)
        self.history = _count("history", history, minimum=1)
        self.chunk = _count("chunk", chunk, minimum=1)
        self.restart_every = _count("restart_every", restart_every, allow_none=True, minimum=1)
        self.max_restarts = _count("max_restarts", max_restarts)
        for key, v in (("tolerance_grad", tolerance_grad), ("tolerance_change", tolerance_change)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise InputError(key, "a non-negative number", repr(v))
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change
        self.until, self.name = _fraction("until", until), name

    @property
    def length(self):
        return self.iterations

    def start(self, trainer):
        return LBFGSPhaseRun(self, trainer)

    def __repr__(self):
        return f"LBFGS(iterations={self.iterations}, history={self.history})"


class FirstOrderRun:
    """Carries out an :class:`Optimizer` phase, one step per :meth:`step`."""

    def __init__(self, spec: Optimizer, trainer):
        self.spec, self.trainer = spec, trainer
        # copies: torch optimisers write their settings into the group dicts they are given
        self.optimizer = spec.build([dict(g) for g in trainer.param_groups])
        self.scheduler = make_scheduler(spec.schedule, self.optimizer, spec.steps)
        self.plateau = isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
        device = trainer.device
        self.autocast_dtype = PRECISIONS[spec.precision]
        if spec.precision == "float16" and device.type != "cuda":
            raise InputError("precision", "'bfloat16' on this device ('float16' needs CUDA)", "'float16'")
        self.scaler = torch.amp.GradScaler("cuda") if spec.precision == "float16" else None
        self.done, self.finished, self.reasons = 0, spec.steps == 0, []
        if self.finished:
            self.reasons.append("no steps requested")

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.trainer.device.type, dtype=self.autocast_dtype)

    def step(self) -> None:
        tr, spec = self.trainer, self.spec
        expired = tr.expired(spec)
        if expired and not tr.context.active:
            self._finish(f"time budget reached after {self.done} steps")
            return
        tr.hook("on_step_begin")
        self.optimizer.zero_grad(set_to_none=True)
        loss_value, term_values = None, {}
        for _ in range(spec.accumulate):
            batch, share = tr.next_batch()
            with self._autocast():
                loss, terms = tr.evaluate(batch)
            loss = tr.hook_loss(loss, terms)
            scale = share / spec.accumulate
            scaled = loss if scale == 1 else loss * scale
            (self.scaler.scale(scaled) if self.scaler is not None else scaled).backward()
            value = scaled.detach()
            loss_value = value if loss_value is None else loss_value + value
            for k, v in terms.items():
                v = v.detach() if scale == 1 else v.detach() * scale
                term_values[k] = v if k not in term_values else term_values[k] + v
        loss_value, term_values, flags = tr.synchronise(loss_value, term_values, expired)
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        tr.clip(spec)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        tr.hook("on_optimizer_step")
        self.done += 1
        tr.iteration += 1
        if not torch.isfinite(loss_value):
            raise SolverError(f"the loss became {float(loss_value)} at {spec.label} step {self.done}",
                              hint="lower the learning rate, use float64, or normalise the problem")
        if self.done % tr.log_every == 0 or self.done == 1:
            tr.log(spec.name, loss_value, term_values)
        if self.scheduler is not None:
            self.scheduler.step(float(loss_value)) if self.plateau else self.scheduler.step()
        if tr.hook("on_step_end"):
            tr.stop(f"stopped by a callback after {spec.label} step {self.done}")
        if spec.steps is not None and self.done >= spec.steps:
            self._finish(f"reached {spec.steps} steps")
        elif flags["expired"]:
            self._finish(f"time budget reached after {self.done} steps")

    def _finish(self, reason):
        self.finished = True
        self.reasons.append(reason)

    @property
    def iterations(self):
        return self.done

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "scaler": None if self.scaler is None else self.scaler.state_dict(),
                "done": self.done, "finished": self.finished, "reasons": list(self.reasons)}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state["scaler"] is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.done, self.finished, self.reasons = state["done"], state["finished"], list(state["reasons"])


class LBFGSPhaseRun:
    """Carries out an :class:`LBFGS` phase, one chunk of iterations per :meth:`step`."""

    def __init__(self, spec: LBFGS, trainer):
        self.spec, self.trainer = spec, trainer
        self.start_iteration = trainer.iteration
        self.done, self.offset, self.size = 0, 0, 0
        self.run: LBFGSRun | None = None
        self.reasons: list[str] = []
        self.finished = spec.iterations == 0
        self.last = None

    @property
    def iterations(self):
        return self.offset + self.run.done if self.run is not None else self.done

    def closure(self):
        tr = self.trainer
        for p in tr.parameters:
            p.grad = None
        batch, share = tr.next_batch(full=True)
        loss, terms = tr.evaluate(batch)
        loss = tr.hook_loss(loss, terms)
        scaled = loss if share == 1 else loss * share
        scaled.backward()
        terms = {k: (v.detach() if share == 1 else v.detach() * share) for k, v in terms.items()}
        value, terms, _ = tr.synchronise(scaled.detach(), terms, False)
        self.last = (value, terms)
        return value

    def _on_chunk(self, done, loss):
        tr = self.trainer
        tr.iteration = self.start_iteration + self.offset + done
        tr.log(self.spec.name, *self.last)
        return tr.stopped

    def step(self) -> None:
        tr, spec = self.trainer, self.spec
        if self.run is None:
            if tr.context.any(tr.expired(spec), "the time-budget check"):
                self.reasons.append(f"time budget reached after {self.done} L-BFGS iterations")
                self.finished = True
                return
            round_size = spec.restart_every or spec.iterations
            self.size = min(round_size, spec.iterations - self.done)
            self.offset = self.done
            self.run = self._make(self.size)
        self.run.chunk_step(self.closure, lambda: tr.context.any(tr.expired(spec), "the time-budget check"),
                            self._on_chunk)
        tr.iteration = self.start_iteration + self.offset + self.run.done
        if not self.run.finished:
            return
        self.done = self.offset + self.run.done
        self.reasons.append(self.run.reason)
        short = self.run.done < self.size
        self.run = None
        if short:
            self.finished = True
            return
        if self.done < spec.iterations:
            tr.hook("on_round_end")
        if self.done >= spec.iterations or tr.stopped:
            self.finished = True

    def _make(self, n):
        spec = self.spec
        return LBFGSRun(self.trainer.parameters, n, history_size=spec.history, tolerance_grad=spec.tolerance_grad,
                        tolerance_change=spec.tolerance_change, chunk=spec.chunk, max_restarts=spec.max_restarts)

    def state_dict(self) -> dict:
        return {"start_iteration": self.start_iteration, "done": self.done, "offset": self.offset, "size": self.size,
                "reasons": list(self.reasons), "finished": self.finished,
                "run": None if self.run is None else self.run.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.start_iteration, self.done, self.offset = state["start_iteration"], state["done"], state["offset"]
        self.size, self.reasons, self.finished = state["size"], list(state["reasons"]), state["finished"]
        self.run = None
        if state["run"] is not None:
            self.run = self._make(self.size)
            self.run.load_state_dict(state["run"])
