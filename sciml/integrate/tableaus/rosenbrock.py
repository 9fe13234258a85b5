"""Rosenbrock (linearly implicit) Runge–Kutta methods, as data.

In the transformed form of Hairer & Wanner (Solving ODEs II, IV.7, eq. (7.25)) an
``s``-stage Rosenbrock method computes, with ``J = ∂f/∂y(t0, y0)`` and one matrix
``W = I/(hγ) − J`` for all stages,

    W u_i = f(t0 + c_i h, y0 + Σ_{j<i} a_ij u_j) + Σ_{j<i} (C_ij / h) u_j + h d_i ∂f/∂t(t0, y0),
    y1 = y0 + Σ_i m_i u_i,        error estimate  Σ_i e_i u_i.

No Newton iteration: one Jacobian and one LU factorisation per step, ``s`` solves. The
stepper treats ``k_i = u_i / h`` as its stages, so ``m`` plays the role of the Butcher
weights ``b`` and the shared dense-output code applies unchanged.

The Rodas methods are stiffly accurate (the last two stages evaluate ``f`` at the
embedded and at the main solution) and L-stable. Their continuous extension (Steinebach)
is ``y(θ) = (1 − θ) y0 + θ (y1 + (1 − θ)(K1 + θ K2 + θ² K3))`` with ``K_r = Σ_j H_rj u_j``,
written here as polynomials ``b_j(θ)`` in the stages.

References: E. Hairer, G. Wanner, Solving Ordinary Differential Equations II, 2nd ed.,
Springer 1996, IV.7 (Rodas); G. Di Marzo, RODAS5(4) – Méthodes de Rosenbrock d'ordre 5(4)
adaptées aux problèmes différentiels-algébriques, MSc thesis, Geneva 1993 (Rodas5);
G. Steinebach, Construction of Rosenbrock–Wanner method Rodas5P and numerical benchmarks
within the Julia DifferentialEquations package, BIT Numer. Math. 63 (2023) 27 (Rodas5P).
Coefficients as published in OrdinaryDiffEq.jl's tableau files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from sciml.integrate.tableaus.base import DenseOutput, TensorCache

__all__ = ["RosenbrockTableau", "RODAS5", "RODAS5P"]


@dataclass(frozen=True)
class RosenbrockTableau(TensorCache):
    """A Rosenbrock method in transformed variables ``u_i`` (see the module docstring).

    ``a``/``C``: strictly lower triangles (row ``i`` has ``i`` entries); ``c``: time nodes;
    ``d``: the row sums ``γ_i`` of Γ (coefficients of ``∂f/∂t``); ``b``: solution weights
    ``m``; ``b_error``: error weights; ``H``: the dense-output rows.
    """

    name: str
    order: int
    error_order: int
    gamma: float
    c: tuple[float, ...]
    d: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]
    C: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    b_error: tuple[float, ...]
    H: tuple[tuple[float, ...], ...]
    dense: DenseOutput
    reference: str = ""
    kind: str = "rosenbrock"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    implicit = True
    adaptive = True
    fsal = False

    def __post_init__(self):
        s = len(self.c)
        for name in ("a", "C"):
            rows = getattr(self, name)
            if len(rows) != s or any(len(r) != i for i, r in enumerate(rows)):
                raise ValueError(f"{self.name}: {name} must be strictly lower triangular with {s} rows")
        if len(self.d) != s or len(self.b) != s or len(self.b_error) != s:
            raise ValueError(f"{self.name}: d, b and b_error need {s} entries")

    @property
    def stages(self) -> int:
        return len(self.c)

    @property
    def controller_order(self) -> int:
        return min(self.order, self.error_order) + 1

    def gamma_matrix(self) -> np.ndarray:
        """Γ (with γ on the diagonal), recovered from ``C = diag(1/γ) − Γ⁻¹``."""
        s = self.stages
        Cm = np.zeros((s, s))
        for i, row in enumerate(self.C):
            Cm[i, :i] = row
        return np.linalg.inv(np.eye(s) / self.gamma - Cm)


class RosenbrockTensors:
    """A Rosenbrock tableau's coefficients on one dtype/device.

    ``ac[i]`` stacks row ``i`` of ``a`` and of ``C`` as a ``(i, 2)`` matrix, so one product
    gives both stage combinations.
    """

    def __init__(self, tab: RosenbrockTableau, dtype: torch.dtype, device: torch.device):
        def t(values):
            return torch.tensor(values, dtype=dtype, device=device)

        self.c = tab.c
        self.d = tab.d
        self.gamma = tab.gamma
        self.a = [None] + [t(row) for row in tab.a[1:]]
        self.C = [None] + [t(row) for row in tab.C[1:]]
        self.ac = [None] + [t(list(zip(ra, rc))) for ra, rc in zip(tab.a[1:], tab.C[1:])]
        self.a_zero = [None] + [all(x == 0 for x in row) for row in tab.a[1:]]
        self.b = t(tab.b)
        self.b_error = t(tab.b_error)
        self.extra_c, self.extra_a = (), []
        self.dense_p = t(tab.dense.coefficients)
        self.dense_degree = len(tab.dense.coefficients[0])


RosenbrockTableau._tensor_class = RosenbrockTensors


def _rodas_dense(m, H) -> DenseOutput:
    """``y0 + θ(y1 − y0) + θ(1 − θ)(K1 + θK2 + θ²K3)`` as ``Σ_j u_j p_j(θ)`` (coefficients of θ..θ⁴)."""
    rows = []
    for j, mj in enumerate(m):
        h1, h2, h3 = (H[r][j] for r in range(3))
        rows.append((mj + h1, h2 - h1, h3 - h2, -h3))
    return DenseOutput(order=4, coefficients=tuple(rows))


def _rodas(name, gamma, A, C, c, d, H, reference) -> RosenbrockTableau:
    """A Rodas-type method: ``y1 = Y_s + u_s`` (``Y_s`` the last stage point), error estimate ``u_s``."""
    s = len(c)
    a = tuple(tuple(float(x) for x in A[i][:i]) for i in range(s))
    Cr = tuple(tuple(float(x) for x in C[i][:i]) for i in range(s))
    m = a[-1] + (1.0,)
    e = (0.0,) * (s - 1) + (1.0,)
    return RosenbrockTableau(name=name, order=5, error_order=4, gamma=gamma, c=tuple(c), d=tuple(d), a=a,
                             C=Cr, b=m, b_error=e, H=tuple(tuple(r) for r in H), dense=_rodas_dense(m, H),
                             reference=reference)


_RODAS5P_A = [
    [],
    [3.0],
    [2.849394379747939, 0.45842242204463923],
    [-6.954028509809101, 2.489845061869568, -10.358996098473584],
    [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641],
    [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946],
    [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946,
     1.0],
    [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946,
     1.0, 1.0],
]
_RODAS5P_C = [
    [],
    [-14.155112264123755],
    [-17.97296035885952, -2.859693295451294],
    [147.12150275711716, -1.41221402718213, 71.68940251302358],
    [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306],
    [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125, -0.6610691825249471],
    [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783, -19.097331116725623,
     -28.087943162872662],
    [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047, -40.06618937091002,
     -54.66780262877968, -9.48861652309627],
]
_RODAS5P_H = [
    [25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204, 0.524948541321073,
     1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
    [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796, 20.176138334709044,
     15.98066361424651, -6.789040303419874, -6.710236069923372],
    [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643, -52.072871366152654,
     -59.78993625266729, -0.15582684282751913, 4.883087185713722],
]

RODAS5P = _rodas(
    "rodas5p", 0.21193756319429014, _RODAS5P_A, _RODAS5P_C,
    c=(0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664, 1.0, 1.0, 1.0),
    d=(0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069,
       0.0, 0.0, 0.0),
    H=_RODAS5P_H, reference="Steinebach (2023), Rodas5P: 5(4), 8 stages, L-stable, stiffly accurate")

_RODAS5_A = [
    [],
    [2.0],
    [3.040894194418781, 1.041747909077569],
    [2.576417536461461, 1.622083060776640, -0.9089668560264532],
    [2.760842080225597, 1.446624659844071, -0.3036980084553738, 0.2877498600325443],
    [-14.09640773051259, 6.925207756232704, -41.47510893210728, 2.343771018586405, 24.13215229196062],
    [-14.09640773051259, 6.925207756232704, -41.47510893210728, 2.343771018586405, 24.13215229196062, 1.0],
    [-14.09640773051259, 6.925207756232704, -41.47510893210728, 2.343771018586405, 24.13215229196062, 1.0, 1.0],
]
_RODAS5_C = [
    [],
    [-10.31323885133993],
    [-21.04823117650003, -7.234992135176716],
    [32.22751541853323, -4.943732386540191, 19.44922031041879],
    [-20.69865579590063, -8.816374604402768, 1.260436877740897, -0.7495647613787146],
    [-46.22004352711257, -17.49534862857472, -289.6389582892057, 93.60855400400906, 318.3822534212147],
    [34.20013733472935, -14.15535402717690, 57.82335640988400, 25.83362985412365, 1.408950972071624,
     -6.551835421242162],
    [42.57076742291101, -13.80770672017997, 93.98938432427124, 18.77919633714503, -31.58359187223370,
     -6.685968952921985, -5.810979938412932],
]
_RODAS5_H = [
    [27.354592673333357, -6.925207756232857, 26.40037733258859, 0.5635230501052979, -4.699151156849391,
     -1.6008677469422725, -1.5306074446748028, -1.3929872940716344],
    [44.19024239501722, 1.3677947663381929e-13, 202.93261852171622, -35.5669339789154, -181.91095152160645,
     3.4116351403665033, 2.5793540257308067, 2.2435122582734066],
    [-44.0988150021747, -5.755396159656812e-13, -181.26175034586677, 56.99302194811676, 183.21182741427398,
     -7.480257918273637, -5.792426076169686, -5.32503859794143],
]

RODAS5 = _rodas(
    "rodas5", 0.19, _RODAS5_A, _RODAS5_C,
    c=(0.0, 0.38, 0.3878509998321533, 0.4839718937873840, 0.4570477008819580, 1.0, 1.0, 1.0),
    d=(0.19, -0.1823079225333714636, -0.319231832186874912, 0.3449828624725343, -0.377417564392089818,
       0.0, 0.0, 0.0),
    H=_RODAS5_H, reference="Di Marzo (1993), Rodas5: 5(4), 8 stages, L-stable, stiffly accurate")
