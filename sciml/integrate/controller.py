"""Step-size control: the initial step, and accept/reject plus the next step from an error ratio.

The PI controller follows Hairer, Nørsett & Wanner I, IV.2 and Gustafsson (1991):
``h_new = h · clip(safety · ε⁻ᵅ · ε_prev^β, dfactor, ifactor)`` with ``α = 1/k − 0.75 β``,
``k`` = (lower order of the embedded pair) + 1; no growth right after a rejection.
By default ``β = 0`` (integral control) and an accepted step is never followed by a
smaller one: on the non-stiff reference problems (decay, Lotka–Volterra, Van der Pol,
Kepler) this gave the fewest evaluations for a given accuracy, and it is torchdiffeq's
behaviour, so step sequences match theirs. ``beta=0.04`` gives Hairer's DOPRI5 PI gains.
:class:`PIController` works on Python floats (joint mode: one step size, no tensor
work per step); :class:`BatchPIController` on one step size per system.
"""

from __future__ import annotations

import math
import sys

import torch

__all__ = ["PIController", "BatchPIController", "initial_step", "initial_step_batch"]


class PIController:
    """Proportional–integral step-size controller on floats."""

    def __init__(self, order: int, safety: float = 0.9, ifactor: float = 10.0, dfactor: float = 0.2,
                 beta: float = 0.0, max_step: float = math.inf, shrink_after_accept: bool = False):
        self.safety = safety
        self.ifactor = ifactor
        self.dfactor = dfactor
        self.beta = beta
        self.alpha = 1.0 / order - 0.75 * beta
        self.max_step = max_step
        self.accept_floor = 0.0 if shrink_after_accept else 1.0
        self.prev = 1e-4

    def set_order(self, order: int) -> None:
        """A new method (``method="auto"`` switched): the exponent follows its order."""
        self.alpha = 1.0 / order - 0.75 * self.beta

    def propose(self, h: float, ratio: float, accepted: bool) -> float:
        if ratio != ratio or ratio == math.inf:  # NaN/Inf: shrink hard and try again
            factor = self.dfactor
        elif ratio == 0.0:
            factor = self.ifactor
        else:
            factor = self.safety * ratio ** -self.alpha * self.prev ** self.beta
            factor = min(self.ifactor, max(self.dfactor, factor))
        if accepted:
            self.prev = max(ratio, 1e-4)
            factor = max(factor, self.accept_floor)
        else:
            factor = min(factor, 1.0)
        h_new = h * factor
        if abs(h_new) > self.max_step:
            h_new = math.copysign(self.max_step, h_new)
        return h_new


class BatchPIController:
    """The same controller with one step size and one error history per system."""

    def __init__(self, order: int, batch: int, dtype: torch.dtype, device: torch.device,
                 safety: float = 0.9, ifactor: float = 10.0, dfactor: float = 0.2,
                 beta: float = 0.0, max_step: float = math.inf, shrink_after_accept: bool = False):
        self.safety = safety
        self.ifactor = ifactor
        self.dfactor = dfactor
        self.beta = beta
        self.alpha = 1.0 / order - 0.75 * beta
        self.max_step = max_step
        self.accept_floor = 0.0 if shrink_after_accept else 1.0
        self.prev = torch.full((batch,), 1e-4, dtype=dtype, device=device)

    def set_order(self, order: int) -> None:
        """A new method (``method="auto"`` switched): the exponent follows its order."""
        self.alpha = 1.0 / order - 0.75 * self.beta

    def propose(self, h: torch.Tensor, ratio: torch.Tensor, accepted: torch.Tensor) -> torch.Tensor:
        finite = torch.isfinite(ratio)
        safe = torch.where(finite & (ratio > 0), ratio, torch.ones_like(ratio))
        factor = self.safety * safe.pow(-self.alpha) * self.prev.pow(self.beta)
        factor = factor.clamp(self.dfactor, self.ifactor)
        factor = torch.where(ratio == 0, torch.full_like(factor, self.ifactor), factor)
        factor = torch.where(finite, factor, torch.full_like(factor, self.dfactor))
        factor = torch.where(accepted, factor.clamp(min=self.accept_floor), factor.clamp(max=1.0))
        self.prev = torch.where(accepted, ratio.clamp(min=1e-4), self.prev)
        h_new = h * factor
        if math.isfinite(self.max_step):
            h_new = h_new.clamp(-self.max_step, self.max_step)
        return h_new


def initial_step(term, t0: float, y0: torch.Tensor, f0: torch.Tensor, direction: float, order: int,
                 rtol, atol, norm, span: float) -> float:
    """Hairer's starting step (Hairer, Nørsett & Wanner I, II.4, algorithm of p. 169). One extra evaluation."""
    if span == 0:
        return 0.0
    with torch.no_grad():
        scale = atol + torch.abs(y0) * rtol
        d0 = float(norm(y0 / scale))
        d1 = float(norm(f0 / scale))
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        h0 = min(h0, abs(span))
        y1 = y0 + direction * h0 * f0
        f1 = term(t0 + direction * h0, y1)
        d2 = float(norm((f1 - f0) / scale)) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / order)
    # Hairer's 1%-of-|y0| guess collapses when |y0| is far below atol (a state crossing zero): keep the
    # step above the resolution of t, so that the controller can grow it instead of reporting underflow
    floor = 1e3 * sys.float_info.epsilon * max(abs(t0), min(abs(span), 1.0))
    return direction * max(min(100 * h0, h1, abs(span)), min(floor, abs(span)))


def initial_step_batch(term, t0: torch.Tensor, y0: torch.Tensor, f0: torch.Tensor, direction: torch.Tensor,
                       order: int, rtol, atol, norm, span: torch.Tensor) -> torch.Tensor:
    """:func:`initial_step` with one starting step per system (shape ``(B,)``)."""
    with torch.no_grad():
        scale = atol + torch.abs(y0) * rtol
        d0 = norm(y0 / scale)
        d1 = norm(f0 / scale)
        small = (d0 < 1e-5) | (d1 < 1e-5)
        h0 = torch.where(small, torch.full_like(d0, 1e-6), 0.01 * d0 / d1.clamp(min=1e-300))
        h0 = torch.minimum(h0, span.abs()).to(t0.dtype)
        h0 = torch.where(h0 > 0, h0, torch.full_like(h0, 1e-6))
        y1 = y0 + (direction * h0).to(y0.dtype)[:, None] * f0
        f1 = term(t0 + direction * h0, y1)
        d2 = norm((f1 - f0) / scale) / h0.to(d0.dtype)
        dmax = torch.maximum(d1, d2)
        h1 = torch.where(dmax <= 1e-15, (h0 * 1e-3).clamp(min=1e-6).to(d0.dtype),
                         (0.01 / dmax.clamp(min=1e-300)) ** (1.0 / order))
        h = torch.minimum(torch.minimum(100 * h0, h1.to(h0.dtype)), span.abs())
    return direction * h
