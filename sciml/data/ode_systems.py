"""Reference ODE systems, written once in sympy and integrated by :mod:`sciml.integrate`.

Parameters and grids follow the published data sets the discovery benchmark
uses (see ``docs/data-format.md``): Lorenz as in Brunton, Proctor & Kutz (2016)
and the PySINDy examples (sigma=10, rho=28, beta=8/3, x0=(-8, 8, 27),
dt=0.002, t in [0, 10]); Lotka–Volterra (1.5, 1, 3, 1) from (1, 1); Van der Pol
mu=1; an unforced hardening Duffing oscillator; a damped pendulum with a large
swing (so that sin(theta) is not its Taylor polynomial).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from sciml.data.dataset import ODEDataset
from sciml.errors import InputError

__all__ = ["ODESystem", "ODE_SYSTEMS", "simulate_system"]


@dataclass(frozen=True)
class ODESystem:
    """A named ODE ``d(names)/dt = rhs`` with its default initial state and sampling."""

    names: tuple[str, ...]
    rhs: tuple[sp.Expr, ...]
    y0: tuple[float, ...]
    t_end: float
    dt: float
    reference: str

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(n) for n in self.names)

    def equations(self) -> list[str]:
        return [f"d{n}/dt = {sp.sstr(r)}" for n, r in zip(self.names, self.rhs)]


def _system(names, rhs, y0, t_end, dt, reference) -> ODESystem:
    syms = sp.symbols(names)
    return ODESystem(tuple(names.split()), tuple(sp.sympify(e) for e in rhs(*syms)), tuple(y0), t_end, dt,
                     reference)


R = sp.Rational
ODE_SYSTEMS: dict[str, ODESystem] = {
    "lorenz": _system("x y z", lambda x, y, z: (10 * (y - x), x * (28 - z) - y, x * y - R(8, 3) * z),
                      (-8.0, 8.0, 27.0), 10.0, 0.002, "Lorenz 1963; Brunton, Proctor & Kutz, PNAS 2016"),
    "lotka_volterra": _system("x y", lambda x, y: (R(3, 2) * x - x * y, -3 * y + x * y),
                              (1.0, 1.0), 10.0, 0.01, "Lotka-Volterra (1.5, 1, 3, 1)"),
    "van_der_pol": _system("x y", lambda x, y: (y, (1 - x**2) * y - x),
                           (2.0, 0.0), 20.0, 0.01, "Van der Pol oscillator, mu = 1"),
    "duffing": _system("x v", lambda x, v: (v, -R(1, 10) * v - x - 5 * x**3),
                       (1.0, 0.0), 20.0, 0.01, "Duffing oscillator x'' + 0.1 x' + x + 5 x^3 = 0"),
    "pendulum": _system("theta omega", lambda th, om: (om, -R(981, 100) * sp.sin(th) - R(1, 4) * om),
                        (2.5, 0.0), 20.0, 0.01, "damped pendulum, g/L = 9.81, damping 0.25"),
}


def simulate_system(system: ODESystem, y0=None, t_end: float | None = None, dt: float | None = None,
                    rtol: float = 1e-10, atol: float = 1e-12) -> ODEDataset:
    """Integrate ``system`` with :func:`sciml.integrate.solve_ivp` (float64) and sample it every ``dt``."""
    import torch

    from sciml.integrate import solve_ivp
    from sciml.symbolic import compile_torch

    y0 = np.asarray(system.y0 if y0 is None else y0, dtype=float)
    if y0.shape != (len(system.names),) or not np.isfinite(y0).all():
        raise InputError("y0", f"{len(system.names)} finite initial values", y0.tolist())
    t_end = system.t_end if t_end is None else float(t_end)
    dt = system.dt if dt is None else float(dt)
    if not (t_end > 0 and dt > 0 and dt < t_end):
        raise InputError("t_end, dt", "0 < dt < t_end", (t_end, dt))
    n = int(round(t_end / dt)) + 1
    t = np.arange(n) * dt
    f = compile_torch(list(system.rhs), list(system.symbols))

    def rhs(_t, y):
        return torch.stack(f(*y.unbind(-1)), dim=-1)

    sol = solve_ivp(rhs, (0.0, float(t[-1])), torch.tensor(y0, dtype=torch.float64),
                    t_eval=torch.tensor(t, dtype=torch.float64), rtol=rtol, atol=atol)
    y = sol.ys.detach().cpu().numpy()
    attrs = {"source": f"sciml data make ({system.reference})", "true_equations": system.equations(),
             "noise": 0.0}
    return ODEDataset(t, y, names=list(system.names), attrs=attrs)
