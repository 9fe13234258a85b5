"""Fixed-step explicit Runge–Kutta methods (Euler, midpoint, Heun, Kutta's third order, RK4, 3/8 rule).

Reference: E. Hairer, S. P. Nørsett, G. Wanner, Solving Ordinary Differential
Equations I, 2nd ed., Springer 1993, Section II.1.
"""

from sciml.integrate.tableaus.base import ButcherTableau, hermite_dense_output, linear_dense_output

_REF = "Hairer, Nørsett & Wanner, Solving ODEs I (1993), II.1"

EULER = ButcherTableau(
    name="euler", order=1, c=(0.0,), a=((),), b=(1.0,), dense=linear_dense_output((1.0,)), reference=_REF,
)

MIDPOINT = ButcherTableau(
    name="midpoint", order=2, c=(0.0, 0.5), a=((), (0.5,)), b=(0.0, 1.0),
    dense=hermite_dense_output((0.0, 1.0), fsal=False), reference=_REF,
)

HEUN = ButcherTableau(  # explicit trapezoidal rule
    name="heun", order=2, c=(0.0, 1.0), a=((), (1.0,)), b=(0.5, 0.5),
    dense=hermite_dense_output((0.5, 0.5), fsal=False), reference=_REF,
)

HEUN3 = ButcherTableau(
    name="heun3", order=3, c=(0.0, 1 / 3, 2 / 3), a=((), (1 / 3,), (0.0, 2 / 3)), b=(0.25, 0.0, 0.75),
    dense=hermite_dense_output((0.25, 0.0, 0.75), fsal=False), reference=_REF,
)

RK4 = ButcherTableau(
    name="rk4", order=4, c=(0.0, 0.5, 0.5, 1.0), a=((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)),
    b=(1 / 6, 1 / 3, 1 / 3, 1 / 6), dense=hermite_dense_output((1 / 6, 1 / 3, 1 / 3, 1 / 6), fsal=False),
    reference=_REF,
)

RK38 = ButcherTableau(  # Kutta's 3/8 rule: torchdiffeq's "rk4"
    name="rk38", order=4, c=(0.0, 1 / 3, 2 / 3, 1.0), a=((), (1 / 3,), (-1 / 3, 1.0), (1.0, -1.0, 1.0)),
    b=(1 / 8, 3 / 8, 3 / 8, 1 / 8), dense=hermite_dense_output((1 / 8, 3 / 8, 3 / 8, 1 / 8), fsal=False),
    reference=_REF,
)
