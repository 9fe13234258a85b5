"""The PINN's pieces of the shared training loop (:mod:`sciml.train`): the point sets as checkpointed
state, and callbacks for adaptive resampling, loss weighting and the learnable weights' ascent."""

from __future__ import annotations

import numpy as np
import torch

from sciml.errors import ModelFileError
from sciml.train import Callback, KeepBest
from sciml.train.phases import FirstOrderRun

__all__ = ["PointSets", "Resampling", "AnnealingUpdate", "SelfAdaptiveAscent", "problem_fingerprint"]


class PointSets:
    """The loss groups' points, weights and the sampling generator: the PINN's "sampler" state."""

    def __init__(self, loss_module, rng):
        self.loss, self.rng = loss_module, rng

    def state_dict(self):
        groups = [{"X": torch.from_numpy(np.ascontiguousarray(g.X)), "weights": [float(w) for w in g.weights],
                   "normals": None if g.normals is None else torch.from_numpy(np.ascontiguousarray(g.normals)),
                   "free": getattr(g, "free", None)} for g in self.loss.groups]
        return {"groups": groups, "rng": self.rng.bit_generator.state, "engine": self.loss.engine}

    def load_state_dict(self, state):
        groups = self.loss.groups
        if len(state["groups"]) != len(groups):
            raise ModelFileError(f"the checkpoint has {len(state['groups'])} loss groups, this problem {len(groups)}")
        for g, s in zip(groups, state["groups"]):
            g.X = s["X"].numpy()
            g.normals = None if s["normals"] is None else s["normals"].numpy()
            g.weights = list(s["weights"])
            if s["free"] is not None:
                g.free = s["free"]
        self.loss.set_groups(groups)
        self.rng.bit_generator.state = state["rng"]
        self.loss.force_engine(state["engine"])


class Resampling(Callback):
    """Adaptive collocation (RAR, RARD, RAD): every ``strategy.every`` Adam steps (not after the last)
    and between L-BFGS rounds, new points from the residual; the loss weights carry over."""

    def __init__(self, strategy, rebuild, best: KeepBest, ascent=None):
        self.strategy, self.rebuild, self.best, self.ascent = strategy, rebuild, best, ascent

    def _resample(self, trainer):
        self.rebuild()
        self.best.reset()  # losses on new points are not comparable
        if self.ascent is not None:
            self.ascent.restart()

    def on_step_end(self, trainer):
        run = trainer.phase_run
        if isinstance(run, FirstOrderRun) and self.strategy.every:
            it, steps = run.done, trainer.phase.steps
            if it % self.strategy.every == 0 and (steps is None or it < steps):
                self._resample(trainer)

    def on_round_end(self, trainer):
        self._resample(trainer)


class AnnealingUpdate(Callback):
    """Learning-rate annealing of the condition weights (Wang, Teng & Perdikaris 2021) during Adam."""

    def __init__(self, weighting, loss_module, network):
        self.weighting, self.loss, self.network = weighting, loss_module, network

    def on_loss(self, trainer, total, terms):
        run = trainer.phase_run
        if not isinstance(run, FirstOrderRun) or (run.done + 1) % self.weighting.every:
            return None
        self.weighting.update(self.loss, terms, list(self.network.parameters()))
        return sum(w * terms[lbl] for g in self.loss.groups for lbl, w in zip(g.labels, g.weights))


class SelfAdaptiveAscent(Callback):
    """The per-point weights of self-adaptive PINNs (McClenny & Braga-Neto 2020) climb by Adam ascent
    alongside each Adam step of the network; frozen during L-BFGS."""

    def __init__(self, weighting, loss_module):
        self.weighting, self.loss, self.optimizer = weighting, loss_module, None

    def restart(self):
        self.optimizer = torch.optim.Adam(self.loss.adaptive.parameters(), lr=self.weighting.lr, maximize=True)

    def on_phase_begin(self, trainer, phase):
        if isinstance(trainer.phase_run, FirstOrderRun):
            if self.optimizer is None:
                self.restart()
        else:
            for p in self.loss.adaptive.parameters():
                p.requires_grad_(False)

    def on_step_begin(self, trainer):
        self.optimizer.zero_grad(set_to_none=True)

    def on_optimizer_step(self, trainer):
        self.optimizer.step()

    def state_dict(self):
        return {"optimizer": None if self.optimizer is None else self.optimizer.state_dict()}

    def load_state_dict(self, state):
        if state["optimizer"] is not None:
            self.restart()
            self.optimizer.load_state_dict(state["optimizer"])


def problem_fingerprint(problem, network, options) -> dict:
    """What a checkpoint must share with the run resuming it: the problem's equations, conditions,
    variables, fields and parameters, the network and the options that shape the training state."""
    def text(e):
        return str(e) if not callable(e) else getattr(e, "__qualname__", type(e).__name__)

    return {"equations": [text(e) for e in problem.equations],
            "conditions": [f"{type(c).__name__}:{c.label}" for c in problem.conditions],
            "variables": [str(v) for v in problem.variables],
            "fields": [f.func.__name__ for f in problem.fields],
            "parameters": sorted(f"{p.name}:{'learnable' if p.learnable else 'fixed'}"
                                 for p in problem.parameters.values()),
            "network": network.spec() if hasattr(network, "spec") else type(network).__name__,
            **options}
