"""Low-order embedded pairs: Heun–Euler 2(1), Fehlberg 2(1), Bogacki–Shampine 3(2)."""

from sciml.integrate.tableaus.base import ButcherTableau, hermite_dense_output

ADAPTIVE_HEUN = ButcherTableau(
    name="adaptive_heun", order=2, error_order=1, c=(0.0, 1.0), a=((), (1.0,)), b=(0.5, 0.5),
    b_error=(0.5 - 1.0, 0.5 - 0.0), dense=hermite_dense_output((0.5, 0.5), fsal=False),
    reference="Heun's method with an embedded Euler step",
)

FEHLBERG2 = ButcherTableau(
    name="fehlberg2", order=2, error_order=1, c=(0.0, 0.5, 1.0), a=((), (0.5,), (1 / 256, 255 / 256)),
    b=(1 / 512, 255 / 256, 1 / 512), b_error=(1 / 512 - 1 / 256, 255 / 256 - 255 / 256, 1 / 512),
    dense=hermite_dense_output((1 / 512, 255 / 256, 1 / 512), fsal=False),
    reference="E. Fehlberg, NASA TR R-315 (1969): RKF 1(2)",
)

BOSH3 = ButcherTableau(
    name="bosh3", order=3, error_order=2, c=(0.0, 0.5, 0.75, 1.0),
    a=((), (0.5,), (0.0, 0.75), (2 / 9, 1 / 3, 4 / 9)),
    b=(2 / 9, 1 / 3, 4 / 9, 0.0),
    b_error=(2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8),
    dense=hermite_dense_output((2 / 9, 1 / 3, 4 / 9, 0.0), fsal=True),
    reference="P. Bogacki, L. F. Shampine, A 3(2) pair of Runge-Kutta formulas, Appl. Math. Lett. 2 (1989)",
)
