"""Pointwise derivatives of sampled data, for the strong-form methods.

PySINDy's differentiation pieces serve directly: finite differences
(``pysindy.FiniteDifference``, second-order centred, one-sided at the ends),
Savitzky–Golay smoothing followed by finite differences (as PySINDy's
``SmoothedFiniteDifference``, here along any axis) and Fourier spectral
derivatives for periodic data (``pysindy.SpectralDerivative``). Total-variation
regularised differentiation, which PySINDy lacks, is :mod:`sciml.discovery.tvdiff`.
The weak form (:mod:`sciml.discovery.weak`) needs none of these.
"""

from __future__ import annotations

import numpy as np

from sciml.errors import InputError

__all__ = ["METHODS", "differentiate", "smooth"]

#: the accepted ``method`` names
METHODS = ("fd", "savgol", "spectral", "tv")


def _window(n: int, window: int | None, polyorder: int) -> int:
    w = 11 if window is None else int(window)
    w = min(w, n if n % 2 == 1 else n - 1)
    if w % 2 == 0:
        w -= 1
    if w <= polyorder:
        raise InputError("window", f"an odd window longer than polyorder={polyorder}", window)
    return w


def smooth(values: np.ndarray, axis: int = 0, window: int | None = None, polyorder: int = 3) -> np.ndarray:
    """Savitzky–Golay smoothing along ``axis`` (window 11, cubic, as PySINDy's default)."""
    from scipy.signal import savgol_filter

    values = np.asarray(values, dtype=float)
    return savgol_filter(values, _window(values.shape[axis], window, polyorder), polyorder, axis=axis)


def differentiate(values: np.ndarray, grid: np.ndarray, method: str = "savgol", order: int = 1, axis: int = 0,
                  window: int | None = None, polyorder: int = 3, alpha: float | None = None) -> np.ndarray:
    """The ``order``-th derivative of ``values`` along ``axis`` sampled on ``grid``.

    Parameters
    ----------
    values : array
        Samples; ``axis`` runs along ``grid``.
    grid : 1-D array
        Sample locations (uniform for ``spectral`` and ``tv``).
    method : {"fd", "savgol", "spectral", "tv"}
        Finite differences, smoothed finite differences, Fourier (periodic
        data) or total-variation regularised.
    order : int
        Derivative order (``tv`` applies its first derivative repeatedly).
    window, polyorder : int
        Savitzky–Golay settings.
    alpha : float or None
        TV weight; None chooses it by the discrepancy principle.
    """
    import pysindy as ps

    if method not in METHODS:
        raise InputError("method", f"one of {', '.join(METHODS)}", repr(method))
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise InputError("order", "an integer >= 1", repr(order))
    values = np.asarray(values, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or values.shape[axis] != len(grid):
        raise InputError("grid", f"a 1-D grid of {values.shape[axis]} points", grid.shape)
    if len(grid) < 2 * order + 3:
        raise InputError("values", f"at least {2 * order + 3} samples along axis {axis}", len(grid))
    x = np.moveaxis(values, axis, 0)
    if method == "fd":
        out = ps.FiniteDifference(order=2, d=int(order), axis=0)._differentiate(x, grid)
    elif method == "savgol":
        xs = smooth(x, 0, window, polyorder)
        out = ps.FiniteDifference(order=2, d=int(order), axis=0)._differentiate(xs, grid)
    elif method == "spectral":
        out = np.real(ps.SpectralDerivative(d=int(order), axis=0)._differentiate(x, grid))
    else:
        from sciml.discovery.tvdiff import tv_derivative

        flat = x.reshape(len(grid), -1)
        for _ in range(int(order)):
            flat = np.stack([tv_derivative(flat[:, j], grid, alpha) for j in range(flat.shape[1])], axis=1)
        out = flat.reshape(x.shape)
    return np.moveaxis(np.asarray(out, dtype=float), 0, axis)
