"""Tsitouras' 5(4) pair (FSAL, 7 stages) with its fourth-order continuous extension.

Reference: Ch. Tsitouras, Runge–Kutta pairs of order 5(4) satisfying only the first
column simplifying assumption, Comput. Math. Appl. 62 (2011) 770–775. The sign of the
last error weight is corrected as in OrdinaryDiffEq.jl and diffrax (the paper's is wrong).
"""

from numpy.polynomial import Polynomial

from sciml.integrate.tableaus.base import ButcherTableau, DenseOutput

_B = (0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
      2.324710524099774, 0.0)


def _interpolant() -> tuple[tuple[float, ...], ...]:
    """The paper's seven basis polynomials b_i(θ), expanded to coefficients of θ..θ^4."""
    t = Polynomial([0.0, 1.0])
    basis = [
        -1.0530884977290216 * t * (t - 1.3299890189751412) * (t**2 - 1.4364028541716351 * t + 0.7139816917074209),
        0.1017 * t**2 * (t**2 - 2.1966568338249754 * t + 1.2949852507374631),
        2.490627285651252793 * t**2 * (t**2 - 2.38535645472061657 * t + 1.57803468208092486),
        -16.54810288924490272 * (t - 1.21712927295533244) * (t - 0.61620406037800089) * t**2,
        47.37952196281928122 * (t - 1.203071208372362603) * (t - 0.658047292653547382) * t**2,
        -34.87065786149660974 * (t - 1.2) * (t - 0.666666666666666667) * t**2,
        2.5 * (t - 1) * (t - 0.6) * t**2,
    ]
    rows = []
    for p in basis:
        coef = list(p.coef) + [0.0] * (5 - len(p.coef))
        rows.append(tuple(float(x) for x in coef[1:5]))
    return tuple(rows)


TSIT5 = ButcherTableau(
    name="tsit5", order=5, error_order=4,
    c=(0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0),
    a=(
        (),
        (0.161,),
        (-0.008480655492356989, 0.335480655492357),
        (2.8971530571054935, -6.359448489975075, 4.3622954328695815),
        (5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
        (5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.02826905039406838),
        _B[:6],
    ),
    b=_B,
    b_error=(0.00178001105222577714, 0.0008164344596567469, -0.007880878010261995, 0.1447110071732629,
             -0.5823571654525552, 0.45808210592918697, -1 / 66),
    dense=DenseOutput(order=4, next_k1=6, coefficients=_interpolant()),
    reference="Tsitouras (2011)",
    stability_bound=3.5068469938049023,
)
