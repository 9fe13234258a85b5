"""Linear and rectilinear interpolation of (partially missing) observations.

The coefficients of a linear path are the observations themselves with their gaps filled
linearly; rectilinear interpolation (Morrill et al., "Neural controlled differential equations for
online prediction tasks", 2021) first moves time, then the channels, so the path at time ``t``
depends only on the observations up to ``t`` (causal), at the price of doubling the length.
"""

from __future__ import annotations

import warnings

import torch

from sciml.errors import InputError
from sciml.integrate.interpolation.base import PiecewisePath, default_times, validate_path
from sciml.integrate.interpolation.missing import fill_linear, forward_fill

__all__ = ["linear_interpolation_coeffs", "rectilinear_interpolation_coeffs", "LinearInterpolation"]


def linear_interpolation_coeffs(x: torch.Tensor, t: torch.Tensor | None = None, rectilinear: int | None = None):
    """Coefficients of the linear interpolation of ``x (..., length, channels)`` at times ``t``.

    NaN marks a missing value: it is filled linearly between the observations around it (held
    constant before the first and after the last). ``rectilinear``: the index of the channel of
    ``x`` that holds time; then the path is rectilinear (see
    :func:`rectilinear_interpolation_coeffs`). Pass the result to :class:`LinearInterpolation`.
    """
    if rectilinear is not None:
        x = _rectilinear_data(x, rectilinear)
    t = validate_path(x, t)
    return fill_linear(t, x)


def rectilinear_interpolation_coeffs(x: torch.Tensor, time_channel: int) -> torch.Tensor:
    """Coefficients of the rectilinear (causal) interpolation of ``x``, whose channel ``time_channel`` is time.

    Between observations ``i`` and ``i + 1`` the path first moves the time channel with every other
    channel held at its last observed value, then jumps the channels: ``2·length − 1`` knots at unit
    spacing. Missing values are forward-filled (causal).
    """
    return linear_interpolation_coeffs(x, rectilinear=time_channel)


def _rectilinear_data(x, time_channel) -> torch.Tensor:
    validate_path(x, None)
    channels = x.size(-1)
    if isinstance(time_channel, bool) or not isinstance(time_channel, int) or not 0 <= time_channel < channels:
        raise InputError("rectilinear", f"the index of the time channel, an integer in [0, {channels - 1}]",
                         repr(time_channel))
    if bool(torch.isnan(x[..., time_channel]).any()):
        raise InputError(f"x[..., {time_channel}]", "a time channel without NaN", "NaN times",
                         "if sequences are padded with NaN after their end, forward-fill their last time")
    if bool(torch.isnan(x[..., 0, :]).any()):
        warnings.warn("x begins with missing values in some channels; the rectilinear path fills them backwards "
                      "from the first observation, which is not causal. Fill each channel's first value "
                      "yourself (its mean is a common choice) if causality matters.", stacklevel=3)
    filled = forward_fill(x)
    doubled = filled.repeat_interleave(2, dim=-2)
    # knot 2i+1 has the next observation's time and the current observation's channels
    time_moved = torch.cat([doubled[..., 1:, time_channel], doubled[..., -1:, time_channel]], dim=-1)
    doubled = torch.cat([doubled[..., :time_channel], time_moved.unsqueeze(-1), doubled[..., time_channel + 1:]],
                        dim=-1)
    return doubled[..., :-1, :]


class LinearInterpolation(PiecewisePath):
    """The piecewise-linear path through the coefficients of :func:`linear_interpolation_coeffs`.

    ``t``: the times given to the coefficient function (default ``0, 1, …, length − 1``).
    """

    def __init__(self, coeffs: torch.Tensor, t: torch.Tensor | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(coeffs, torch.Tensor) or coeffs.dim() < 2 or coeffs.size(-2) < 2:
            raise InputError("coeffs", "linear_interpolation_coeffs(...) output: (..., length ≥ 2, channels)",
                             getattr(coeffs, "shape", type(coeffs).__name__))
        if t is None:
            t = default_times(coeffs.size(-2), coeffs)
        elif t.shape != (coeffs.size(-2),):
            raise InputError("t", f"the {coeffs.size(-2)} times the coefficients were computed at",
                             f"shape {tuple(t.shape)}")
        derivs = (coeffs[..., 1:, :] - coeffs[..., :-1, :]) / (t[1:] - t[:-1]).unsqueeze(-1)
        self._setup_knots(t, coeffs.size(-2) - 1, coeffs.dtype)
        self.register_buffer("_coeffs", coeffs)
        self.register_buffer("_derivs", derivs)

    def evaluate(self, t) -> torch.Tensor:
        frac, index = self._locate(t)
        if isinstance(index, int):
            return torch.addcmul(self._coeffs[..., index, :], self._derivs[..., index, :], frac)
        return self._coeffs[..., index, :] + frac.unsqueeze(-1) * self._derivs[..., index, :]

    def derivative(self, t) -> torch.Tensor:
        _, index = self._locate(t)
        return self._derivs[..., index, :]
