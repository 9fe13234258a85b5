"""torchcde's ``misc`` module: the helpers its users and tests reach for, over sciml's own."""

from __future__ import annotations

import torch

from sciml.integrate.interpolation import TupleControl, forward_fill, tridiagonal_solve
from sciml.integrate.interpolation.base import validate_path

__all__ = ["cheap_stack", "tridiagonal_solve", "forward_fill", "validate_input_path", "TupleControl"]


def cheap_stack(tensors, dim):
    """``torch.stack``, with a view instead of a copy for a single tensor."""
    return tensors[0].unsqueeze(dim) if len(tensors) == 1 else torch.stack(tensors, dim=dim)


def validate_input_path(x, t):
    """Check observations and times; return the times (default ``0, 1, …, length − 1``)."""
    return validate_path(x, t)
