"""Gradients with respect to the time points, for every gradient mode.

The solution at an output time ``t_i`` moves with it as ``∂y(t_i)/∂t_i = f(t_i, y(t_i))``,
and moving the start ``t_0`` is the same as moving the initial state by ``−f(t_0, y_0) δt_0``.
Both are attached with stop-gradient terms that are zero in value, so the forward result
is unchanged and autograd produces exactly these derivatives.
"""

from __future__ import annotations

import torch

__all__ = ["shift_initial_state", "attach_time_gradients"]


def shift_initial_state(y0: torch.Tensor, t0: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:
    """``y0 − (t0 − sg(t0)) f0``: the value of ``y0``, carrying ``∂/∂t0``."""
    delta = (t0 - t0.detach()).to(y0.dtype)
    return y0 - delta * f0.detach()


def attach_time_gradients(ys: torch.Tensor, t_out: torch.Tensor, fs: torch.Tensor) -> torch.Tensor:
    """``ys + (t − sg(t)) f(t, ys)``: output values unchanged, carrying ``∂/∂t_i``.

    ``ys``: ``(T, N)`` or ``(T, B, N)``; ``t_out``: ``(T,)`` or ``(T, B)``; ``fs`` like ``ys``.
    """
    delta = (t_out - t_out.detach()).to(ys.dtype)
    return ys + delta[..., None] * fs.detach()
