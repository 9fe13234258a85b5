"""What every control path shares: the interface, input checks and the lookup of a time's piece.

A control path is an ``nn.Module`` with ``interval``, ``grid_points``, ``evaluate(t)`` and
``derivative(t)`` (torchcde's interface), built from coefficients that a ``*_coeffs`` function
computed once from the data: coefficients are a plain tensor, so they can be saved, batched by a
``DataLoader`` and moved between devices like any data set.
"""

from __future__ import annotations

import abc
import bisect

import torch

from sciml.errors import InputError

__all__ = ["InterpolationBase", "validate_path", "default_times", "PiecewisePath"]


class InterpolationBase(torch.nn.Module, metaclass=abc.ABCMeta):
    """The interface a control ``X`` of :func:`~sciml.integrate.cde.cdeint` provides."""

    @property
    @abc.abstractmethod
    def grid_points(self) -> torch.Tensor:
        """The knots (observation times) of the path."""

    @property
    @abc.abstractmethod
    def interval(self) -> torch.Tensor:
        """``tensor([t_start, t_end])``."""

    @abc.abstractmethod
    def evaluate(self, t) -> torch.Tensor:
        """``X(t)``, shape ``(..., *t.shape, channels)``."""

    @abc.abstractmethod
    def derivative(self, t) -> torch.Tensor:
        """``dX/dt(t)``, shape ``(..., *t.shape, channels)``."""


def default_times(length: int, like: torch.Tensor) -> torch.Tensor:
    """``0, 1, …, length − 1``: the times used when none are given."""
    return torch.linspace(0, length - 1, length, dtype=like.dtype, device=like.device)


def validate_path(x, t, name: str = "x") -> torch.Tensor:
    """Check observations ``x (..., length, channels)`` and times ``t (length,)``; return the times."""
    if not isinstance(x, torch.Tensor):
        raise InputError(name, "a tensor of observations (..., length, channels)", type(x).__name__)
    if not x.is_floating_point():
        raise InputError(name, "a floating-point tensor", x.dtype, "NaN marks a missing value, so use float")
    if x.dim() < 2:
        raise InputError(name, "at least two dimensions (..., length, channels)", f"shape {tuple(x.shape)}")
    if t is None:
        t = default_times(x.size(-2), x)
    if not isinstance(t, torch.Tensor):
        raise InputError("t", "a 1-D tensor of observation times", type(t).__name__)
    if not t.is_floating_point():
        raise InputError("t", "a floating-point tensor", t.dtype)
    if t.dim() != 1:
        raise InputError("t", "a 1-D tensor", f"shape {tuple(t.shape)}")
    if t.size(0) != x.size(-2):
        raise InputError("t", f"one time per observation ({x.size(-2)}, the length of {name}'s dimension -2)",
                         t.size(0))
    if t.size(0) < 2:
        raise InputError(name, "at least two observations along dimension -2", t.size(0))
    if not bool(torch.isfinite(t).all()):
        raise InputError("t", "finite times (a missing observation is a NaN in x, not in t)", "NaN or Inf")
    if not bool((t[1:] > t[:-1]).all()):
        raise InputError("t", "strictly increasing times", "repeated or decreasing values")
    return t


class PiecewisePath(InterpolationBase):
    """A path that is one polynomial per knot interval: finds the piece of a time.

    A time on a knot belongs to the piece on its left; times outside the interval extend the
    first or last piece. A scalar CPU time (what a solver passes) is looked up with a bisection
    on the cached knots and the coefficients are sliced as views; any other ``t`` uses
    ``torch.bucketize`` (no host sync on an accelerator).
    """

    def _setup_knots(self, t: torch.Tensor, n_pieces: int, value_dtype: torch.dtype) -> None:
        self.register_buffer("_t", t)
        self._value_dtype = value_dtype  # times are cast to the coefficients' dtype, as torchcde does
        self._n_pieces = n_pieces
        self._knots = t.detach().cpu().tolist() if t.device.type == "cpu" else None

    @property
    def grid_points(self) -> torch.Tensor:
        return self._t

    @property
    def interval(self) -> torch.Tensor:
        return torch.stack([self._t[0], self._t[-1]])

    def _interpret_t(self, t):
        """``(fractional part, piece index)`` of ``t``, both tensors shaped like ``t`` (torchcde's lookup)."""
        t = torch.as_tensor(t, dtype=self._value_dtype, device=self._t.device)
        index = torch.bucketize(t.detach(), self._t.detach()).sub(1).clamp(0, self._n_pieces - 1)
        return t - self._t[index], index

    def _locate(self, t):
        """:meth:`_interpret_t`, with an int index (coefficients sliced as views) for a scalar CPU time."""
        if self._knots is not None and (not isinstance(t, torch.Tensor) or (t.dim() == 0 and t.device.type == "cpu")):
            t = torch.as_tensor(t, dtype=self._value_dtype)
            index = min(max(bisect.bisect_left(self._knots, float(t.detach())) - 1, 0), self._n_pieces - 1)
            return t - self._t[index], index
        return self._interpret_t(t)

    def _apply(self, fn, *args, **kwargs):  # .to(device) etc.: the cached knots follow the buffer
        out = super()._apply(fn, *args, **kwargs)
        self._knots = self._t.detach().cpu().tolist() if self._t.device.type == "cpu" else None
        return out
