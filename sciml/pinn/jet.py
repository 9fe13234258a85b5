"""Forward-mode (Taylor) propagation of first and second input derivatives through a network.

A :class:`Jet` carries a batch of hidden values ``value`` (N, w) with their derivatives
with respect to the input coordinates: ``D1`` (m, N, w), one first derivative per
requested direction, and ``D2`` (p, N, w), one second derivative per requested pair of
directions (index tensors ``pa``, ``pb`` into the first ones). A linear layer maps every
channel with a matmul; an activation applies the chain rule ``h' = s'(z) z'`` and
``h'' = s''(z) z'_a z'_b + s'(z) z''``. One forward pass thus yields the output and every
derivative a residual needs, and the loss gradient is a single first-order backward
pass instead of nested reverse-mode passes. This is the forward-mode ("forward
Laplacian", Li et al. 2023) alternative to autograd; :mod:`sciml.pinn.derivatives`
picks whichever is faster for the network and problem at hand.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["Jet", "ACTIVATIONS", "plain_activation"]


def _tanh(z):
    a = torch.tanh(z)
    a1 = 1 - a * a
    return a, a1, -2 * a * a1


def _sin(z):
    a = torch.sin(z)
    return a, torch.cos(z), -a


def _silu(z):
    s = torch.sigmoid(z)
    a = z * s
    ds = s * (1 - s)
    return a, s + z * ds, ds * (2 + z * (1 - 2 * s))


#: name -> function returning (s(z), s'(z), s''(z))
ACTIVATIONS = {"tanh": _tanh, "sin": _sin, "silu": _silu}
_PLAIN = {"tanh": torch.tanh, "sin": torch.sin, "silu": torch.nn.functional.silu}


def plain_activation(name):
    if name not in _PLAIN:
        raise InputError("activation", f"one of {', '.join(_PLAIN)}", repr(name))
    return _PLAIN[name]


class Jet:
    """Hidden values and their first (``D1``) and second (``D2``) input derivatives.

    ``D1``/``D2`` may have batch size 1 (broadcast) when they do not depend on the point,
    as right after the input layer.
    """

    __slots__ = ("value", "D1", "D2", "pa", "pb", "diagonal")

    def __init__(self, value, D1, D2, pa, pb, diagonal=False):
        self.value, self.D1, self.D2, self.pa, self.pb = value, D1, D2, pa, pb
        self.diagonal = diagonal

    @classmethod
    def input_layer(cls, X, weight, bias, first, pa, pb, scale=None):
        """The jet of ``z = X @ weight.T + bias``: constant first derivatives (the columns of
        ``weight`` times the input ``scale``), zero second derivatives."""
        value = torch.nn.functional.linear(X, weight, bias)
        W = weight if scale is None else weight * scale
        D1 = W[:, first].T.unsqueeze(1)  # (m, 1, w)
        D2 = torch.zeros((len(pa), 1, W.shape[0]), dtype=W.dtype, device=W.device)
        diagonal = bool(len(pa)) and bool(torch.equal(pa, pb))
        return cls(value, D1, D2, pa, pb, diagonal)

    def _like(self, value, D1, D2):
        return Jet(value, D1, D2, self.pa, self.pb, self.diagonal)

    def _products(self, A, B):
        if self.diagonal and A is B:
            return A[self.pa].square()
        return A[self.pa] * B[self.pb]

    def linear(self, weight, bias=None):
        value = torch.nn.functional.linear(self.value, weight, bias)
        D2 = self.D2 @ weight.T if len(self.pa) else self.D2
        return self._like(value, self.D1 @ weight.T, D2)

    def map(self, f, f1, f2):
        """Apply an elementwise function given its value ``f`` and derivatives ``f1``, ``f2``."""
        D1 = f1 * self.D1
        if len(self.pa):
            D2 = torch.addcmul(f1 * self.D2, f2, self._products(self.D1, self.D1))
        else:
            D2 = self.D2
        return self._like(f, D1, D2)

    def activate(self, name):
        return self.map(*ACTIVATIONS[name](self.value))

    def __mul__(self, other):
        u, v = self.value, other.value
        D1 = u * other.D1 + v * self.D1
        if len(self.pa):
            cross = self.D1[self.pa] * other.D1[self.pb] + self.D1[self.pb] * other.D1[self.pa]
            D2 = u * other.D2 + v * self.D2 + cross
        else:
            D2 = self.D2
        return self._like(u * v, D1, D2)

    def __add__(self, other):
        return self._like(self.value + other.value, self.D1 + other.D1, self.D2 + other.D2)

    def __sub__(self, other):
        return self._like(self.value - other.value, self.D1 - other.D1, self.D2 - other.D2)

    @staticmethod
    def concat(jets):
        """Join jets along the feature dimension."""
        first = jets[0]
        n = max(j.value.shape[0] for j in jets)

        def full(D):
            return D.expand(-1, n, -1) if D.shape[1] != n else D

        return first._like(torch.cat([j.value for j in jets], 1), torch.cat([full(j.D1) for j in jets], 2),
                           torch.cat([full(j.D2) for j in jets], 2))
