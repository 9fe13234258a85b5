"""Fourier pseudo-spectral time stepping for stiff periodic PDEs: ETDRK4.

``u_t = L u + N(u)`` with ``L`` diagonal in Fourier space (diffusion,
dispersion, hyperdiffusion) and ``N`` the rest, evaluated in physical space.
The fourth-order exponential time-differencing Runge–Kutta scheme of Cox &
Matthews (J. Comput. Phys. 176, 2002) treats ``L`` exactly; its coefficients are
computed by the contour-integral means of Kassam & Trefethen ("Fourth-order
time-stepping for stiff PDEs", SIAM J. Sci. Comput. 26, 2005), which avoids
the cancellation error of the textbook formulas. This is the documented scheme
the PDE data generators use (the ODE generators use :mod:`sciml.integrate`);
it lives here, not in ``sciml.integrate``, because it is specific to periodic
grids and constant linear operators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sciml.errors import InputError, SolverError

__all__ = ["wavenumbers", "spectral_derivative", "etdrk4"]


def wavenumbers(n: int, length: float, real: bool = False) -> np.ndarray:
    """Angular wavenumbers of an ``n``-point periodic grid of period ``length`` (for fft or rfft)."""
    if n < 2 or not length > 0:
        raise InputError("n, length", "n >= 2 points and a positive period", (n, length))
    d = length / n
    return 2 * np.pi * (np.fft.rfftfreq(n, d) if real else np.fft.fftfreq(n, d))


def spectral_derivative(u: np.ndarray, length: float, order: int = 1, axis: int = -1) -> np.ndarray:
    """The ``order``-th derivative of periodic samples along ``axis`` (Fourier differentiation)."""
    u = np.asarray(u, dtype=float)
    n = u.shape[axis]
    k = wavenumbers(n, length, real=True)
    factor = (1j * k) ** order
    if order % 2 == 1 and n % 2 == 0:
        factor[-1] = 0.0  # the Nyquist mode has no odd derivative
    shape = [1] * u.ndim
    shape[axis] = len(k)
    return np.fft.irfft(np.fft.rfft(u, axis=axis) * factor.reshape(shape), n=n, axis=axis)


def etdrk4(linear: np.ndarray, nonlinear: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, step: float,
           n_steps: int, save_every: int, contour_points: int = 32, progress=None) -> list[np.ndarray]:
    """Advance ``v_t = linear * v + nonlinear(v)`` in spectral space with ETDRK4.

    Parameters
    ----------
    linear : complex array
        The diagonal linear operator, broadcastable to ``v0``.
    nonlinear : callable
        ``nonlinear(v_hat) -> N_hat`` in spectral space.
    v0 : complex array
        Initial spectral state.
    step : float
        Time step.
    n_steps, save_every : int
        Number of steps, and how often a state is kept (the first is ``v0``).
    progress : callable or None
        Called with the number of steps done after each saved state.

    Returns the saved spectral states. Raises :class:`SolverError` if the
    solution becomes non-finite.
    """
    if not step > 0 or n_steps < 1 or save_every < 1:
        raise InputError("step, n_steps, save_every", "positive values", (step, n_steps, save_every))
    hL = step * np.asarray(linear, dtype=complex)
    E, E2 = np.exp(hL), np.exp(hL / 2)
    # points on the full unit circle around each h*L (the half circle of Kassam & Trefethen is enough
    # only for real L, where the conjugate half contributes the complex conjugate)
    r = np.exp(2j * np.pi * (np.arange(1, contour_points + 1) - 0.5) / contour_points)
    LR = hL[..., None] + r
    Q = step * np.mean((np.exp(LR / 2) - 1) / LR, axis=-1)
    f1 = step * np.mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR**2)) / LR**3, axis=-1)
    f2 = step * np.mean((2 + LR + np.exp(LR) * (LR - 2)) / LR**3, axis=-1)
    f3 = step * np.mean((-4 - 3 * LR - LR**2 + np.exp(LR) * (4 - LR)) / LR**3, axis=-1)
    if np.isrealobj(linear) or np.allclose(np.imag(linear), 0):
        Q, f1, f2, f3 = Q.real, f1.real, f2.real, f3.real
    v = np.asarray(v0, dtype=complex)
    saved = [v.copy()]
    for n in range(1, n_steps + 1):
        Nv = nonlinear(v)
        a = E2 * v + Q * Nv
        Na = nonlinear(a)
        b = E2 * v + Q * Na
        Nb = nonlinear(b)
        c = E2 * a + Q * (2 * Nb - Nv)
        Nc = nonlinear(c)
        v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        if n % save_every == 0:
            if not np.isfinite(v).all():
                raise SolverError("ETDRK4: the solution became non-finite", t=n * step, step_size=step,
                                  hint="reduce the time step")
            saved.append(v.copy())
            if progress is not None:
                progress(n)
    return saved


def grid_lengths(coords: Sequence[np.ndarray]) -> list[float]:
    """Periods of uniform periodic grids given without their right end point."""
    return [float(len(c) * (c[1] - c[0])) for c in coords]
