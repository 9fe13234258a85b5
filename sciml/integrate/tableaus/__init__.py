"""The registry of Runge–Kutta methods, each a tableau (data): explicit, ESDIRK and Rosenbrock.

Explicit methods are :class:`ButcherTableau`; the stiff (L-stable, implicit) ones are
:class:`~sciml.integrate.tableaus.esdirk.DIRKTableau` (kvaerno3, kvaerno5) and
:class:`~sciml.integrate.tableaus.rosenbrock.RosenbrockTableau` (rodas5, rodas5p); the one
multistep family, variable-order BDF/NDF, is :class:`~sciml.integrate.tableaus.bdf.BDFMethod`
(its coefficients per order), and the fixed-grid Adams methods are
:class:`~sciml.integrate.tableaus.adams.AdamsMethod`. Every method has ``kind`` (``"explicit"``, ``"dirk"``,
``"rosenbrock"``, ``"bdf"``, ``"adams"``), ``implicit``, ``adaptive``,
``fsal``, ``order`` and a ``dense`` continuous extension.
"""

from sciml.integrate.tableaus.adams import EXPLICIT_ADAMS, IMPLICIT_ADAMS, AdamsMethod
from sciml.integrate.tableaus.base import ButcherTableau, DenseOutput, TableauTensors
from sciml.integrate.tableaus.bdf import BDF, BDFMethod
from sciml.integrate.tableaus.classic import EULER, HEUN, HEUN3, MIDPOINT, RK4, RK38
from sciml.integrate.tableaus.dormand_prince import DOPRI5, DOPRI8
from sciml.integrate.tableaus.esdirk import KVAERNO3, KVAERNO5, DIRKTableau
from sciml.integrate.tableaus.low_order import ADAPTIVE_HEUN, BOSH3, FEHLBERG2
from sciml.integrate.tableaus.rosenbrock import RODAS5, RODAS5P, RosenbrockTableau
from sciml.integrate.tableaus.tsitouras import TSIT5

__all__ = ["ButcherTableau", "DenseOutput", "TableauTensors", "DIRKTableau", "RosenbrockTableau", "BDFMethod",
           "AdamsMethod", "METHODS", "ALIASES",
           "FIXED_STEP", "ADAPTIVE", "EXPLICIT", "IMPLICIT"]

METHODS: dict = {
    tab.name: tab
    for tab in (EULER, MIDPOINT, HEUN, HEUN3, RK4, RK38, ADAPTIVE_HEUN, FEHLBERG2, BOSH3, DOPRI5, TSIT5, DOPRI8,
                KVAERNO3, KVAERNO5, RODAS5, RODAS5P, BDF, EXPLICIT_ADAMS, IMPLICIT_ADAMS)
}
# torchdiffeq's names for the same methods (its "rk4", though, is Kutta's 3/8 rule: sciml's "rk38")
ALIASES = {"heun2": "heun", "fixed_adams": "implicit_adams"}
FIXED_STEP = tuple(name for name, tab in METHODS.items() if not tab.adaptive)
ADAPTIVE = tuple(name for name, tab in METHODS.items() if tab.adaptive)
EXPLICIT = tuple(name for name, tab in METHODS.items() if not tab.implicit)
IMPLICIT = tuple(name for name, tab in METHODS.items() if tab.implicit)
