"""Reference ODE systems, written once in sympy and integrated by :mod:`sciml.integrate`.

Parameters and grids follow the published data sets the discovery benchmark
uses (see ``docs/data-format.md``): Lorenz as in Brunton, Proctor & Kutz (2016)
and the PySINDy examples (sigma=10, rho=28, beta=8/3, x0=(-8, 8, 27),
dt=0.002, t in [0, 10]); Lotka–Volterra (1.5, 1, 3, 1) from (1, 1); Van der Pol
mu=1; an unforced hardening Duffing oscillator; a damped pendulum with a large
swing (so that sin(theta) is not its Taylor polynomial); the cylinder-wake
mean-field model of Noack et al. (J. Fluid Mech. 497, 2003) with the
parameters of PySINDy's ``meanfield`` example (mu = 0.01, omega = 1, A = -1,
lambda = 1), four transients from near the unstable fixed point at the origin
onto the limit cycle of radius sqrt(mu) = 0.1.
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
    starts: tuple[tuple[float, ...], ...] | None = None  # several trajectories: their initial states

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(n) for n in self.names)

    def equations(self) -> list[str]:
        return [f"d{n}/dt = {sp.sstr(r)}" for n, r in zip(self.names, self.rhs)]


def _system(names, rhs, y0, t_end, dt, reference, starts=None) -> ODESystem:
    syms = sp.symbols(names)
    return ODESystem(tuple(names.split()), tuple(sp.sympify(e) for e in rhs(*syms)), tuple(y0), t_end, dt,
                     reference, None if starts is None else tuple(tuple(s) for s in starts))


R = sp.Rational


def _mean_field(mu=None, omega=1, a=-1, lam=1):
    """Noack et al. (2003): x' = mu x - omega y + A x z, y' = omega x + mu y + A y z, z' = -lambda (z - x^2 - y^2)."""
    mu = R(1, 100) if mu is None else mu
    radius = float(sp.sqrt(mu / -a))
    starts = [(0.1 * radius * np.cos(th), 0.1 * radius * np.sin(th), z * radius**2)
              for th, z in ((0.0, 0.0), (np.pi / 2, 0.5), (np.pi, -0.5), (3 * np.pi / 2, 1.0))]
    return _system("x y z", lambda x, y, z: (mu * x - omega * y + a * x * z, omega * x + mu * y + a * y * z,
                                             -lam * (z - x**2 - y**2)),
                   starts[0], 300.0, 0.05, "mean-field model, Noack et al. 2003 (PySINDy meanfield parameters)",
                   starts)


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
    "mean_field": _mean_field(),
}


def simulate_system(system: ODESystem, y0=None, t_end: float | None = None, dt: float | None = None,
                    rtol: float = 1e-10, atol: float = 1e-12) -> ODEDataset:
    """Integrate ``system`` with :func:`sciml.integrate.solve_ivp` (float64) and sample it every ``dt``."""
    import torch

    from sciml.integrate import solve_ivp
    from sciml.symbolic import compile_torch

    if y0 is None:
        y0 = system.y0 if system.starts is None else system.starts
    y0 = np.asarray(y0, dtype=float)
    n = len(system.names)
    if y0.shape not in ((n,), (len(y0), n)) or y0.size == 0 or not np.isfinite(y0).all():
        raise InputError("y0", f"{n} finite initial values, or (trajectories, {n}) of them", np.shape(y0))
    t_end = system.t_end if t_end is None else float(t_end)
    dt = system.dt if dt is None else float(dt)
    if not (t_end > 0 and dt > 0 and dt < t_end):
        raise InputError("t_end, dt", "0 < dt < t_end", (t_end, dt))
    t = np.arange(int(round(t_end / dt)) + 1) * dt
    f = compile_torch(list(system.rhs), list(system.symbols))

    def rhs(_t, y):
        return torch.stack(f(*y.unbind(-1)), dim=-1)

    sol = solve_ivp(rhs, (0.0, float(t[-1])), torch.tensor(y0, dtype=torch.float64),
                    t_eval=torch.tensor(t, dtype=torch.float64), rtol=rtol, atol=atol)
    y = sol.ys.detach().cpu().numpy()
    if y.ndim == 3:  # (T, trajectories, n) -> (trajectories, T, n)
        y = np.moveaxis(y, 1, 0)
        t = np.broadcast_to(t, y.shape[:2]).copy()
    attrs = {"source": f"sciml data make ({system.reference})", "true_equations": system.equations(),
             "noise": 0.0}
    return ODEDataset(t, y, names=list(system.names), attrs=attrs)
