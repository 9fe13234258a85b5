"""Derivatives of network outputs with respect to the input coordinates.

A request is a set of ``(output, multi_index)`` pairs, a multi-index counting how often
each input variable is differentiated. Two engines serve it, both sharing intermediate
results across terms and equations:

- ``"jet"``: one forward-mode pass (:mod:`sciml.pinn.jet`) gives every derivative of order
  up to two of every output at once; higher orders continue by autograd from the
  second-order ones;
- ``"autograd"``: nested reverse mode, where one backward pass of an output gives its
  derivative in *every* input variable, cached and reused by all higher derivatives;
- ``"fused"``: for a plain tanh/sin MLP and derivatives of order up to two, the same
  forward-mode jet with a hand-written reverse pass (:mod:`sciml.pinn.mlp_jet`), so that
  autograd records one node for the whole network.

``"auto"`` times the engines the network allows on the actual points and keeps the fastest.
"""

from __future__ import annotations

import time

import torch

from sciml.errors import InputError
from sciml.pinn.mlp_jet import FUSED_ACTIVATIONS, fused_mlp_jet

__all__ = ["NetworkDerivatives", "order", "parent"]

ENGINES = ("auto", "jet", "autograd", "fused")


def order(alpha) -> int:
    return int(sum(alpha))


def parent(alpha):
    """(the multi-index with one fewer derivative in its last variable, that variable)."""
    i = max(k for k, a in enumerate(alpha) if a > 0)
    beta = list(alpha)
    beta[i] -= 1
    return tuple(beta), i


def _base(alpha):
    """Split alpha into an order <= 2 part (served by the jet) and the rest."""
    base, steps = [0] * len(alpha), []
    for i, a in enumerate(alpha):
        for _ in range(a):
            if sum(base) < 2:
                base[i] += 1
            else:
                steps.append(i)
    return tuple(base), steps


