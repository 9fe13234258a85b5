"""Reference PDE data sets of PDE-FIND (Rudy, Brunton, Proctor & Kutz, Sci. Adv. 2017), regenerated.

Each is solved by Fourier pseudo-spectral ETDRK4 (:mod:`sciml.data.spectral`,
Kassam & Trefethen 2005) on the published grid:

* Burgers ``u_t = -u u_x + 0.1 u_xx``, x in [-8, 8) (256), t = 0:0.1:10, u0 = exp(-(x+2)^2);
* KdV ``u_t = -6 u u_x - u_xxx``, x in [-30, 30) (512), t = 0:0.1:20, two solitons
  ``(c/2) sech^2(sqrt(c)/2 (x - a))`` with (c, a) = (1, -20), (0.5, 5);
* Kuramoto–Sivashinsky ``u_t = -u u_x - u_xx - u_xxxx``, x = 32 pi (1..1024)/1024,
  t = 0:0.4:100, u0 = cos(x/16)(1 + sin(x/16));
* lambda–omega reaction–diffusion, ``u_t = 0.1 lap u + (1 - A^2) u + beta A^2 v``,
  ``v_t = 0.1 lap v - beta A^2 u + (1 - A^2) v``, A^2 = u^2 + v^2, beta = 1, on
  [-10, 10)^2 (256^2), t = 0:0.05:10, one-armed spiral initial condition.

The time step is a fixed fraction of the sampling interval (``substeps``).
"""

from __future__ import annotations

import numpy as np

from sciml.data.dataset import PDEDataset
from sciml.data.spectral import etdrk4, wavenumbers
from sciml.errors import InputError

__all__ = ["burgers", "kdv", "kuramoto_sivashinsky", "reaction_diffusion"]


def _check_grid(n: int, nt: int, name: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 8:
        raise InputError(name, "an integer >= 8 grid points", n)
    if nt < 2:
        raise InputError("t_end", "at least two samples in time", nt)


def _times(t_end: float, dt: float) -> np.ndarray:
    if not (t_end > 0 and dt > 0 and dt <= t_end):
        raise InputError("t_end, dt", "0 < dt <= t_end", (t_end, dt))
    return np.arange(int(round(t_end / dt)) + 1) * dt


def _solve_1d(x, t, u0, linear_of_k, flux_coeff, substeps, progress):
    """u_t = L u + flux_coeff * (u^2)_x, periodic in x (real FFT)."""
    n = len(x)
    k = wavenumbers(n, float(n * (x[1] - x[0])), real=True)
    ik = 1j * k
    if n % 2 == 0:
        ik[-1] = 0.0

    def nonlinear(v):
        u = np.fft.irfft(v, n=n)
        return flux_coeff * ik * np.fft.rfft(u * u)

    dt = t[1] - t[0]
    saved = etdrk4(linear_of_k(k), nonlinear, np.fft.rfft(u0), dt / substeps, (len(t) - 1) * substeps,
                   substeps, progress=progress)
    return np.stack([np.fft.irfft(v, n=n) for v in saved])


def _progress(total, enabled, desc):
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not enabled, desc=desc, unit="step", leave=False)
    state = {"done": 0}

    def update(n):
        bar.update(n - state["done"])
        state["done"] = n
        if n >= total:
            bar.close()

    return update


def burgers(n: int = 256, t_end: float = 10.0, dt: float = 0.1, nu: float = 0.1, substeps: int = 20,
            progress: bool = False) -> PDEDataset:
    """Viscous Burgers data of PDE-FIND: ``u_t = -u u_x + nu u_xx``."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(-8.0, 8.0, n, endpoint=False)
    u = _solve_1d(x, t, np.exp(-((x + 2.0) ** 2)), lambda k: -nu * k**2, -0.5, substeps,
                  _progress((len(t) - 1) * substeps, progress, "burgers"))
    return PDEDataset(t, {"x": x}, {"u": u}, attrs={
        "source": "sciml data make burgers (PDE-FIND grid, Fourier ETDRK4)",
        "true_equations": [f"u_t = -u*u_x + {nu:g}*u_xx"], "noise": 0.0})


def kdv(n: int = 512, t_end: float = 20.0, dt: float = 0.1, substeps: int = 50,
        progress: bool = False) -> PDEDataset:
    """Korteweg–de Vries data of PDE-FIND: ``u_t = -6 u u_x - u_xxx``, two solitons."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(-30.0, 30.0, n, endpoint=False)
    u0 = sum(c / 2 / np.cosh(np.sqrt(c) / 2 * (x - a)) ** 2 for c, a in ((1.0, -20.0), (0.5, 5.0)))
    u = _solve_1d(x, t, u0, lambda k: 1j * k**3, -3.0, substeps,
                  _progress((len(t) - 1) * substeps, progress, "kdv"))
    return PDEDataset(t, {"x": x}, {"u": u}, attrs={
        "source": "sciml data make kdv (PDE-FIND grid, Fourier ETDRK4)",
        "true_equations": ["u_t = -6*u*u_x - u_xxx"], "noise": 0.0})


