"""Loss weighting: fixed weights, learning-rate annealing and self-adaptive weights.

- fixed: ``weights={"dirichlet(u)": 10}`` (condition weights default to their ``weight=``);
- :class:`Annealing`: the learning-rate annealing of Wang, Teng & Perdikaris (2021):
  every ``every`` Adam steps each condition weight moves towards
  ``max|grad L_pde| / mean|grad L_i|`` with a moving average (``alpha``);
- :class:`SelfAdaptive`: the self-adaptive PINN of McClenny & Braga-Neto (2020): one
  trainable weight per point and term, raised by gradient *ascent* while the network
  descends, so hard points get more weight (frozen during L-BFGS).
"""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["Annealing", "SelfAdaptive", "make_weighting"]


class Annealing:
    """Learning-rate annealing (Wang, Teng & Perdikaris 2021, Algorithm 1)."""

    def __init__(self, every=100, alpha=0.9):
        if not isinstance(every, int) or every < 1:
            raise InputError("every", "a positive integer", every)
        if not 0 < alpha <= 1:
            raise InputError("alpha", "a number in (0, 1]", alpha)
        self.every, self.alpha = every, float(alpha)

    def update(self, loss_module, terms, params):
        pde = [lbl for g in loss_module.groups if g.kind == "pde" for lbl in g.labels]
        if not pde:
            return
        params = [p for p in params if p.requires_grad]
        g_r = torch.autograd.grad(sum(terms[lbl] for lbl in pde), params, retain_graph=True, allow_unused=True)
        top = max(float(g.abs().max()) for g in g_r if g is not None)
        for g in loss_module.groups:
            if g.kind == "pde":
                continue
            for i, label in enumerate(g.labels):
                grads = torch.autograd.grad(terms[label], params, retain_graph=True, allow_unused=True)
                flat = torch.cat([x.abs().flatten() for x in grads if x is not None])
                mean = float(flat.mean()) if flat.numel() else 0.0
                if mean > 0:
                    target = top / mean
                    g.weights[i] = (1 - self.alpha) * g.weights[i] + self.alpha * target

    def spec(self):
        return {"type": "Annealing", "every": self.every, "alpha": self.alpha}


class SelfAdaptive:
    """Self-adaptive per-point weights (McClenny & Braga-Neto 2020), trained by ascent with Adam."""

    def __init__(self, lr=5e-3):
        if not lr > 0:
            raise InputError("lr", "a positive learning rate", lr)
        self.lr = float(lr)

    def spec(self):
        return {"type": "SelfAdaptive", "lr": self.lr}


def make_weighting(weighting):
    if weighting is None or weighting == "fixed":
        return None
    if weighting == "annealing":
        return Annealing()
    if weighting in ("self-adaptive", "self_adaptive", "sa"):
        return SelfAdaptive()
    if isinstance(weighting, (Annealing, SelfAdaptive)):
        return weighting
    raise InputError("weighting", "'fixed', 'annealing', 'self-adaptive' or an Annealing/SelfAdaptive object",
                     repr(weighting))
