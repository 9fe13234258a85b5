"""Hermite cubic interpolation with backward differences: smooth and causal (Kidger et al. 2020, torchcde).

On ``[t_i, t_{i+1}]`` the cubic matches the observations at both ends, its slope at ``t_{i+1}``
is the interval's own difference quotient and its slope at ``t_i`` the previous interval's (the
first interval uses its own), so the derivative is continuous and the path up to ``t_{i+1}``
uses no observation after ``t_{i+1}``: suited to online prediction.
"""

from __future__ import annotations

import torch

from sciml.integrate.interpolation.base import validate_path
from sciml.integrate.interpolation.cubic import cubic_coeffs
from sciml.integrate.interpolation.missing import fill_linear

__all__ = ["hermite_cubic_coefficients_with_backward_differences"]


def hermite_cubic_coefficients_with_backward_differences(x: torch.Tensor, t: torch.Tensor | None = None):
    """Cubic coefficients (for :class:`~sciml.integrate.interpolation.CubicSpline`) of ``x (..., length, channels)``.

    NaN marks a missing value; gaps are filled linearly first (as for linear interpolation).
    """
    t = validate_path(x, t)
    x = fill_linear(t, x)
    dt = (t[1:] - t[:-1]).unsqueeze(-1)
    dx = x[..., 1:, :] - x[..., :-1, :]
    slope = dx / dt  # the slope at each interval's right end
    start = torch.cat([slope[..., :1, :], slope[..., :-1, :]], dim=-2)  # at its left end: the interval before
    gap = (slope - start) / dt
    # with s the time into the interval: x_i + start·s + 2 gap·s² − gap/dt·s³
    return cubic_coeffs(x[..., :-1, :], start, 4 * gap, -3 * gap / dt)
