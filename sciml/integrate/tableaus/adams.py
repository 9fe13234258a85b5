"""The Adams family on a fixed grid as data: Adams–Bashforth and Adams–Bashforth–Moulton.

A ``k``-step Adams–Bashforth step integrates the polynomial through the last ``k`` slopes
over the step, ``y_{n+1} = y_n + h Σ_{j<k} β_j f_{n−j}``; the Adams–Moulton corrector adds the
new slope, ``y_{n+1} = y_n + h (β*_0 f(t_{n+1}, y_{n+1}) + Σ_{j≥1} β*_j f_{n+1−j})``, solved by
functional iteration from the predictor. The weights are the integrals over the step of the
Lagrange basis polynomials on the actual nodes (variable-coefficient Adams, Hairer, Nørsett &
Wanner I, III.5), so a non-uniform grid keeps the method's order; on a uniform grid they are
the classical coefficients. They are computed by Gauss–Legendre quadrature of the basis
polynomials written as products (exact for these degrees, and free of the cancellation of
expanded monomial coefficients).

The order ramp is torchdiffeq's: the first two steps are Runge–Kutta steps (the 3/8 rule),
then each step uses one more past slope, up to ``max_order − 1`` of them (Adams–Bashforth of
order ``max_order − 1``, with the corrector of order ``max_order``). A restart (a ``jump_t``
crossed) begins the ramp again. ``implicit_adams`` climbs to order 12 as torchdiffeq's does
(the predictor–corrector pair stays usable there; the ramp's fourth-order steps make the
global order 5). ``explicit_adams`` stops at Adams–Bashforth 4 (``max_order=5``, global order
4): the stability interval of the k-step Adams–Bashforth method on the negative real axis
shrinks from 0.30 (k = 4) to 0.0034 (k = 11; computed from the roots of its characteristic
polynomial), so torchdiffeq's default of order 11 blows up on an oscillator or a mildly
nonlinear problem unless ``h |λ| < 0.0034``; ``max_order=12`` gives torchdiffeq's numbers.

Dense output: cubic Hermite between ``(y_n, f_n)`` and ``(y_{n+1}, f_{n+1})``. The "stages" of
a step are ``[f_n, (y_{n+1} − y_n)/h]``; ``f_{n+1}`` is an extra stage, evaluated only when an
output falls inside the step, and then reused as the next step's first slope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sciml.integrate.tableaus.base import DenseOutput, TableauTensors, TensorCache
from sciml.integrate.tableaus.classic import RK38

__all__ = ["AdamsMethod", "EXPLICIT_ADAMS", "IMPLICIT_ADAMS", "adams_weights"]

_HERMITE = DenseOutput(order=3, coefficients=((1.0, -2.0, 1.0), (0.0, 3.0, -2.0), (0.0, -1.0, 1.0)),
                       extra_c=(1.0,), extra_a=((0.0, 1.0),), next_k1=2)


def adams_weights(nodes) -> np.ndarray:
    """``∫_0^1 L_j(s) ds`` for the Lagrange basis on ``nodes`` (times in units of the step, ``t_n`` at 0)."""
    s = np.asarray(nodes, dtype=np.float64)
    k = len(s)
    x, w = np.polynomial.legendre.leggauss(max(1, (k + 1) // 2))
    x, w = 0.5 * (x + 1.0), 0.5 * w  # Gauss–Legendre on [0, 1]: exact for degree k − 1
    diff = s[:, None] - s[None, :]
    np.fill_diagonal(diff, 1.0)
    denominators = diff.prod(axis=1)  # Π_{m≠j} (s_j − s_m)
    factors = x[:, None] - s[None, :]  # (q, k); Gauss points are interior, never a node
    full = factors.prod(axis=1, keepdims=True)
    basis = full / factors / denominators  # L_j(x_q) = Π_{m≠j} (x_q − s_m) / (s_j − s_m)
    return w @ basis


@dataclass(frozen=True)
class AdamsMethod(TensorCache):
    """A fixed-grid Adams method; ``corrector`` adds the Adams–Moulton iterations (PECE…)."""

    name: str
    corrector: bool
    max_order: int = 12
    max_iters: int = 4
    order: int = 5  # the global order on a fixed grid (see the module docstring)
    reference: str = ("Hairer, Nørsett & Wanner, Solving ODEs I (1993), III.1 and III.5 (variable step); "
                      "torchdiffeq's order ramp")
    kind: str = "adams"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # what the loop's generic pieces read (see the module docstring for the stage layout)
    c = (0.0, 1.0)
    a = ((), (0.0,))
    b = (0.0, 1.0)
    b_error = None
    dense = _HERMITE
    adaptive = False
    fsal = False
    implicit = False  # the corrector is a functional iteration: no Jacobian, no Newton
    stability_bound = None
    start = RK38  # the Runge–Kutta method of the ramp's first steps


AdamsMethod._tensor_class = TableauTensors

EXPLICIT_ADAMS = AdamsMethod("explicit_adams", corrector=False, max_order=5, order=4)
IMPLICIT_ADAMS = AdamsMethod("implicit_adams", corrector=True, max_order=12, order=5)
