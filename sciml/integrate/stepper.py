"""One generic explicit Runge–Kutta step over any Butcher tableau, and its dense output.

The same routine serves joint mode (state ``(N,)``, step ``h`` a Python float) and
independent-batch mode (state ``(B, N)``, ``h`` a ``(B, 1)`` tensor, time ``(B,)``).
Stages are combined with one matrix–vector product each, so a step costs a few
tensor operations per stage whatever the number of nonzero coefficients.
"""

from __future__ import annotations

import torch

from sciml.integrate.tableaus.base import TableauTensors

__all__ = ["combine", "stage_time", "rk_step", "extend_stages", "dense_weights", "dense_combine"]


def combine(y: torch.Tensor, ks: list[torch.Tensor], weights: torch.Tensor, h) -> torch.Tensor:
    """``y + h Σ_j w_j k_j``."""
    if isinstance(h, float):
        # stages stacked as rows: contiguous copies, and a column-major matrix for BLAS
        return torch.addmv(y, torch.stack(ks).T, weights, alpha=h)
    K = torch.stack(ks, dim=-1)  # (B, N, j)
    # multiply-and-sum rather than matmul: BLAS kernels round differently for different batch
    # sizes, and a system's answer must not depend on the rest of its batch
    return torch.addcmul(y, h, (K * weights).sum(-1))


def stage_time(t, c: float, h_vec):
    """``t + c h`` for a float time or a per-system time tensor."""
    if isinstance(t, float):
        return t + c * h_vec
    return torch.add(t, h_vec, alpha=c)


def rk_step(term, tab: TableauTensors, fsal: bool, t, y: torch.Tensor, h, h_vec, k1: torch.Tensor):
    """Advance one step from ``(t, y)`` with size ``h``; return ``(y1, stages)``.

    ``h`` is what multiplies the state (float, or ``(B, 1)``), ``h_vec`` what is added to
    time (float, or ``(B,)``). ``k1`` is ``f(t, y)``, computed by the caller so that an
    FSAL stage or a rejected step's first stage can be reused.
    """
    ks = [k1]
    c, a = tab.c, tab.a
    yi = y
    for i in range(1, len(c)):
        yi = combine(y, ks, a[i], h)
        ks.append(term(stage_time(t, c[i], h_vec), yi))
    if fsal:
        y1 = yi  # the last stage was evaluated at y1 itself
    else:
        y1 = combine(y, ks, tab.b, h)
    return y1, ks


def extend_stages(term, tab: TableauTensors, t, y: torch.Tensor, h, h_vec, ks: list[torch.Tensor]):
    """Evaluate the extra stages the continuous extension needs (in place on ``ks``)."""
    for c, a in zip(tab.extra_c, tab.extra_a):
        if len(ks) >= len(tab.c) + len(tab.extra_c):
            break
        ks.append(term(stage_time(t, c, h_vec), combine(y, ks, a, h)))
    return ks


def dense_weights(tab: TableauTensors, theta: torch.Tensor) -> torch.Tensor:
    """``b_i(θ)`` for a tensor of θ: shape ``(*theta.shape, stages)``."""
    powers = torch.stack([theta ** (j + 1) for j in range(tab.dense_degree)], dim=-1)
    return (powers[..., None, :] * tab.dense_p).sum(-1)  # not matmul: same rounding at any batch size


def dense_combine(y: torch.Tensor, ks: list[torch.Tensor], weights: torch.Tensor, h) -> torch.Tensor:
    """Joint mode: ``y + h Σ_i b_i(θ_m) k_i`` for ``m`` output times at once → ``(m, N)``."""
    return torch.addmm(y, weights, torch.stack(ks), alpha=h)  # (m, S) @ (S, N)


class ExplicitStepper:
    """The explicit methods behind the steppers' common interface.

    ``step(t, y, h, h_vec, k1) -> (y1, stages, failed)``; ``failed`` is always ``None`` here
    (an explicit step cannot fail; NaN/Inf shows up in the error estimate instead).
    """

    implicit = False

    def __init__(self, term, method, dtype, device):
        self.term = term
        self.method = method
        self.tab = method.tensors(dtype, device)
        self.fsal = method.fsal
        self.k1 = None
        self.retry = 1.0

    def step(self, t, y, h, h_vec, k1):
        if k1 is None:
            k1 = self.term(t, y)
        self.k1 = k1
        y1, ks = rk_step(self.term, self.tab, self.fsal, t, y, h, h_vec, k1)
        return y1, ks, None

    def after(self, accepted, h, t=None):
        return None

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        k1 = self.term(t, y)
        return rk_step(self.term, self.tab, self.fsal, t, y, h, h_vec, k1)

    def stats(self) -> dict:
        return {}


__all__ += ["ExplicitStepper"]
