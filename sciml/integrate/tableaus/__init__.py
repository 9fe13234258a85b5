"""The registry of explicit Runge–Kutta methods, each a :class:`ButcherTableau`."""

from sciml.integrate.tableaus.base import ButcherTableau, DenseOutput, TableauTensors
from sciml.integrate.tableaus.classic import EULER, HEUN, HEUN3, MIDPOINT, RK4, RK38
from sciml.integrate.tableaus.dormand_prince import DOPRI5, DOPRI8
from sciml.integrate.tableaus.low_order import ADAPTIVE_HEUN, BOSH3, FEHLBERG2
from sciml.integrate.tableaus.tsitouras import TSIT5

__all__ = ["ButcherTableau", "DenseOutput", "TableauTensors", "METHODS", "FIXED_STEP", "ADAPTIVE"]

METHODS: dict[str, ButcherTableau] = {
    tab.name: tab
    for tab in (EULER, MIDPOINT, HEUN, HEUN3, RK4, RK38, ADAPTIVE_HEUN, FEHLBERG2, BOSH3, DOPRI5, TSIT5, DOPRI8)
}
FIXED_STEP = tuple(name for name, tab in METHODS.items() if not tab.adaptive)
ADAPTIVE = tuple(name for name, tab in METHODS.items() if tab.adaptive)
