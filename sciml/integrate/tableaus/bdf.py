"""The variable-order BDF family (orders 1–5, NDF variant) as data: its coefficients per order.

A backward-differentiation formula of order ``k`` in backward-difference form, with the
numerical-differentiation-formula (NDF) modification of Shampine & Reichelt, reads

    Σ_{j=1..k} (1/j) ∇ʲy_{n+1} − κ_k γ_k (y_{n+1} − y⁽⁰⁾_{n+1}) = h f(t_{n+1}, y_{n+1}),

``γ_k = Σ_{j≤k} 1/j``, ``y⁽⁰⁾`` the extrapolation of the last ``k + 1`` points. With the
correction ``d = y_{n+1} − y⁽⁰⁾`` it becomes ``α_k d + Σ_{m=1..k} γ_m ∇ᵐy_n = h f(t_{n+1}, y⁽⁰⁾ + d)``,
``α_k = (1 − κ_k) γ_k``, and the local error is ``(κ_k γ_k + 1/(k+1)) d``. κ = 0 gives the
classic BDFs; the NDF values (Shampine & Reichelt 1997, Table 1) buy a 26% larger step at
order 1 for the same accuracy with little loss of stability (orders 1 and 2 stay
A-stable/L-stable; orders 3–5 are A(α)-stable with α = 80°, 66°, 51°).

Each order also has a small "tableau" for the loop's generic pieces: the stages a step
returns are the new backward differences ``∇ʲy_{n+1}/h`` (``j = 1..k``) and ``d/h``; the
embedded-error weights pick ``C_k d``; the dense weights are those of Newton's backward
interpolation polynomial over the step, ``y(t_n + θh) = y_n + ∇y_{n+1} θ
+ Σ_{j≥2} ∇ʲy_{n+1} binom(θ + j − 2, j)``, so dense output and events work unchanged.

References: L. F. Shampine and M. W. Reichelt, The MATLAB ODE suite, SIAM J. Sci. Comput.
18 (1997) 1–22 (NDFs, quasi-constant step size, order selection); E. Hairer and G. Wanner,
Solving ODEs II, III.1 and V.2 (stability of BDF).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from sciml.integrate.tableaus.base import DenseOutput, TensorCache

__all__ = ["BDFMethod", "BDFTensors", "BDF", "rescale_matrix"]

_NDF_KAPPA = (-0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0)


def _newton_backward_dense(k: int) -> list[list[float]]:
    """Coefficients of θ¹..θᵏ in the dense weights of ``∇¹..∇ᵏ`` (and a zero row for ``d``)."""
    rows = []
    for j in range(1, k + 1):
        # ∇¹: θ; ∇ʲ (j ≥ 2): binom(θ + j − 2, j) = Π_{m=0}^{j−1} (θ − 1 + m) / (m + 1)
        poly = np.polynomial.Polynomial([0.0, 1.0]) if j == 1 else np.polynomial.Polynomial([1.0])
        if j >= 2:
            for m in range(j):
                poly = poly * np.polynomial.Polynomial([m - 1.0, 1.0]) / (m + 1.0)
        coef = list(poly.coef) + [0.0] * (k + 1)
        rows.append([float(c) for c in coef[1:k + 1]])
    rows.append([0.0] * k)
    return rows


def rescale_matrix(k: int, rho: float) -> np.ndarray:
    """``T`` with ``∇'[0..k] = T ∇[0..k]``: the backward differences of the same interpolating
    polynomial at spacing ``ρh`` instead of ``h`` (quasi-constant step-size change)."""
    # values of Newton's backward polynomial at the new nodes s = −lρ, then their differences
    P = np.ones((k + 1, k + 1))
    for l in range(k + 1):
        s = -l * rho
        for j in range(1, k + 1):
            P[l, j] = P[l, j - 1] * (s + j - 1) / j
    Delta = np.array([[(-1.0) ** l * math.comb(i, l) if l <= i else 0.0 for l in range(k + 1)]
                      for i in range(k + 1)])
    return Delta @ P


class _OrderTensors:
    """What the loop's generic error estimate, dense output and events need for one order."""

    def __init__(self, k: int, error_const: float, dtype, device):
        self.order = k
        self.c = (0.0,) * (k + 1)
        self.extra_c = ()
        self.extra_a = []
        self.b_error = torch.tensor([0.0] * k + [error_const], dtype=dtype, device=device)
        self.dense_p = torch.tensor(_newton_backward_dense(k), dtype=dtype, device=device)
        self.dense_degree = k


class BDFTensors:
    """The coefficients of every order on one dtype/device."""

    def __init__(self, method: BDFMethod, dtype, device):
        K = method.max_order
        self.max_order = K
        self.gamma = [0.0] + [sum(1.0 / j for j in range(1, k + 1)) for k in range(1, K + 1)]
        kappa = (0.0,) + tuple(method.kappa)
        self.alpha = [(1.0 - kappa[k]) * self.gamma[k] for k in range(K + 1)]
        self.error_const = [kappa[k] * self.gamma[k] + 1.0 / (k + 1) for k in range(K + 1)]
        # one product with ∇⁰..∇ᵏ gives what a step needs of the history: the predictor y⁽⁰⁾ = Σ_{m≤k} ∇ᵐy_n,
        # y⁽⁰⁾ − ψ with ψ = Σ_{m=1..k} γ_m ∇ᵐy_n / α_k, and the partial sums Σ_{m=j..k} ∇ᵐy_n (j = 1..k) that
        # become the new differences ∇ʲy_{n+1} once the correction d is added
        self.history = [None] + [torch.tensor(self._history_rows(k), dtype=dtype, device=device)
                                 for k in range(1, K + 1)]
        self.orders = [None] + [_OrderTensors(k, self.error_const[k], dtype, device) for k in range(1, K + 1)]
        self.dtype, self.device = dtype, device

    def _history_rows(self, k: int) -> list[list[float]]:
        predictor = [1.0] * (k + 1)
        base = [1.0] + [1.0 - self.gamma[m] / self.alpha[k] for m in range(1, k + 1)]
        sums = [[1.0 if m >= j else 0.0 for m in range(k + 1)] for j in range(1, k + 1)]
        return [predictor, base] + sums


@dataclass(frozen=True)
class BDFMethod(TensorCache):
    """A variable-order backward-differentiation method: ``kappa[k−1]`` is order ``k``'s NDF κ."""

    name: str
    kappa: tuple[float, ...]
    reference: str = ""
    kind: str = "bdf"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    implicit = True
    adaptive = True
    fsal = False
    controller_order = 2  # the starting step is chosen for order 1
    dense = DenseOutput(order=1, coefficients=((1.0,),))  # per-order dense output lives in BDFTensors
    stability_bound = None

    @property
    def max_order(self) -> int:
        return len(self.kappa)

    @property
    def order(self) -> int:
        return self.max_order


BDFMethod._tensor_class = BDFTensors

BDF = BDFMethod("bdf", _NDF_KAPPA, reference="Shampine & Reichelt, SIAM J. Sci. Comput. 18 (1997) 1-22 (NDF)")