def kuramoto_sivashinsky(n: int = 1024, t_end: float = 100.0, dt: float = 0.4, substeps: int = 8,
                         progress: bool = False) -> PDEDataset:
    """Kuramoto–Sivashinsky data of PDE-FIND / Kassam & Trefethen: ``u_t = -u u_x - u_xx - u_xxxx``."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = 32 * np.pi * np.arange(1, n + 1) / n
    u0 = np.cos(x / 16) * (1 + np.sin(x / 16))
    u = _solve_1d(x, t, u0, lambda k: k**2 - k**4, -0.5, substeps,
                  _progress((len(t) - 1) * substeps, progress, "kuramoto_sivashinsky"))
    return PDEDataset(t, {"x": x}, {"u": u}, attrs={
        "source": "sciml data make kuramoto_sivashinsky (PDE-FIND grid, Fourier ETDRK4)",
        "true_equations": ["u_t = -u*u_x - u_xx - u_xxxx"], "noise": 0.0})


def reaction_diffusion(n: int = 256, t_end: float = 10.0, dt: float = 0.05, d: float = 0.1, beta: float = 1.0,
                       substeps: int = 5, progress: bool = False) -> PDEDataset:
    """lambda–omega reaction–diffusion data of PDE-FIND (spiral wave), on an ``n x n`` grid."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(-10.0, 10.0, n, endpoint=False)
    X, Y = np.meshgrid(x, x, indexing="ij")
    r = np.sqrt(X**2 + Y**2)
    theta = np.angle(X + 1j * Y)
    u0 = np.tanh(r) * np.cos(theta - r)
    v0 = np.tanh(r) * np.sin(theta - r)
    k = wavenumbers(n, 20.0)
    kr = wavenumbers(n, 20.0, real=True)
    K2 = k[:, None] ** 2 + kr[None, :] ** 2
    linear = np.stack([-d * K2, -d * K2])

    def nonlinear(w):
        u, v = (np.fft.irfft2(w[i], s=(n, n)) for i in range(2))
        a2 = u * u + v * v
        lam, omega = 1 - a2, -beta * a2
        return np.stack([np.fft.rfft2(lam * u - omega * v), np.fft.rfft2(omega * u + lam * v)])

    w0 = np.stack([np.fft.rfft2(u0), np.fft.rfft2(v0)])
    saved = etdrk4(linear, nonlinear, w0, dt / substeps, (len(t) - 1) * substeps, substeps,
                   progress=_progress((len(t) - 1) * substeps, progress, "reaction_diffusion"))
    u = np.stack([np.fft.irfft2(w[0], s=(n, n)) for w in saved])
    v = np.stack([np.fft.irfft2(w[1], s=(n, n)) for w in saved])
    return PDEDataset(t, {"x": x, "y": x.copy()}, {"u": u, "v": v}, attrs={
        "source": "sciml data make reaction_diffusion (PDE-FIND lambda-omega, Fourier ETDRK4)",
        "true_equations": [f"u_t = {d:g}*(u_xx + u_yy) + (1 - u^2 - v^2)*u + {beta:g}*(u^2 + v^2)*v",
                           f"v_t = {d:g}*(v_xx + v_yy) - {beta:g}*(u^2 + v^2)*u + (1 - u^2 - v^2)*v"],
        "noise": 0.0})
