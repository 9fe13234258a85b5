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
  [-10, 10)^2 (256^2), t = 0:0.05:10, one-armed spiral initial condition;
* nonlinear Schrödinger ``i psi_t + psi_xx / 2 + |psi|^2 psi = 0`` (complex),
  x in [-5, 5) (512), t in [0, pi] (501 samples), psi0 = 2 sech x (PDE-FIND's setup);
* Allen–Cahn ``u_t = 0.01 u_xx + u - u^3``, x in [-1, 1) (256), t = 0:0.05:10,
  u0 = 0.5 sin(pi x) + 0.3 cos(3 pi x) (the coefficients of Kassam & Trefethen's example);
* FitzHugh–Nagumo ``v_t = v_xx + v - v^3 - w``, ``w_t = 0.08 (v + 0.7 - 0.8 w)``
  (the classical a = 0.7, b = 0.8, eps = 0.08), x in [0, 60) (256), t = 0:0.25:60,
  pulses launched by three kicks;
* Gray–Scott ``u_t = 0.16 lap u - u v^2 + F (1 - u)``, ``v_t = 0.08 lap v + u v^2 - (F + k) v``,
  F = 0.04, k = 0.06 (Pearson, Science 1993; spots that grow and divide), in grid units, on [0, 64)^2 (64^2),
  t = 0:4:1000, a perturbed square of v in the centre.

The time step is a fixed fraction of the sampling interval (``substeps``).
"""

from __future__ import annotations

import numpy as np

from sciml.data.dataset import PDEDataset
from sciml.data.spectral import etdrk4, wavenumbers
from sciml.errors import InputError

__all__ = ["burgers", "kdv", "kuramoto_sivashinsky", "reaction_diffusion", "nls", "allen_cahn", "fitzhugh_nagumo",
           "gray_scott"]


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


def _solve_fields(length: float, n: int, ndim: int, linear_of_k2, reaction, fields0, t, substeps, progress, desc,
                  complex_fields: bool = False) -> list[np.ndarray]:
    """Fields with ``u_t = L(|k|^2) u + reaction(fields)`` on a periodic ``n^ndim`` box of side ``length``.

    ``linear_of_k2`` gives each field's diagonal operator from ``|k|^2``;
    ``reaction`` maps the list of physical fields to the list of their
    nonlinear right-hand sides. Real fields use real FFTs.
    """
    axes = tuple(range(1, ndim + 1))
    ks = [wavenumbers(n, length, real=(not complex_fields and a == ndim - 1)) for a in range(ndim)]
    K2 = sum(k**2 for k in np.meshgrid(*ks, indexing="ij"))
    linear = np.stack([f(K2) for f in linear_of_k2])
    shape = (n,) * ndim
    if complex_fields:
        forward, backward = (lambda a: np.fft.fftn(a, axes=axes)), (lambda a: np.fft.ifftn(a, axes=axes))
    else:
        forward = lambda a: np.fft.rfftn(a, axes=axes)  # noqa: E731
        backward = lambda a: np.fft.irfftn(a, s=shape, axes=axes)  # noqa: E731

    def nonlinear(w):
        return forward(np.stack(reaction(list(backward(w)))))

    dt = t[1] - t[0]
    saved = etdrk4(linear, nonlinear, forward(np.stack(fields0)), dt / substeps, (len(t) - 1) * substeps, substeps,
                   progress=_progress((len(t) - 1) * substeps, progress, desc))
    out = np.stack([backward(w) for w in saved])
    return [out[:, i] for i in range(len(fields0))]


def reaction_diffusion(n: int = 256, t_end: float = 10.0, dt: float = 0.05, d: float = 0.1, beta: float = 1.0,
                       substeps: int = 5, progress: bool = False) -> PDEDataset:
    """lambda–omega reaction–diffusion data of PDE-FIND (spiral wave), on an ``n x n`` grid."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(-10.0, 10.0, n, endpoint=False)
    X, Y = np.meshgrid(x, x, indexing="ij")
    r = np.sqrt(X**2 + Y**2)
    theta = np.angle(X + 1j * Y)

    def reaction(f):
        u, v = f
        a2 = u * u + v * v
        lam, omega = 1 - a2, -beta * a2
        return [lam * u - omega * v, omega * u + lam * v]

    diffusion = lambda K2: -d * K2  # noqa: E731
    u, v = _solve_fields(20.0, n, 2, [diffusion, diffusion], reaction,
                         [np.tanh(r) * np.cos(theta - r), np.tanh(r) * np.sin(theta - r)], t, substeps, progress,
                         "reaction_diffusion")
    return PDEDataset(t, {"x": x, "y": x.copy()}, {"u": u, "v": v}, attrs={
        "source": "sciml data make reaction_diffusion (PDE-FIND lambda-omega, Fourier ETDRK4)",
        "true_equations": [f"u_t = {d:g}*(u_xx + u_yy) + (1 - u^2 - v^2)*u + {beta:g}*(u^2 + v^2)*v",
                           f"v_t = {d:g}*(v_xx + v_yy) - {beta:g}*(u^2 + v^2)*u + (1 - u^2 - v^2)*v"],
        "noise": 0.0})


def nls(n: int = 512, t_end: float = np.pi, nt: int = 501, substeps: int = 20, progress: bool = False) -> PDEDataset:
    """Nonlinear Schrödinger data of PDE-FIND: ``i psi_t + psi_xx / 2 + |psi|^2 psi = 0``, psi0 = 2 sech x (complex).

    The initial state is the second-order soliton: a breather of period pi/2.
    """
    if isinstance(nt, bool) or not isinstance(nt, (int, np.integer)) or nt < 2:
        raise InputError("nt", "an integer >= 2 samples in time", nt)
    t = np.linspace(0.0, float(t_end), int(nt))
    _check_grid(n, len(t))
    x = np.linspace(-5.0, 5.0, n, endpoint=False)
    (psi,) = _solve_fields(10.0, n, 1, [lambda K2: -0.5j * K2], lambda f: [1j * np.abs(f[0]) ** 2 * f[0]],
                           [(2.0 / np.cosh(x)).astype(complex)], t, substeps, progress, "nls", complex_fields=True)
    return PDEDataset(t, {"x": x}, {"psi": psi}, attrs={
        "source": "sciml data make nls (PDE-FIND grid, Fourier ETDRK4)",
        "true_equations": ["i psi_t = -0.5*psi_xx - |psi|^2*psi"], "noise": 0.0})


def allen_cahn(n: int = 256, t_end: float = 10.0, dt: float = 0.05, eps: float = 0.01, substeps: int = 10,
               progress: bool = False) -> PDEDataset:
    """Allen–Cahn data: ``u_t = eps u_xx + u - u^3`` on the periodic [-1, 1)."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(-1.0, 1.0, n, endpoint=False)
    (u,) = _solve_fields(2.0, n, 1, [lambda K2: 1.0 - eps * K2], lambda f: [-f[0] ** 3],
                         [0.5 * np.sin(np.pi * x) + 0.3 * np.cos(3 * np.pi * x)], t, substeps, progress,
                         "allen_cahn")
    return PDEDataset(t, {"x": x}, {"u": u}, attrs={
        "source": "sciml data make allen_cahn (Fourier ETDRK4)",
        "true_equations": [f"u_t = {eps:g}*u_xx + u - u^3"], "noise": 0.0})


def fitzhugh_nagumo(n: int = 256, t_end: float = 60.0, dt: float = 0.25, a: float = 0.7, b: float = 0.8,
                    eps: float = 0.08, substeps: int = 10, progress: bool = False) -> PDEDataset:
    """FitzHugh–Nagumo data: ``v_t = v_xx + v - v^3 - w``, ``w_t = eps (v + a - b w)`` on the periodic [0, 60).

    Three kicks of the resting state launch pulses that travel, collide and annihilate.
    """
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(0.0, 60.0, n, endpoint=False)
    rest_v = -1.1994  # the resting state v - v^3 - w = 0, v + a - b w = 0 of the classical parameters
    kicks = ((10.0, 1.0), (30.0, -1.0), (50.0, 1.0))  # centre, side of the refractory tail
    v0 = rest_v + sum(2.5 * np.exp(-(((x - c) / 3.0) ** 2)) for c, _ in kicks)
    w0 = (rest_v + a) / b + sum(0.5 * np.exp(-(((x - c + 3.0 * side) / 3.0) ** 2)) for c, side in kicks)

    def reaction(f):
        v, w = f
        return [-(v**3) - w, eps * (v + a - b * w)]

    v, w = _solve_fields(60.0, n, 1, [lambda K2: 1.0 - K2, lambda K2: 0.0 * K2], reaction, [v0, w0], t, substeps,
                         progress, "fitzhugh_nagumo")
    return PDEDataset(t, {"x": x}, {"v": v, "w": w}, attrs={
        "source": "sciml data make fitzhugh_nagumo (Fourier ETDRK4)",
        "true_equations": ["v_t = v_xx + v - v^3 - w", f"w_t = {eps:g}*(v + {a:g} - {b:g}*w)"], "noise": 0.0})


def gray_scott(n: int = 64, t_end: float = 1000.0, dt: float = 4.0, du: float = 0.16, dv: float = 0.08,
               F: float = 0.04, k: float = 0.06, substeps: int = 8, progress: bool = False) -> PDEDataset:
    """Gray–Scott data: ``u_t = du lap u - u v^2 + F (1 - u)``, ``v_t = dv lap v + u v^2 - (F + k) v`` on [0, 64)^2."""
    t = _times(t_end, dt)
    _check_grid(n, len(t))
    x = np.linspace(0.0, 64.0, n, endpoint=False)
    X, Y = np.meshgrid(x, x, indexing="ij")
    square = (np.abs(X - 32.0) < 6.0) & (np.abs(Y - 32.0) < 6.0)
    ripple = 0.05 * np.sin(0.7 * X) * np.cos(0.5 * Y)
    u0 = np.where(square, 0.5, 1.0) + ripple
    v0 = np.where(square, 0.25, 0.0) + ripple ** 2

    def reaction(f):
        u, v = f
        uvv = u * v * v
        return [-uvv + F * (1.0 - u), uvv - (F + k) * v]

    u, v = _solve_fields(64.0, n, 2, [lambda K2: -du * K2, lambda K2: -dv * K2], reaction, [u0, v0], t, substeps,
                         progress, "gray_scott")
    return PDEDataset(t, {"x": x, "y": x.copy()}, {"u": u, "v": v}, attrs={
        "source": "sciml data make gray_scott (Fourier ETDRK4)",
        "true_equations": [f"u_t = {du:g}*(u_xx + u_yy) - u*v^2 + {F:g}*(1 - u)",
                           f"v_t = {dv:g}*(v_xx + v_yy) + u*v^2 - {F + k:g}*v"], "noise": 0.0})
