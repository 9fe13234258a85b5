"""``fit(model, data)``: train any model of :mod:`sciml.models` with the one training loop, :mod:`sciml.train`.

``fit`` only builds the loss closure and the data sampler and calls :class:`sciml.train.Trainer`,
so progress bars, checkpoints and resume, time budgets, L-BFGS phases, early stopping and several
processes come from there. The data says what is fitted:

- :class:`Trajectories` ``(t, y)``: ``model.trajectory(y[:, 0], t)`` against the observed
  trajectories (optionally by :class:`~sciml.models.MultipleShooting`);
- a pair ``(x, y)`` of tensors: ``model(x)`` against ``y`` (regression, classification, derivatives);
- one tensor ``x``: density estimation, ``−model.log_prob(x).mean()`` (a :class:`~sciml.models.CNF`);
- anything else with ``next()`` (a :class:`sciml.train.Batches`), with ``objective(model, batch)``.

Models that integrate penalties alongside the state (``NeuralODE(regularization=...)``, ``CNF``)
leave them in ``model.penalties`` after each solve; ``fit`` adds them to the loss and logs each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from sciml.errors import InputError
from sciml.models.shooting import MultipleShooting
from sciml.train import Adam, Batches, EarlyStopping, Trainer

__all__ = ["fit", "Trajectories", "trajectory_objective", "supervised_objective", "density_objective", "METRICS"]


def _mse(pred, target):
    return torch.mean((pred - target) ** 2)


def _mae(pred, target):
    return torch.mean(torch.abs(pred - target))


def _cross_entropy(logits, labels):
    return F.cross_entropy(logits, labels)


METRICS = {"mse": _mse, "mae": _mae, "cross_entropy": _cross_entropy}


@dataclass
class Trajectories:
    """Observed trajectories ``y (B, T, *state)`` at times ``t`` (``(T,)`` shared, or ``(B, T)`` each its own)."""

    t: torch.Tensor
    y: torch.Tensor

    def __post_init__(self):
        if not isinstance(self.y, torch.Tensor) or self.y.dim() < 3 or not self.y.is_floating_point():
            got = f"shape {tuple(self.y.shape)}" if isinstance(self.y, torch.Tensor) else type(self.y).__name__
            raise InputError("y", "a floating tensor of trajectories (B, T, *state)", got)
        if not isinstance(self.t, torch.Tensor):
            self.t = torch.as_tensor(self.t, dtype=self.y.dtype)
        B, T = self.y.shape[:2]
        if self.t.shape not in ((T,), (B, T)):
            raise InputError("t", f"times ({T},) or ({B}, {T}) matching y", f"shape {tuple(self.t.shape)}")
        if not bool(torch.isfinite(self.y).all()):
            raise InputError("y", "finite observations", "NaN or Inf")

    def batches(self, batch_size=None, seed=0) -> Batches:
        tensors = (self.y,) if self.t.dim() == 1 else (self.t, self.y)
        return Batches(*tensors, batch_size=batch_size, seed=seed)


def _with_penalties(model, loss, terms):
    penalties = getattr(model, "penalties", None) or {}
    if penalties:
        terms = dict(terms)
        terms.update(penalties)
        loss = loss + sum(penalties.values())
    return loss, terms


def trajectory_objective(t: torch.Tensor, metric, shooting: MultipleShooting | None = None):
    """``objective(model, batch)`` fitting ``model.trajectory`` to a batch of trajectories.

    ``batch`` is ``y (B, T, *d)`` (times ``t`` shared) or ``(t_b (B, T), y)``. Reusable by any
    model with ``trajectory(x0, t) -> (T, B, *d)`` (the UDE trainer's too)."""

    def objective(model, batch):
        t_b, y = (t, batch) if isinstance(batch, torch.Tensor) else batch
        if shooting is not None:
            loss, terms = shooting.loss(model, t_b, y, metric)
        else:
            times = t_b if t_b.dim() == 1 else t_b.T
            pred = model.trajectory(y[:, 0], times.to(y.device))
            target = y.movedim(1, 0)
            loss = metric(pred, target)
            terms = {"data": loss}
        return _with_penalties(model, loss, terms)

    return objective


def supervised_objective(metric):
    """``objective(model, (x, y))``: ``metric(model(x), y)`` plus the model's penalties."""

    def objective(model, batch):
        x, y = batch
        loss = metric(model(x), y)
        return _with_penalties(model, loss, {"data": loss})

    return objective


def density_objective():
    """``objective(model, x)``: the mean negative log-likelihood ``−log p(x)`` plus penalties."""

    def objective(model, batch):
        x = batch[0] if isinstance(batch, tuple) else batch
        nll = -model.log_prob(x).mean()
        return _with_penalties(model, nll, {"nll": nll})

    return objective


def fit(model, data, *, loss="mse", objective=None, steps: int = 500, lr: float = 1e-2, batch_size: int | None = None,
        phases=None, shooting: MultipleShooting | None = None, early_stopping=None, seed: int = 0,
        callbacks=(), progress: bool = False, log_every: int | None = None, **trainer_options):
    """Train ``model`` on ``data`` through :class:`sciml.train.Trainer`; returns its :class:`~sciml.train.TrainResult`.

    Parameters
    ----------
    model : an ``nn.Module`` (:class:`~sciml.models.NeuralODE`, :class:`~sciml.models.CNF`, ...).
    data : :class:`Trajectories`, a pair ``(x, y)``, one tensor ``x`` (density), or a sampler with
        ``next()`` (then ``objective`` is required).
    loss : ``"mse"``, ``"mae"``, ``"cross_entropy"`` or ``metric(pred, target)``, for trajectories and pairs.
    objective : ``objective(model, batch) -> loss or (loss, {term: value})``, replacing the default.
    steps, lr : the default phase, ``Adam(steps, lr=lr)``; ``phases`` replaces it (e.g. ``[Adam(300), LBFGS(50)]``).
    batch_size : rows (trajectories, pairs, samples) per step; None = all.
    shooting : :class:`~sciml.models.MultipleShooting` for long trajectories.
    early_stopping : stop when the logged loss has not improved for this many logs (or a
        :class:`sciml.train.EarlyStopping` with its ``min_delta``).
    seed : the batches' shuffling seed.
    callbacks, progress, log_every, **trainer_options : passed to :class:`sciml.train.Trainer`
        (``checkpoint=``, ``resume=``, ``budget=``, ``device=``, ``dtype=``, ``fingerprint=``, ...).
    """
    if not isinstance(model, torch.nn.Module):
        raise InputError("model", "a torch.nn.Module", type(model).__name__)
    metric = METRICS.get(loss) if isinstance(loss, str) else loss
    if not callable(metric):
        raise InputError("loss", f"one of {', '.join(METRICS)} or a callable metric(pred, target)", repr(loss))
    if shooting is not None and not isinstance(shooting, MultipleShooting):
        raise InputError("shooting", "a sciml.models.MultipleShooting", type(shooting).__name__)
    if objective is not None and not callable(objective):
        raise InputError("objective", "a callable objective(model, batch)", type(objective).__name__)
    sampler, default, kind = _sampler(model, data, metric, shooting, batch_size, seed)
    objective = objective or default
    if objective is None:
        raise InputError("objective", "objective(model, batch) for a custom sampler", None)
    callbacks = list(callbacks)
    if early_stopping is not None:
        callbacks.append(early_stopping if isinstance(early_stopping, EarlyStopping) else EarlyStopping(early_stopping))
    if phases is None:
        phases = [Adam(steps, lr=lr)]
    if log_every is None:
        lengths = [p.length for p in (phases if isinstance(phases, (list, tuple)) else [phases]) if p.length]
        log_every = max(1, min(50, math.ceil(sum(lengths) / 20) if lengths else 50))
    trainer_options.setdefault("fingerprint", {"model": type(model).__name__, "data": kind,
                                               "parameters": sum(p.numel() for p in model.parameters()),
                                               "shooting": None if shooting is None else [shooting.segment,
                                                                                          shooting.continuity]})
    return Trainer(model, lambda batch: objective(model, batch), data=sampler, phases=phases, callbacks=callbacks,
                   progress=progress, log_every=log_every, desc=f"fit {type(model).__name__}",
                   **trainer_options).fit()


def _sampler(model, data, metric, shooting, batch_size, seed):
    """(sampler, default objective, kind) for the forms of ``data``."""
    if isinstance(data, Trajectories):
        if not callable(getattr(model, "trajectory", None)):
            raise InputError("model", "a model with trajectory(x0, t) for Trajectories data", type(model).__name__)
        return data.batches(batch_size, seed), trajectory_objective(data.t, metric, shooting), "trajectories"
    if shooting is not None:
        raise InputError("shooting", "None unless data is Trajectories", type(shooting).__name__)
    if isinstance(data, torch.Tensor):
        if not callable(getattr(model, "log_prob", None)):
            raise InputError("data", "a pair (x, y), Trajectories, or one tensor for a model with log_prob",
                             f"one tensor for {type(model).__name__}")
        return Batches(data, batch_size=batch_size, seed=seed), density_objective(), "density"
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(d, torch.Tensor) for d in data):
        return Batches(*data, batch_size=batch_size, seed=seed), supervised_objective(metric), "pairs"
    if callable(getattr(data, "next", None)):
        return data, None, type(data).__name__
    raise InputError("data", "Trajectories(t, y), a pair (x, y) of tensors, one tensor, or a sampler with next()",
                     type(data).__name__)
