"""Regularisers integrated alongside the state: kinetic energy and the Jacobian's Frobenius norm.

"How to train your neural ODE" (C. Finlay, J.-H. Jacobsen, L. Nurbekyan, A. Oberman, ICML 2020)
adds to the loss

    λ_K ∫ ‖f(t, x)‖² dt   and   λ_J ∫ ‖∂f/∂x‖_F² dt,

both integrated by the same solve as the state (two more channels of an augmented state); the
Frobenius norm is estimated with one Hutchinson probe ``ε ~ N(0, I)`` per solve,
``‖∂f/∂x‖_F² ≈ ‖εᵀ ∂f/∂x‖²``. Both terms favour straight, smooth trajectories, which an
adaptive solver covers with fewer steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sciml.errors import InputError

__all__ = ["Regularization", "PenalizedField", "per_sample_sum", "probe"]


@dataclass(frozen=True)
class Regularization:
    """Weights of the kinetic-energy and Jacobian-norm penalties (0 leaves a term out).

    ``noise``: the Hutchinson probe, ``"gaussian"`` (as the paper) or ``"rademacher"``.
    """

    kinetic: float = 0.0
    jacobian: float = 0.0
    noise: str = "gaussian"

    def __post_init__(self):
        for name in ("kinetic", "jacobian"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise InputError(name, "a non-negative weight", repr(v))
        if self.noise not in ("gaussian", "rademacher"):
            raise InputError("noise", "'gaussian' or 'rademacher'", repr(self.noise))

    @property
    def active(self) -> bool:
        return self.kinetic > 0 or self.jacobian > 0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in ("kinetic", "jacobian") if getattr(self, n) > 0)

    def terms(self, integrals: torch.Tensor) -> dict:
        """``{name: weight · batch mean of the integral}`` from the channels ``(..., len(names))``."""
        flat = integrals.reshape(-1, len(self.names))
        return {n: getattr(self, n) * flat[:, i].mean() for i, n in enumerate(self.names)}


def per_sample_sum(v: torch.Tensor) -> torch.Tensor:
    """Σ over all but the leading (batch) dimension; a 1-D state is one sample."""
    return (v * v).sum() if v.dim() <= 1 else (v * v).reshape(v.shape[0], -1).sum(-1)


def probe(x: torch.Tensor, kind: str, generator=None) -> torch.Tensor:
    """A Hutchinson probe shaped like ``x``: Gaussian or Rademacher (±1)."""
    e = torch.randn(x.shape, dtype=x.dtype, device=x.device, generator=generator)
    return e if kind == "gaussian" else torch.sign(e)


class PenalizedField:
    """``(t, (x, r)) -> (f, [‖f‖², ‖εᵀ∂f/∂x‖²])``: the field with the penalty channels.

    ``noise`` is fixed for one solve (set by the model before it), so the forward and the
    adjoint solves see the same estimator. A plain callable: the model registers the field.
    """

    def __init__(self, field, reg: Regularization):
        self.field, self.reg = field, reg
        self.noise = None

    def initial(self, x):
        shape = (len(self.reg.names),) if x.dim() <= 1 else (x.shape[0], len(self.reg.names))
        return x.new_zeros(shape)

    def __call__(self, t, state):
        x = state[0]
        create = torch.is_grad_enabled()
        want_jac = self.reg.jacobian > 0
        with torch.enable_grad():
            if want_jac and not x.requires_grad:
                x = x.detach().requires_grad_(True)
            f = self.field(t, x)
            cols = []
            if self.reg.kinetic > 0:
                cols.append(per_sample_sum(f))
            if want_jac:
                vjp = torch.autograd.grad(f, x, self.noise, create_graph=create, allow_unused=True)[0]
                cols.append(per_sample_sum(torch.zeros_like(x) if vjp is None else vjp))
        r = torch.stack(cols, -1)
        if not create:
            f, r = f.detach(), r.detach()
        return f, r
