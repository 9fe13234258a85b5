"""Pointwise derivatives of sampled data, for the strong-form methods.

Finite differences (second-order centred, one-sided at the ends; the scheme
of PySINDy's ``FiniteDifference``), Savitzky–Golay smoothing followed by finite
differences (as PySINDy's ``SmoothedFiniteDifference``, here along any axis)
and Fourier spectral derivatives for periodic data are
:mod:`sciml.discovery.finite_differences`. Total-variation regularised
differentiation, which PySINDy lacks, is :mod:`sciml.discovery.tvdiff`.
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

    values = np.asarray(values)
    if np.iscomplexobj(values):
        return smooth(values.real, axis, window, polyorder) + 1j * smooth(values.imag, axis, window, polyorder)
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
    from sciml.discovery.finite_differences import finite_difference, spectral_derivative

    if method not in METHODS:
        raise InputError("method", f"one of {', '.join(METHODS)}", repr(method))
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise InputError("order", "an integer >= 1", repr(order))
    values = np.asarray(values)
    if np.iscomplexobj(values):  # every method is linear: the real and imaginary parts one at a time
        parts = [differentiate(p, grid, method, order, axis, window, polyorder, alpha)
                 for p in (values.real, values.imag)]
        return parts[0] + 1j * parts[1]
    values = np.asarray(values, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or values.shape[axis] != len(grid):
        raise InputError("grid", f"a 1-D grid of {values.shape[axis]} points", grid.shape)
    if len(grid) < 2 * order + 3:
        raise InputError("values", f"at least {2 * order + 3} samples along axis {axis}", len(grid))
    x = np.moveaxis(values, axis, 0)
    if method == "fd":
        out = finite_difference(x, grid, int(order))
    elif method == "savgol":
        out = finite_difference(smooth(x, 0, window, polyorder), grid, int(order))
    elif method == "spectral":
        out = spectral_derivative(x, grid, int(order))
    else:
        from sciml.discovery.tvdiff import tv_derivative

        flat = x.reshape(len(grid), -1)
        for _ in range(int(order)):
            flat = np.stack([tv_derivative(flat[:, j], grid, alpha) for j in range(flat.shape[1])], axis=1)
        out = flat.reshape(x.shape)
    return np.moveaxis(np.asarray(out, dtype=float), 0, axis)