class NetworkDerivatives:
    """Compute a fixed request of derivatives of ``network`` at points ``X``.

    Calling it returns ``{(output, alpha): tensor of shape (N,)}``, the zero multi-index
    giving the outputs themselves.
    """

    def __init__(self, network, dim, request, engine="auto"):
        if engine not in ENGINES:
            raise InputError("derivatives", f"one of {', '.join(ENGINES)}", repr(engine))
        self.network = network
        self.dim = dim
        zero = (0,) * dim
        self.request = set(request) | {(k, zero) for k, _ in request}
        self.has_jet = hasattr(network, "jet")
        bases = {_base(a)[0] for _, a in self.request}
        first = sorted({i for b in bases for i, c in enumerate(b) if c > 0})
        pairs = sorted({tuple(i for i, c in enumerate(b) for _ in range(c)) for b in bases if order(b) == 2})
        self.first = first
        self.pairs = pairs
        self._pos = {i: n for n, i in enumerate(first)}
        self._pair_pos = {p: n for n, p in enumerate(pairs)}
        self.needs_input_grad = any(order(a) > 2 for _, a in self.request)
        self.max_order = max((order(a) for _, a in self.request), default=0)
        self._fused_pairs = tuple((self._pos[a], self._pos[b]) for a, b in pairs)
        self.has_fused = self._fused_layers() is not None
        candidates = [e for e, ok in (("jet", self.has_jet), ("fused", self.has_fused)) if ok]
        self.candidates = candidates + ["autograd"]
        self.engine = engine if engine != "auto" else self.candidates[0]
        if self.engine not in self.candidates:
            why = {"jet": "a network with a jet method",
                   "fused": "a plain tanh/sin MLP and derivatives of order 1 or 2"}[self.engine]
            raise InputError("derivatives", f"one of {', '.join(self.candidates)} ('{self.engine}' needs {why})",
                             repr(self.engine))
        self._auto = engine == "auto" and len(self.candidates) > 1

    def _fused_layers(self):
        """The network's layers when the fused engine can serve this request, else None."""
        plain = getattr(self.network, "plain_layers", None)
        if plain is None or self.needs_input_grad or not self.first:
            return None
        layers = plain()
        if layers is None or layers[2] not in FUSED_ACTIVATIONS:
            return None
        return layers

    def _index(self, device):
        pa = torch.tensor([self._pos[a] for a, _ in self.pairs], dtype=torch.long, device=device)
        pb = torch.tensor([self._pos[b] for _, b in self.pairs], dtype=torch.long, device=device)
        return pa, pb

    def choose(self, X, loss_of, repeats=3):
        """With ``engine="auto"``: time a loss evaluation and backward with each engine, keep the fastest."""
        if not self._auto:
            return self.engine
        # On one CPU thread, time that thread's CPU: other processes sharing the core then blur
        # the comparison far less than wall-clock time does.
        cpu = X.device.type == "cpu" and torch.get_num_threads() == 1
        clock = time.thread_time if cpu else time.perf_counter
        sync = torch.cuda.synchronize if X.device.type == "cuda" else (lambda: None)
        timings = {}
        for engine in self.candidates * 2:
            self.engine = engine
            sync()
            start = clock()
            for _ in range(repeats):
                loss = loss_of()
                loss.backward()
            sync()
            timings[engine] = min(timings.get(engine, float("inf")), clock() - start)
        self.engine = min(timings, key=timings.get)
        self._auto = False
        for p in self.network.parameters():
            p.grad = None
        return self.engine

    def __call__(self, X):
        if self.engine == "fused" and not X.requires_grad:
            return self._fused(X)
        if self.engine in ("jet", "fused") and self.has_jet:
            return self._jet(X)  # also the fused engine's fallback when X needs its own gradient
        return self._autograd(X)

    # --- engines ----------------------------------------------------------------------------------
    def _jet(self, X):
        if self.needs_input_grad and not X.requires_grad:
            X = X.detach().requires_grad_(True)
        pa, pb = self._index(X.device)
        J = self.network.jet(X, self.first, pa, pb)
        n = X.shape[0]
        out = {}
        for k, alpha in sorted(self.request, key=lambda r: order(r[1])):
            base, steps = _base(alpha)
            o = order(base)
            if o == 0:
                value = J.value[:, k]
            elif o == 1:
                value = J.D1[self._pos[base.index(1)]][:, k]
            else:
                pair = tuple(i for i, c in enumerate(base) for _ in range(c))
                value = J.D2[self._pair_pos[pair]][:, k]
            if value.shape[0] != n:
                value = value.expand(n)
            current = list(base)
            for i in steps:
                key = (k, tuple(current))
                grads = _grad(out.get(("_g", key)), value, X)
                out[("_g", key)] = grads
                current[i] += 1
                value = grads[:, i]
                out[(k, tuple(current))] = value
            out[(k, alpha)] = value
        return {key: v for key, v in out.items() if key[0] != "_g"}

    def _fused(self, X):
        weights, biases, activation = self._fused_layers()
        net = self.network
        Y = fused_mlp_jet(X, weights, biases, activation, self.first, self._fused_pairs,
                          getattr(net, "shift", None), getattr(net, "scale", None))
        m, fields = len(self.first), weights[-1].shape[0]
        out = {}
        for k, alpha in self.request:
            o = order(alpha)
            if o == 0:
                c = 0
            elif o == 1:
                c = 1 + self._pos[alpha.index(1)]
            else:
                c = 1 + m + self._pair_pos[tuple(i for i, a in enumerate(alpha) for _ in range(a))]
            out[(k, alpha)] = Y[c * fields + k]
        return out

    def _autograd(self, X):
        if not X.requires_grad:
            X = X.detach().requires_grad_(True)
        Y = self.network(X)
        zero = (0,) * self.dim
        out = {(k, zero): Y[:, k] for k in {k for k, _ in self.request}}
        grads = {}

        def get(k, alpha):
            if (k, alpha) in out:
                return out[(k, alpha)]
            beta, i = parent(alpha)
            if (k, beta) not in grads:
                grads[(k, beta)] = _grad(None, get(k, beta), X)
            out[(k, alpha)] = grads[(k, beta)][:, i]
            return out[(k, alpha)]

        for k, alpha in sorted(self.request, key=lambda r: order(r[1])):
            get(k, alpha)
        return out


def _grad(cached, value, X):
    if cached is not None:
        return cached
    if not torch.is_grad_enabled():
        raise RuntimeError("derivatives of network outputs need autograd enabled (not inside torch.no_grad)")
    if not value.requires_grad:
        return torch.zeros_like(X)
    (g,) = torch.autograd.grad(value.sum(), X, create_graph=True)
    return g
