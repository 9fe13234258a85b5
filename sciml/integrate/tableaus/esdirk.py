"""Singly diagonally implicit Runge–Kutta methods with an explicit first stage (ESDIRK), as data.

An ESDIRK method has a lower-triangular ``A`` whose first row is zero (the first stage
is ``f(t0, y0)``, explicit) and whose other diagonal entries all equal ``γ``, so every
implicit stage solves ``Y_i = y0 + h Σ_{j<i} a_ij k_j + hγ f(t0 + c_i h, Y_i)`` with the
same matrix ``I − hγJ``: one LU factorisation serves every stage (and every step with
the same ``h`` and Jacobian). The stepping routine is :func:`sciml.integrate.implicit.dirk_step`.

Kværnø's methods are stiffly accurate (``b`` is the last row of ``A``, so ``y1`` is the
last stage value and ``f(t1, y1)`` is the last stage: first same as last) and so is their
embedded method (the second-to-last stage), which makes the error estimate
``Y_s − Y_{s−1}`` damp stiff components instead of amplifying them; both are L-stable.

Reference: A. Kværnø, Singly diagonally implicit Runge–Kutta methods with an explicit
first stage, BIT Numer. Math. 44 (2004) 489–502. Stage predictors (extrapolations of the
earlier stage derivatives that start each Newton iteration) as in OrdinaryDiffEq.jl and
diffrax.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from sciml.integrate.tableaus.base import DenseOutput, TensorCache, hermite_dense_output

__all__ = ["DIRKTableau", "KVAERNO3", "KVAERNO5"]


@dataclass(frozen=True)
class DIRKTableau(TensorCache):
    """A diagonally implicit Runge–Kutta method with an explicit first stage.

    ``a``: the lower triangle *including* the diagonal, row ``i`` holding ``i + 1`` weights
    (row 0 is ``(0.0,)``: explicit first stage); every later diagonal entry is ``gamma``.
    ``b_error``: solution weights minus embedded weights. ``predictor``: row ``i`` (``i ≥ 1``)
    holds ``i`` weights extrapolating ``f(Y_i) ≈ Σ_j p_ij k_j`` for the Newton starting value.
    """

    name: str
    order: int
    error_order: int
    c: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    b_error: tuple[float, ...]
    predictor: tuple[tuple[float, ...], ...]
    dense: DenseOutput
    reference: str = ""
    kind: str = "dirk"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        s = len(self.c)
        if len(self.a) != s or any(len(row) != i + 1 for i, row in enumerate(self.a)):
            raise ValueError(f"{self.name}: a must be lower triangular (with diagonal) with {s} rows")
        if self.a[0] != (0.0,):
            raise ValueError(f"{self.name}: the first stage must be explicit")
        if len({row[-1] for row in self.a[1:]}) != 1:
            raise ValueError(f"{self.name}: every implicit stage needs the same diagonal entry")
        if len(self.b) != s or len(self.b_error) != s:
            raise ValueError(f"{self.name}: b and b_error need {s} weights")
        if len(self.predictor) != s or any(len(row) != i for i, row in enumerate(self.predictor)):
            raise ValueError(f"{self.name}: predictor rows need 0, 1, ..., {s - 1} weights")

    implicit = True
    adaptive = True

    @property
    def stages(self) -> int:
        return len(self.c)

    @property
    def gamma(self) -> float:
        return self.a[1][-1]

    @property
    def stiffly_accurate(self) -> bool:
        return tuple(self.a[-1]) == tuple(self.b)

    @property
    def fsal(self) -> bool:
        """Stiffly accurate with ``c_s = 1``: the last stage derivative is ``f(t1, y1)``."""
        return self.stiffly_accurate and self.c[-1] == 1.0

    @property
    def controller_order(self) -> int:
        return min(self.order, self.error_order) + 1

    def full_a(self) -> np.ndarray:
        """``A`` as a dense ``(s, s)`` array (for order-condition checks)."""
        s = self.stages
        A = np.zeros((s, s))
        for i, row in enumerate(self.a):
            A[i, : len(row)] = row
        return A


class DIRKTensors:
    """A DIRK tableau's coefficients on one dtype/device (the layout the stepper and dense output use)."""

    def __init__(self, tab: DIRKTableau, dtype: torch.dtype, device: torch.device):
        def t(values):
            return torch.tensor(values, dtype=dtype, device=device)

        self.c = tab.c
        self.gamma = tab.gamma
        self.a = [None] + [t(row[:-1]) for row in tab.a[1:]]  # the explicit part of each stage
        self.predictor = [None] + [t(row) for row in tab.predictor[1:]]
        self.b = t(tab.b)
        self.b_error = t(tab.b_error)
        self.extra_c, self.extra_a = (), []
        self.dense_p = t(tab.dense.coefficients)
        self.dense_degree = len(tab.dense.coefficients[0])


