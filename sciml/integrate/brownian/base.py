"""What every Brownian object offers the SDE solvers: interval queries, and whole step grids at once.

A Brownian object is called as ``bm(ta, tb, return_U=False, return_A=False)`` (torchsde's protocol):
the increment ``W(tb) - W(ta)``, optionally with the space-time Lévy area in torchsde's ``U`` form
(``U = ∫_ta^tb (W_s - W_ta) ds``) and an approximation of the Lévy area ``A``. The solvers ask
:meth:`BaseBrownian.increments` for a whole fixed step grid in one call; objects that can sample a
grid jointly (:class:`~sciml.integrate.brownian.BrownianInterval`) override it, everything else
falls back to one query per step.
"""

from __future__ import annotations

import abc

import numpy as np
import torch

__all__ = ["BaseBrownian", "OwnBrownian", "LEVY_AREA_APPROXIMATIONS", "grid_increments", "mix_seed",
           "random_entropy"]

LEVY_AREA_APPROXIMATIONS = ("none", "space-time", "davie", "foster")

_MASK = (1 << 64) - 1


def mix_seed(*parts: int) -> int:
    """A 63-bit seed from integers, by splitmix64 (Steele, Lea & Flood 2014): cheap and well mixed."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (int(p) & _MASK)) & _MASK
        h = (h + 0x9E3779B97F4A7C15) & _MASK
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
        h ^= h >> 31
    return h >> 1


def random_entropy() -> int:
    """A fresh seed from numpy's global generator, as torchsde draws it (so ``np.random.seed`` fixes paths)."""
    return int(np.random.randint(0, 2 ** 31 - 1))  # noqa: NPY002 (the global generator is the point)


class BaseBrownian(metaclass=abc.ABCMeta):
    """The interface of torchsde's Brownian objects, plus :meth:`increments` for solvers."""

    __slots__ = ()

    @abc.abstractmethod
    def __call__(self, ta, tb=None, return_U=False, return_A=False):
        raise NotImplementedError

    @abc.abstractmethod
    def __repr__(self):
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def dtype(self):
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def device(self):
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def shape(self):
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def levy_area_approximation(self):
        raise NotImplementedError

    def size(self):
        return self.shape

    def increments(self, times, return_U: bool = False, return_A: bool = False):
        """Increments over the cells of a grid ``times`` (increasing floats): ``(W, U, A)`` stacked on a
        leading step axis, ``U``/``A`` None unless asked for."""
        return grid_increments(self, times, return_U, return_A)


class OwnBrownian(BaseBrownian):
    """A Brownian object that samples itself: its size, dtype, device and Lévy area are its own attributes."""

    @property
    def shape(self):
        return self._size

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def levy_area_approximation(self):
        return self._levy_area_approximation


def grid_increments(bm, times, return_U: bool = False, return_A: bool = False):
    """One query per cell, for any object with torchsde's call protocol."""
    Ws, Us, As = [], [], []
    for ta, tb in zip(times[:-1], times[1:]):
        out = bm(ta, tb, return_U=return_U, return_A=return_A)
        if not (return_U or return_A):
            Ws.append(out)
            continue
        out = list(out)
        Ws.append(out.pop(0))
        if return_U:
            Us.append(out.pop(0))
        if return_A:
            As.append(out.pop(0))
    return (torch.stack(Ws), torch.stack(Us) if return_U else None, torch.stack(As) if return_A else None)
