"""Vector-field building blocks: call-signature handling, augmentation, depth variance, data control.

Every field in :mod:`sciml.models` is called as ``field(t, x)``; :func:`as_field` wraps a
module or function of ``x`` alone. The blocks follow "Dissecting Neural ODEs" (S. Massaroli,
M. Poli, J. Park, A. Yamashita, H. Asama, NeurIPS 2020): depth-variant fields (the depth ``t``
as an input, :class:`DepthCat`, or weights that vary with it, :class:`DepthVaryingLinear`) and
data-controlled fields (the initial condition as an input, :class:`DataControl`); and augmented
neural ODEs (E. Dupont, A. Doucet, Y. W. Teh, NeurIPS 2019: :class:`Augmenter`).
"""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from sciml.errors import InputError

__all__ = ["as_field", "takes_time", "Augmenter", "DepthCat", "DepthVaryingLinear", "DataControl"]


def takes_time(func) -> bool:
    """Whether ``func`` (a module or a function) is called as ``func(t, x)`` rather than ``func(x)``."""
    target = func.forward if isinstance(func, nn.Module) else func
    try:
        params = [p for p in inspect.signature(target).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    except (TypeError, ValueError):  # builtins without a signature: assume (t, x)
        return True
    varargs = any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(target).parameters.values())
    return len(params) >= 2 or (varargs and not params)


class _TimeIgnored(nn.Module):
    """``(t, x) -> net(x)``: an autonomous field in the ``(t, x)`` convention."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, t, x):
        return self.net(x)


class _FunctionField(nn.Module):
    def __init__(self, func, with_time: bool):
        super().__init__()
        self.func, self.with_time = func, with_time

    def forward(self, t, x):
        return self.func(t, x) if self.with_time else self.func(x)


def as_field(vector_field) -> nn.Module:
    """``vector_field`` as a module called ``field(t, x)`` (wrapping ``f(x)`` and plain functions)."""
    if not callable(vector_field):
        raise InputError("vector_field", "an nn.Module or a callable f(t, x) or f(x)", type(vector_field).__name__)
    with_time = takes_time(vector_field)
    if isinstance(vector_field, nn.Module):
        return vector_field if with_time else _TimeIgnored(vector_field)
    return _FunctionField(vector_field, with_time)


class Augmenter(nn.Module):
    """Append ``augment_dims`` zeros (or ``augment_func(x)``) to the last dimension: ANODE's extra room.

    Use it before a :class:`~sciml.models.NeuralODE` whose field works on ``d + augment_dims``
    dimensions, and read out with a layer after it (``nn.Sequential(Augmenter(5), node, nn.Linear(7, 2))``).
    """

    def __init__(self, augment_dims: int = 5, augment_func: nn.Module | None = None, dim: int = -1):
        super().__init__()
        if isinstance(augment_dims, bool) or not isinstance(augment_dims, int) or augment_dims < 1:
            raise InputError("augment_dims", "a positive integer", repr(augment_dims))
        self.augment_dims, self.augment_func, self.dim = augment_dims, augment_func, dim

    def forward(self, x):
        if self.augment_func is not None:
            extra = self.augment_func(x).to(x)
        else:
            shape = list(x.shape)
            shape[self.dim] = self.augment_dims
            extra = x.new_zeros(shape)
        return torch.cat([x, extra], self.dim)


def _expand_time(t, x):
    """The depth ``t`` (0-dim, or one per system) as a column ``(..., 1)`` shaped like ``x[..., :1]``."""
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    if t.dim() == 1 and x.dim() > 1:  # independent batches: one time per system
        t = t.reshape(-1, *([1] * (x.dim() - 1)))
    return t.expand(*x.shape[:-1], 1)


class DepthCat(nn.Module):
    """A depth-variant field ``f(t, x) = net([x, t])``: the depth as one more input feature."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, t, x):
        return self.net(torch.cat([x, _expand_time(t, x)], -1))


class DepthVaryingLinear(nn.Module):
    """A linear layer whose weights are a Fourier series in the depth: ``W(t) = W_0 + Σ_k A_k cos(ω k t)
    + B_k sin(ω k t)``, ``ω = 2π / period`` (a Galerkin-style depth-variant layer, Massaroli et al. 2020).
    Called as ``layer(t, x)``; with one time per system (independent batches) each row has its own ``W``."""

    def __init__(self, in_features: int, out_features: int, harmonics: int = 2, period: float = 1.0):
        super().__init__()
        if isinstance(harmonics, bool) or not isinstance(harmonics, int) or harmonics < 0:
            raise InputError("harmonics", "a non-negative integer", repr(harmonics))
        if not period > 0:
            raise InputError("period", "a positive number", repr(period))
        self.harmonics, self.omega = harmonics, 2 * math.pi / period
        n = 2 * harmonics + 1
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(n, out_features, in_features).uniform_(-bound, bound) / math.sqrt(n))
        self.bias = nn.Parameter(torch.empty(n, out_features).uniform_(-bound, bound) / math.sqrt(n))

    def basis(self, t, like):
        t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
        k = torch.arange(1, self.harmonics + 1, dtype=like.dtype, device=like.device)
        arg = self.omega * t[..., None] * k
        return torch.cat([torch.ones_like(arg[..., :1]), torch.cos(arg), torch.sin(arg)], -1)  # (..., n)

    def forward(self, t, x):
        phi = self.basis(t, x)
        if phi.dim() == 1:
            W = torch.einsum("n,noi->oi", phi, self.weight)
            return x @ W.T + phi @ self.bias
        W = torch.einsum("bn,noi->boi", phi, self.weight)  # one time per row
        return torch.einsum("boi,bi->bo", W, x) + phi @ self.bias


class DataControl(nn.Module):
    """A data-controlled field ``f(t, x) = net([x, x0])``: the solve's initial condition as an input.

    :class:`~sciml.models.NeuralODE` sets ``control`` to the (detached) initial state before
    every solve: the control is data, fixed during the solve, as in Massaroli et al. (2020);
    gradients reach the input through ``x0`` itself, not through the control path.
    """

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net
        self.control = None

    def forward(self, t, x):
        if self.control is None:
            raise InputError("DataControl.control", "the initial condition, set by NeuralODE before the solve",
                             None, "call the field through a NeuralODE (or set .control yourself)")
        control = self.control
        if control.shape[:-1] != x.shape[:-1]:
            control = control.expand(*x.shape[:-1], control.shape[-1])
        return self.net(torch.cat([x, control], -1))
