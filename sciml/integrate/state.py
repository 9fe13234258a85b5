"""Flatten a state (a tensor or a tuple of tensors) to one vector per system, and back.

The solver works on a flat ``(N,)`` state (joint mode) or a ``(B, N)`` state
(independent-batch mode); users keep their shapes, a scalar (0-dim) state included
(shape ``()``, one component). Done once at the API boundary and in the function
wrapper, with no copy for the common single-tensor case.
"""

from __future__ import annotations

import math

import torch

__all__ = ["StatePacker"]


class StatePacker:
    """Maps between a user's state layout and the solver's flat one.

    ``batch_dims`` is 0 for joint mode (one flat vector) and 1 for independent mode
    (leading batch dimension kept).
    """

    def __init__(self, y0: torch.Tensor | tuple[torch.Tensor, ...], batch_dims: int):
        self.is_tuple = isinstance(y0, tuple)
        tensors = y0 if self.is_tuple else (y0,)
        self.batch_dims = batch_dims
        self.batch_shape = tuple(tensors[0].shape[:batch_dims])
        self.shapes = [tuple(x.shape[batch_dims:]) for x in tensors]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.size = sum(self.sizes)
        # a single tensor that is already flat needs no view at all
        self.identity = not self.is_tuple and len(self.shapes[0]) == 1
        self._flat_shape = self.batch_shape + (self.size,)

    @property
    def user_shape(self):
        """Shape of the state as the user gave it (tuple of shapes for tuple states)."""
        shapes = [self.batch_shape + s for s in self.shapes]
        return tuple(shapes) if self.is_tuple else shapes[0]

    def pack(self, y) -> torch.Tensor:
        if self.identity:
            return y
        lead = self.batch_shape
        if not self.is_tuple:
            return y.reshape(self._flat_shape)
        return torch.cat([x.reshape((*lead, n)) for x, n in zip(y, self.sizes)], dim=-1)

    def unpack(self, flat: torch.Tensor):
        if self.identity:
            return flat
        lead = flat.shape[:-1]
        if not self.is_tuple:
            shape = self.shapes[0]
            # view(*sizes) is the fast call, but a scalar state has no sizes: view() alone is an error
            return flat.view(*lead, *shape) if shape else flat.view(lead)
        parts = torch.split(flat, self.sizes, dim=-1)
        return tuple(p.reshape((*lead, *s)) for p, s in zip(parts, self.shapes))

    def unpack_series(self, flat: torch.Tensor):
        """Unpack a stack of states ``(T, [B,] N)``, keeping the leading time dimension."""
        if self.identity:
            return flat
        lead = flat.shape[:-1]
        if not self.is_tuple:
            return flat.reshape((*lead, *self.shapes[0]))
        parts = torch.split(flat, self.sizes, dim=-1)
        return tuple(p.reshape((*lead, *s)) for p, s in zip(parts, self.shapes))

    def segments(self) -> list[tuple[int, int]]:
        """(start, stop) of each tensor of a tuple state within the flat vector."""
        out, start = [], 0
        for n in self.sizes:
            out.append((start, start + n))
            start += n
        return out