DIRKTableau._tensor_class = DIRKTensors


def _esdirk(name, order, error_order, gamma, rows, predictor, reference) -> DIRKTableau:
    """Assemble a stiffly accurate ESDIRK whose embedded solution is its second-to-last stage."""
    a = ((0.0,),) + tuple(tuple(r) + (gamma,) for r in rows)
    c = tuple(1.0 if abs(sum(r) - 1.0) < 1e-13 else float(sum(r)) for r in a)  # c_s = 1 exactly: FSAL
    b = a[-1]
    b_hat = a[-2] + (0.0,)
    b_error = tuple(x - y for x, y in zip(b, b_hat))
    return DIRKTableau(name=name, order=order, error_order=error_order, c=c, a=a, b=b, b_error=b_error,
                       predictor=((),) + tuple(tuple(p) for p in predictor),
                       dense=hermite_dense_output(b, fsal=True), reference=reference)


def _kvaerno3() -> DIRKTableau:
    # γ is the root in (0, 1) of γ³ − 3γ² + 3γ/2 − 1/6 = 0 (L-stability of the embedded
    # 3-stage method); every other coefficient is Kværnø's closed form in γ
    roots = np.roots([1.0, -3.0, 1.5, -1.0 / 6.0])
    g = float(next(r.real for r in roots if abs(r.imag) < 1e-12 and 0.4 < r.real < 0.5))
    a31 = (-4 * g**2 + 6 * g - 1) / (4 * g)
    a32 = (-2 * g + 1) / (4 * g)
    a41 = (6 * g - 1) / (12 * g)
    a42 = -1 / ((24 * g - 12) * g)
    a43 = (-6 * g**2 + 6 * g - 1) / (6 * g - 3)
    theta = 1 / (2 * g)
    return _esdirk("kvaerno3", 3, 2, g, [(g,), (a31, a32), (a41, a42, a43)],
                   [(1.0,), (1.0 - theta, theta), (a31, a32, g)],
                   "Kværnø (2004), ESDIRK 3(2), 4 stages, L-stable, stiffly accurate")


def _kvaerno5() -> DIRKTableau:
    g = 0.26
    rows = [
        (g,),
        (0.13, 0.84033320996790809),
        (0.22371961478320505, 0.47675532319799699, -0.06470895363112615),
        (0.16648564323248321, 0.10450018841591720, 0.03631482272098715, -0.13090704451073998),
        (0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676),
        (0.13659751177640291, 0.0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403,
         0.06962479448202728),
    ]
    predictor = [
        (1.0,),
        (-1.366025403784441, 2.3660254037844357),
        (-0.19650552613122207, 0.8113579546496623, 0.38514757148155954),
        (0.10375304369958693, 0.937994698066431, -0.04174774176601781, 0.0),
        (-0.17281112873898072, 0.6235784481025847, 0.5492326806363959, 0.0, 0.0),
        rows[4] + (g,),
    ]
    return _esdirk("kvaerno5", 5, 4, g, rows, predictor,
                   "Kværnø (2004), ESDIRK 5(4), 7 stages, L-stable, stiffly accurate")


KVAERNO3 = _kvaerno3()
KVAERNO5 = _kvaerno5()
