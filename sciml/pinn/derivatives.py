"""Derivatives of network outputs with respect to the input coordinates.

A request is a set of ``(output, multi_index)`` pairs, a multi-index counting how often
each input variable is differentiated. Two engines serve it, both sharing intermediate
results across terms and equations:

- ``"jet"``: one forward-mode pass (:mod:`sciml.pinn.jet`) gives every derivative of order
  up to two of every output at once; higher orders continue by autograd from the
  second-order ones;
- ``"autograd"``: nested reverse mode, where one backward pass of an output gives its
  derivative in *every* input variable, cached and reused by all higher derivatives.

``"auto"`` times both on the actual points and keeps the faster one.
"""

from __future__ import annotations

import time

import torch

from sciml.errors import InputError

__all__ = ["NetworkDerivatives", "order", "parent"]

ENGINES = ("auto", "jet", "autograd")


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
        self.engine = engine if engine != "auto" else ("jet" if self.has_jet else "autograd")
        if self.engine == "jet" and not self.has_jet:
            raise InputError("derivatives", "'autograd' for a network without a jet method", "'jet'")
        self._auto = engine == "auto" and self.has_jet
        bases = {_base(a)[0] for _, a in self.request}
        first = sorted({i for b in bases for i, c in enumerate(b) if c > 0})
        pairs = sorted({tuple(i for i, c in enumerate(b) for _ in range(c)) for b in bases if order(b) == 2})
        self.first = first
        self.pairs = pairs
        self._pos = {i: n for n, i in enumerate(first)}
        self._pair_pos = {p: n for n, p in enumerate(pairs)}
        self.needs_input_grad = any(order(a) > 2 for _, a in self.request)
        self.max_order = max((order(a) for _, a in self.request), default=0)

    def _index(self, device):
        pa = torch.tensor([self._pos[a] for a, _ in self.pairs], dtype=torch.long, device=device)
        pb = torch.tensor([self._pos[b] for _, b in self.pairs], dtype=torch.long, device=device)
        return pa, pb

    def choose(self, X, loss_of, repeats=3):
        """With ``engine="auto"``: time a loss evaluation and backward with each engine, keep the faster."""
        if not self._auto:
            return self.engine
        timings = {}
        for engine in ("jet", "autograd", "jet", "autograd"):
            self.engine = engine
            start = time.perf_counter()
            for _ in range(repeats):
                loss = loss_of()
                loss.backward()
            timings[engine] = min(timings.get(engine, float("inf")), time.perf_counter() - start)
        self.engine = min(timings, key=timings.get)
        self._auto = False
        for p in self.network.parameters():
            p.grad = None
        return self.engine

    def __call__(self, X):
        if self.engine == "jet":
            return self._jet(X)
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
