"""A Runge–Kutta method as data: its Butcher tableau, embedded weights and continuous extension.

Every explicit method in sciml is one :class:`ButcherTableau`; one generic
stepping routine (:mod:`sciml.integrate.stepper`) advances any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

__all__ = ["ButcherTableau", "DenseOutput", "TableauTensors", "hermite_dense_output", "linear_dense_output",
           "TensorCache"]


class TensorCache:
    """Mixin for tableau dataclasses: ``tensors(dtype, device)`` builds ``_tensor_class`` once per pair."""

    _tensor_class = None

    def tensors(self, dtype: torch.dtype, device: torch.device):
        """The coefficients as tensors of the working dtype/device (built once, then cached)."""
        key = (dtype, device)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._tensor_class(self, dtype, device)
            self._cache[key] = cached
        return cached


@dataclass(frozen=True)
class DenseOutput:
    """A continuous extension ``y(t0 + θh) = y0 + h Σ_i b_i(θ) k_i``.

    ``coefficients[i][j]`` is the coefficient of ``θ**(j+1)`` in ``b_i(θ)``, over the
    method's stages followed by ``extra_c``/``extra_a`` stages that are only
    evaluated when an output time falls inside a step (a-rows span all earlier stages).
    ``next_k1`` names a stage equal to ``f(t0 + h, y1)``, which the next step reuses.
    """

    order: int
    coefficients: tuple[tuple[float, ...], ...]
    extra_c: tuple[float, ...] = ()
    extra_a: tuple[tuple[float, ...], ...] = ()
    next_k1: int | None = None


@dataclass(frozen=True)
class ButcherTableau(TensorCache):
    """An explicit Runge–Kutta method.

    ``a`` is the strictly lower triangle, row ``i`` holding the ``i`` weights of stage ``i``
    (row 0 is empty); ``b`` the solution weights; ``b_error`` the difference between the
    solution weights and the embedded ones (``None`` for fixed-step methods).
    ``stability_bound``: where the stability region meets the negative real axis, ``|z|``
    (used by ``method="auto"`` to tell stability-limited steps from accuracy-limited ones).
    ``fsal``: the last stage is ``f(t0 + h, y1)`` and serves as the next step's first stage.
    """

    name: str
    order: int
    c: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    dense: DenseOutput
    b_error: tuple[float, ...] | None = None
    error_order: int | None = None
    reference: str = ""
    stability_bound: float | None = None
    kind: str = "explicit"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        s = len(self.c)
        if len(self.a) != s or any(len(row) != i for i, row in enumerate(self.a)):
            raise ValueError(f"{self.name}: a must be strictly lower triangular with {s} rows")
        if len(self.b) != s or (self.b_error is not None and len(self.b_error) != s):
            raise ValueError(f"{self.name}: b and b_error need {s} weights")
        n_dense = s + len(self.dense.extra_c)
        if len(self.dense.coefficients) != n_dense:
            raise ValueError(f"{self.name}: dense coefficients need {n_dense} rows")

    implicit = False

    @property
    def stages(self) -> int:
        return len(self.c)

    @property
    def adaptive(self) -> bool:
        return self.b_error is not None

    @property
    def fsal(self) -> bool:
        """First same as last: the last stage is evaluated at (t0 + h, y1)."""
        return self.c[-1] == 1.0 and tuple(self.a[-1]) == tuple(self.b[:-1]) and self.b[-1] == 0.0

    @property
    def controller_order(self) -> int:
        """The exponent's denominator of the step-size controller: (lower order of the pair) + 1."""
        return min(self.order, self.error_order or self.order) + 1


class TableauTensors:
    """A tableau's coefficients on one dtype/device, laid out for the stepper."""

    def __init__(self, tab: ButcherTableau, dtype: torch.dtype, device: torch.device):
        def t(values):
            return torch.tensor(values, dtype=dtype, device=device)

        self.c = tab.c
        self.a = [None] + [t(row) for row in tab.a[1:]]
        self.b = t(tab.b)
        self.b_error = t(tab.b_error) if tab.b_error is not None else None
        dense = tab.dense
        self.extra_c = dense.extra_c
        self.extra_a = [t(row) for row in dense.extra_a]
        self.dense_p = t(dense.coefficients)  # (stages + extra, degree)
        self.dense_degree = len(dense.coefficients[0])


def hermite_dense_output(b: tuple[float, ...], fsal: bool) -> DenseOutput:
    """Cubic Hermite interpolation between (y0, f0) and (y1, f1): third order.

    ``f1`` is the FSAL stage when there is one, else one extra stage ``f(t0 + h, y1)``
    that the next step reuses as its first stage, so it costs no extra evaluation.
    """
    s = len(b)
    rows = [[0.0, 3.0 * bi, -2.0 * bi] for bi in b]
    rows[0] = [rows[0][0] + 1.0, rows[0][1] - 2.0, rows[0][2] + 1.0]
    if fsal:
        f1 = s - 1
        extra_c, extra_a = (), ()
    else:
        f1 = s
        rows.append([0.0, 0.0, 0.0])
        extra_c, extra_a = (1.0,), (tuple(b),)
    rows[f1] = [rows[f1][0], rows[f1][1] - 1.0, rows[f1][2] + 1.0]
    return DenseOutput(order=3, coefficients=tuple(tuple(r) for r in rows), extra_c=extra_c,
                       extra_a=extra_a, next_k1=f1)


def linear_dense_output(b: tuple[float, ...]) -> DenseOutput:
    """Linear interpolation between y0 and y1: first order (enough for Euler)."""
    return DenseOutput(order=1, coefficients=tuple((bi,) for bi in b))


ButcherTableau._tensor_class = TableauTensors
