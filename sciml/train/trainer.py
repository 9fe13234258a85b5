"""The training loop every sciml trainer runs (PINNs, neural-DE models, UDEs): :class:`Trainer`.

One loop for devices and dtypes, optimiser phases (Adam, then L-BFGS with the reason it stopped),
learning-rate schedules, gradient clipping and accumulation, mixed precision, callbacks, a progress
bar on rank 0, a time budget, metrics history, checkpoints that resume bit for bit, SIGINT/SIGTERM
handling, and data parallelism over processes launched by ``torchrun``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from sciml.errors import InputError, ModelFileError
from sciml.train import distributed as dist
from sciml.train.callbacks import Callback
from sciml.train.phases import Adam, Phase
from sciml.train.progress import Progress
from sciml.train.rng import capture_rng, restore_rng
from sciml.train.signals import Interrupts, TrainingInterrupted
from sciml.train.store import Checkpoints, checkpoint_root, find_checkpoint, load_training_state

__all__ = ["Trainer", "TrainResult", "train"]


@dataclass
class TrainResult:
    """What a run returns: the trained ``model``, its ``history`` (lists per logged value) and ``info``
    (iterations, wall time, one entry per phase with the reasons it stopped, checkpoint, ranks)."""

    model: torch.nn.Module
    history: dict
    info: dict = field(default_factory=dict)

    def phase(self, name: str) -> dict:
        """The info of the phase called ``name`` ({"iterations": 0, "reasons": []} if it never ran)."""
        for p in self.info.get("phases", []):
            if p["name"] == name:
                return p
        return {"name": name, "iterations": 0, "reasons": []}

    @property
    def loss(self) -> float:
        return self.history["loss"][-1] if self.history["loss"] else math.nan


def train(model, loss, **options) -> TrainResult:
    """``Trainer(model, loss, **options).fit()``."""
    return Trainer(model, loss, **options).fit()


class Trainer:
    """Train ``model`` by minimising ``loss``.

    Parameters
    ----------
    model : the ``torch.nn.Module`` whose ``state_dict`` is checkpointed (and whose parameters are
        trained unless ``params`` says otherwise).
    loss : ``loss(batch)`` with ``data``, ``loss()`` without; returns a scalar tensor or
        ``(tensor, {term name: tensor})``. With ``data`` it is the mean over the batch; without data
        and under several processes it must be this rank's share of the global loss (the trainer sums).
    data : None, :class:`sciml.train.Batches` or an object with the same methods (:mod:`sciml.train.data`).
    phases : a phase or a list, e.g. ``[Adam(2000, lr=1e-3), LBFGS(500)]`` (default ``[Adam(1000)]``).
    params : parameter groups as torch optimisers take them (default: the model's trainable parameters).
    callbacks : :class:`sciml.train.Callback` objects (hooks run in list order).
    state : ``{name: object with state_dict/load_state_dict}`` also checkpointed, restored before the model.
    device, dtype : move the model (and data) there; None leaves the model where it is.
    budget : wall-clock seconds for the whole run, counted from ``started`` (a ``time.monotonic()``
        value; default the start of :meth:`fit`) and across resumes.
    checkpoint : a directory or :class:`Checkpoints`; resume : a checkpoint directory (or its parent),
        or True to resume from ``checkpoint`` when it holds one.
    progress, log_every, desc : progress bar (rank 0 only), logging interval in steps, bar label.
    log_values : ``() -> {group: {name: float}}`` recorded at every log (e.g. learned parameters).
    final_log : evaluate and log the loss once more at the end (phase "final").
    distributed : "auto" (from torchrun's environment), False, or a :class:`distributed.Context`.
    fingerprint : JSON-able description of the run; resuming from a checkpoint of another run fails.
    handle_signals : turn SIGINT/SIGTERM into "finish the step, checkpoint, raise TrainingInterrupted".
    """

    def __init__(self, model, loss, *, data=None, phases=None, params=None, callbacks=(), state=None,
                 device=None, dtype=None, budget=None, started=None, checkpoint=None, resume=None,
                 progress=True, log_every=100, desc="train", log_values=None, final_log=True,
                 distributed="auto", fingerprint=None, handle_signals=True):
        if not isinstance(model, torch.nn.Module):
            raise InputError("model", "a torch.nn.Module", type(model).__name__)
        if not callable(loss):
            raise InputError("loss", "a callable returning the loss", type(loss).__name__)
        if data is not None and not callable(getattr(data, "next", None)):
            raise InputError("data", "None or a sampler with next() (sciml.train.Batches)", type(data).__name__,
                             "wrap tensors as sciml.train.Batches(x, y, batch_size=...)")
        phases = [Adam(1000)] if phases is None else [phases] if isinstance(phases, Phase) else list(phases)
        if not phases or not all(isinstance(p, Phase) for p in phases):
            raise InputError("phases", "a list of sciml.train phases (Adam, Optimizer, LBFGS)", repr(phases))
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0):
            raise InputError("budget", "a non-negative number of seconds or None", repr(budget))
        if any(p.length is None for p in phases) and budget is None:
            raise InputError("phases", "a number of steps for every phase, or a time budget", "steps=None")
        if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1:
            raise InputError("log_every", "a positive number of steps", repr(log_every))
        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise InputError("callbacks", "sciml.train.Callback objects", type(cb).__name__,
                                 "wrap a function f(iteration, loss, terms) with sciml.train.on_log(f)")
        state = dict(state or {})
        for name, obj in state.items():
            if not (callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "load_state_dict", None))):
                raise InputError(f"state[{name!r}]", "an object with state_dict() and load_state_dict()",
                                 type(obj).__name__)
        if log_values is not None and not callable(log_values):
            raise InputError("log_values", "a callable () -> {group: {name: float}}", type(log_values).__name__)
        self.model, self.loss, self.data, self.phases = model, loss, data, phases
        self.callbacks, self.state = callbacks, state
        self._device_arg, self._dtype_arg = device, dtype
        self.budget, self._started = budget, started
        self.store = checkpoint if checkpoint is None or isinstance(checkpoint, Checkpoints) else \
            Checkpoints(checkpoint)
        if resume not in (None, False, True) and not isinstance(resume, (str, Path)):
            raise InputError("resume", "None, True or a checkpoint directory", repr(resume))
        if resume is True and self.store is None:
            raise InputError("resume", "a checkpoint directory (or checkpoint= with resume=True)", "True")
        if isinstance(resume, (str, Path)) and self.store is None:
            self.store = Checkpoints(checkpoint_root(resume))
        self.resume = resume
        self.progress, self.log_every, self.desc = bool(progress), log_every, desc
        self.log_values, self.final_log = log_values, bool(final_log)
        self.distributed, self.fingerprint, self.handle_signals = distributed, fingerprint, bool(handle_signals)
        self._params_arg = params
        # live state, read by callbacks
        self.iteration = 0
        self.phase_index = 0
        self.phase: Phase | None = None
        self.phase_run = None
        self.history = None
        self.stopped, self.stop_reason = False, None
        self.context = dist.Context()
        self.completed: list[dict] = []
        self.notes: list[str] = []
        self._interrupts = None
        self._agreed_interrupt = False
        self._bar = None
        self._bar_at = 0
        self._resumed_from = None
        self._last_checkpoint = None

    # --- set-up ------------------------------------------------------------------------------------
    def _setup(self):
        from sciml.train.device import resolve_device, resolve_dtype
        from sciml.train.history import History

        device = None if self._device_arg is None else resolve_device(self._device_arg)
        dtype = None if self._dtype_arg is None else resolve_dtype(self._dtype_arg)
        first = next(iter(self.model.parameters()), None)
        device = device or (first.device if first is not None else torch.device("cpu"))
        self.context = dist.setup(device, self.distributed)
        self.device = self.context.device
        if self._device_arg is not None or dtype is not None or self.device != device:
            self.model.to(device=self.device, dtype=dtype)
        if self.data is not None and callable(getattr(self.data, "to", None)):
            self.data.to(self.device, dtype or (first.dtype if first is not None else None))
        self.param_groups = _groups(self._params_arg, self.model)
        self.parameters = [p for g in self.param_groups for p in g["params"]]
        if self.context.active:
            self.context.broadcast_module(self.model)
            if self.data is not None:
                if not callable(getattr(self.data, "shard", None)):
                    raise InputError("data", "a sampler with shard(rank, world) under several processes",
                                     type(self.data).__name__)
                self.data.shard(self.context.rank, self.context.world)
        self.history = History()

    # --- the loop ----------------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        """Run the phases (or what remains of them after a resume) and return a :class:`TrainResult`."""
        begun = time.monotonic()
        self._setup()
        elapsed = 0.0
        finished = False
        if self.resume:
            elapsed, finished = self._restore()
        self._clock0 = (self._started if self._started is not None else begun) - elapsed
        if finished:
            return self._result()
        total = sum(p.length or 0 for p in self.phases) or None
        self._bar = Progress(total, enabled=self.progress and self.context.is_main, desc=self.desc)
        self._bar_at = self.iteration
        self._bar.update(self.iteration)
        try:
            with Interrupts(self.handle_signals) as self._interrupts:
                self.hook("on_train_begin")
                while self.phase_index < len(self.phases) and not self.stopped:
                    self._run_phase(self.phases[self.phase_index])
                if self.final_log:
                    loss, terms = self.evaluate_full()
                    self.log("final", loss.detach(), {k: v.detach() for k, v in terms.items()})
                self.hook("on_train_end")
                if self.store is not None:
                    self._checkpoint(final=True)
        finally:
            self._bar.close()
        return self._result()

    def _run_phase(self, spec):
        self.phase = spec
        if self.phase_run is None:
            self.phase_run = spec.start(self)
        self.hook("on_phase_begin", spec)
        while not self.phase_run.finished and not self.stopped:
            self.phase_run.step()
            self._after_step()
        self.hook("on_phase_end", spec)
        self.completed.append({"name": spec.name, "type": type(spec).__name__,
                               "iterations": self.phase_run.iterations, "reasons": list(self.phase_run.reasons)})
        self.phase_run, self.phase = None, None
        self.phase_index += 1

    def _after_step(self):
        received = self._interrupts.received if self._interrupts is not None else None
        interrupted = self._agreed_interrupt if self.context.active else received is not None
        if interrupted:
            path = self._checkpoint() if self.store is not None else None
            self.context.barrier("the checkpoint barrier")
            name = received or "SIGTERM"
            if path is not None:
                root = self.store.directory
                message = (f"{name}: stopped after iteration {self.iteration}; checkpoint written to {path}. "
                           f"Resume with resume='{root}' (command line: add --resume {root})")
            else:
                message = (f"{name}: stopped after iteration {self.iteration}; no checkpoint directory was "
                           "given (checkpoint=DIR), so this run cannot be resumed")
            raise TrainingInterrupted(message, name, self.iteration, path)
        if self.store is not None and self.store.due(self.iteration):
            self._checkpoint()

    # --- services for phases and callbacks ---------------------------------------------------------
    def stop(self, reason: str) -> None:
        """Ask the loop to end after the current step (later phases are skipped)."""
        if not self.stopped:
            self.stopped, self.stop_reason = True, reason

    def note(self, message: str) -> None:
        """Add ``message`` to the current phase's reasons (or the run's notes)."""
        (self.phase_run.reasons if self.phase_run is not None else self.notes).append(message)

    def elapsed(self) -> float:
        return time.monotonic() - self._clock0

    def expired(self, spec) -> bool:
        return self.budget is not None and self.elapsed() >= spec.until * self.budget

    def next_batch(self, full=False):
        """(batch, share): this rank's batch (None without data) and its fraction of the global batch."""
        if self.data is None:
            return None, 1.0
        if full:
            if not callable(getattr(self.data, "full", None)):
                raise InputError("data", "a sampler with full() for L-BFGS and the final log", type(self.data).__name__)
            return self.data.full(), float(getattr(self.data, "full_share", 1.0))
        batch = self.data.next()
        return batch, float(getattr(self.data, "share", 1.0))

    def evaluate(self, batch):
        """(loss, terms) of ``batch`` (or of the loss closure without data)."""
        out = self.loss() if batch is None else self.loss(batch)
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
            loss, terms = out
        else:
            loss, terms = out, {}
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            got = f"shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise InputError("loss", "a callable returning a scalar tensor or (tensor, {name: tensor})", got)
        return loss.reshape(()), terms

    def evaluate_full(self):
        """(loss, terms) on all data (this rank's part, summed over ranks), without a backward pass."""
        batch, share = self.next_batch(full=True)
        with torch.enable_grad():  # losses with input derivatives (PINNs) need the graph even here
            loss, terms = self.evaluate(batch)
        if share != 1:
            loss, terms = loss * share, {k: v * share for k, v in terms.items()}
        if self.context.active:
            values = torch.stack([loss.detach().double()] + [v.detach().double().reshape(()) for v in terms.values()])
            self.context.all_reduce(values, "the loss all-reduce")
            loss = values[0].to(loss.dtype)
            terms = {k: values[i + 1].to(v.dtype) for i, (k, v) in enumerate(terms.items())}
        return loss, terms

    def synchronise(self, loss, terms, expired):
        """Sum gradients, loss values and stop flags over ranks in one message (no-op for one process).

        Returns (loss, terms, {"expired": bool}) as every rank now sees them."""
        ctx = self.context
        if not ctx.active:
            return loss, terms, {"expired": bool(expired)}
        received = self._interrupts is not None and self._interrupts.received is not None
        params = self.parameters
        dtype = params[0].dtype if params else loss.dtype
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flags = [1.0 if p.grad is not None else 0.0 for p in params] + [float(bool(expired)), float(received)]
        values = torch.cat([loss.detach().reshape(1).to(dtype)] +
                           [v.detach().reshape(1).to(dtype) for v in terms.values()] +
                           [torch.tensor(flags, dtype=dtype, device=loss.device)])
        same = [g.dtype == dtype and g.device == values.device for g in grads]
        flat = torch.cat([g.reshape(-1) for g, s in zip(grads, same) if s] + [values])
        ctx.all_reduce(flat, "the gradient all-reduce")
        for g, s in zip(grads, same):
            if not s:  # parameters of another dtype or device: their own message
                ctx.all_reduce(g, "the gradient all-reduce")
        offset = 0
        for p, g, s in zip(params, grads, same):
            if s:
                g = flat[offset:offset + g.numel()].view_as(p)
                offset += g.numel()
            p.grad = g
        values = flat[offset:]
        n = len(terms)
        has = values[1 + n:1 + n + len(params)]
        for p, h in zip(params, has.tolist()):
            if h == 0:
                p.grad = None
        self._agreed_interrupt = self._agreed_interrupt or bool(values[-1] > 0)
        loss = values[0].to(loss.dtype)
        terms = {k: values[1 + i].to(v.dtype) for i, (k, v) in enumerate(terms.items())}
        return loss, terms, {"expired": bool(values[-2] > 0)}

    def clip(self, spec) -> None:
        if spec.clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.parameters, spec.clip_norm)
        if spec.clip_value is not None:
            torch.nn.utils.clip_grad_value_(self.parameters, spec.clip_value)

    def hook(self, name, *args) -> bool:
        """Run hook ``name`` of every callback; True if any asked to stop."""
        stop = False
        for cb in self.callbacks:
            if getattr(cb, name)(self, *args):
                stop = True
        return stop

    def hook_loss(self, loss, terms):
        for cb in self.callbacks:
            replaced = cb.on_loss(self, loss, terms)
            if replaced is not None:
                loss = replaced
        return loss

    def log(self, phase: str, loss, terms) -> None:
        extra = self.log_values() if self.log_values is not None else None
        record = self.history.add(self.iteration, phase, self.elapsed(), loss, terms, extra)
        if self._bar is not None:
            self._bar.update(self.iteration - self._bar_at, loss=record["loss"])
            self._bar_at = self.iteration
        if self.hook("on_log", record):
            self.stop(f"stopped by a callback at iteration {self.iteration}")

    # --- checkpoints -------------------------------------------------------------------------------
    def _payload(self) -> tuple[dict, dict]:
        payload = {
            "model": self.model.state_dict(),
            "state": {name: obj.state_dict() for name, obj in self.state.items()},
            "data": self.data.state_dict() if callable(getattr(self.data, "state_dict", None)) else None,
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            "phase_index": self.phase_index,
            "phase_run": None if self.phase_run is None else self.phase_run.state_dict(),
            "completed": self.completed, "notes": self.notes, "history": self.history.state_dict(),
            "iteration": self.iteration, "elapsed": self.elapsed(),
            "stopped": self.stopped, "stop_reason": self.stop_reason, "rng": capture_rng(),
        }
        meta = {"fingerprint": self.fingerprint, "phases": [p.describe() for p in self.phases],
                "world_size": self.context.world, "torch": torch.__version__, "elapsed_s": payload["elapsed"],
                "loss": self.history.data["loss"][-1] if len(self.history) else None}
        return payload, meta

    def _checkpoint(self, final=False):
        path = None
        if self.context.is_main:
            payload, meta = self._payload()
            path = self.store.write(self.iteration, payload, meta, final=final)
            self._last_checkpoint = path
        else:
            self.store.last_iteration = self.iteration
        return path

    def _restore(self) -> tuple[float, bool]:
        if self.resume is True:
            if find_checkpoint(self.store.directory) is None:
                return 0.0, False
            source = self.store.directory
        else:
            source = Path(self.resume)
        payload, meta, path = load_training_state(source)
        self._check_compatible(meta, path)
        try:
            for name, obj in self.state.items():
                obj.load_state_dict(payload["state"][name])
            if self.data is not None and payload["data"] is not None:
                self.data.load_state_dict(payload["data"])
            self.model.load_state_dict(payload["model"])
            if len(payload["callbacks"]) != len(self.callbacks):
                raise ValueError(f"{len(payload['callbacks'])} callbacks saved, {len(self.callbacks)} given")
            for cb, s in zip(self.callbacks, payload["callbacks"]):
                cb.load_state_dict(s)
            self.iteration, self.phase_index = payload["iteration"], payload["phase_index"]
            self.completed, self.notes = payload["completed"], payload["notes"]
            self.history.load_state_dict(payload["history"])
            self.stopped, self.stop_reason = payload["stopped"], payload["stop_reason"]
            if payload["phase_run"] is not None:
                spec = self.phases[self.phase_index]
                self.phase_run = spec.start(self)
                self.phase_run.load_state_dict(payload["phase_run"])
        except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{path}: does not match this run ({str(exc).splitlines()[0]})") from exc
        restore_rng(payload["rng"])
        self._resumed_from = path
        if self.store is not None:
            self.store.last_iteration = self.iteration
        return float(payload["elapsed"]), bool(meta.get("final"))

    def _check_compatible(self, meta, path):
        theirs, ours = meta.get("fingerprint"), _jsonable(self.fingerprint)
        if theirs != ours:
            keys = sorted(set(theirs or {}) | set(ours or {})) if isinstance(theirs, dict) and \
                isinstance(ours, dict) else []
            differ = [k for k in keys if (theirs or {}).get(k) != (ours or {}).get(k)]
            what = f" ({', '.join(differ)} differ)" if differ else ""
            raise ModelFileError(f"{path}: a checkpoint of another run{what}; resume with the same problem, "
                                 "model and options it was written with, or start afresh without resume")
        saved = meta.get("phases", [])
        for i, (a, b) in enumerate(zip(saved, [p.describe() for p in self.phases])):
            if (a.get("type"), a.get("name")) != (b["type"], b["name"]):
                raise ModelFileError(f"{path}: phase {i} was {a.get('type')} {a.get('name')!r} when the checkpoint "
                                     f"was written, now {b['type']} {b['name']!r}")

    def _result(self) -> TrainResult:
        phases = list(self.completed)
        info = {"iterations": self.iteration, "wall_s": self.elapsed(), "phases": phases,
                "stopped": self.stop_reason, "notes": list(self.notes), "world_size": self.context.world,
                "rank": self.context.rank, "device": str(self.device),
                "resumed_from": None if self._resumed_from is None else str(self._resumed_from),
                "checkpoint": None if self._last_checkpoint is None else str(self._last_checkpoint)}
        return TrainResult(self.model, self.history.state_dict(), info)


def _groups(params, model):
    if params is None:
        groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
    else:
        params = list(params)
        if params and all(isinstance(p, dict) for p in params):
            groups = [{**g, "params": list(g["params"])} for g in params]
        elif all(isinstance(p, torch.Tensor) for p in params):
            groups = [{"params": params}]
        else:
            raise InputError("params", "tensors or parameter-group dicts {'params': [...], ...}", repr(params)[:80])
    if not any(g["params"] for g in groups):
        raise InputError("params", "at least one trainable parameter", "none")
    return groups


def _jsonable(obj):
    """What ``obj`` reads back as from JSON (tuples become lists), for comparing fingerprints."""
    import json

    return None if obj is None else json.loads(json.dumps(obj, default=str))
