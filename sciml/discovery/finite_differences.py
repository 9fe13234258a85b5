"""Finite-difference and Fourier derivatives of sampled data along one axis.

Finite differences: the weights of the ``d``-th derivative on a stencil of
grid points solve the Taylor (Vandermonde) conditions
``sum_j w_j (x_j - x_i)^p / p! = [p == d]`` for ``p < len(stencil)``
(Fornberg, Math. Comp. 51, 1988, gives the same weights recursively). The
interior uses centred stencils of ``2 ((d + 1) // 2) - 1 + accuracy`` points
(second-order accurate by default); the first and last points use one-sided
stencils of ``d + accuracy`` points. This is the scheme of PySINDy's
``FiniteDifference`` (checked to round-off in the tests), done here as one
vectorised solve for non-uniform grids and a constant stencil for uniform ones.

Fourier: ``ifft((i k)^d fft(f))`` for periodic samples without the right end
point (the right choice for a periodic space axis, never for time).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["finite_difference", "spectral_derivative", "stencil_weights"]


def stencil_weights(offsets: np.ndarray, d: int) -> np.ndarray:
    """Weights of the ``d``-th derivative at 0 from samples at ``offsets`` (last axis; batched)."""
    offsets = np.asarray(offsets, dtype=float)
    n = offsets.shape[-1]
    powers = np.arange(n)
    A = offsets[..., None, :] ** powers[:, None]  # (..., power, point)
    rhs = np.zeros(offsets.shape[:-1] + (n,))
    rhs[..., d] = math.factorial(d)
    return np.linalg.solve(A, rhs[..., None])[..., 0]


def _uniform(grid: np.ndarray) -> bool:
    d = np.diff(grid)
    return bool(np.allclose(d, d[0], rtol=1e-10, atol=0.0))


def finite_difference(values: np.ndarray, grid: np.ndarray, d: int = 1, accuracy: int = 2) -> np.ndarray:
    """The ``d``-th derivative of ``values`` along axis 0, sampled at the increasing ``grid``."""
    x = np.asarray(values)
    grid = np.asarray(grid, dtype=float)
    n = len(grid)
    width = 2 * ((d + 1) // 2) - 1 + accuracy
    half = (width - 1) // 2
    out = np.empty(x.shape, dtype=np.result_type(x, float))
    centres = np.arange(half, n - half)
    if _uniform(grid):
        h = grid[1] - grid[0]
        w = stencil_weights(h * (np.arange(width) - half), d)
        interior = sum(w[j] * x[j:n - width + 1 + j] for j in range(width) if w[j] != 0)
    else:
        idx = centres[:, None] + np.arange(-half, half + 1)
        w = stencil_weights(grid[idx] - grid[centres][:, None], d)
        interior = np.einsum("ij,ij...->i...", w, x[idx])
    out[half:n - half] = interior
    # one-sided stencils at both ends (as many end points as the centred stencil leaves out)
    m = d + accuracy
    right = half if accuracy % 2 == 0 else half + 1
    for points, stencil in ((np.arange(half), np.arange(m)), (n - 1 - np.arange(right), n - 1 - np.arange(m))):
        if len(points):
            w = stencil_weights(grid[stencil][None, :] - grid[points][:, None], d)
            out[points] = np.einsum("ij,j...->i...", w, x[stencil])
    return out


def spectral_derivative(values: np.ndarray, grid: np.ndarray, d: int = 1) -> np.ndarray:
    """The ``d``-th Fourier derivative along axis 0 of periodic samples on a uniform ``grid``."""
    x = np.asarray(values)
    n = x.shape[0]
    h = float(grid[1] - grid[0])
    k = 2 * np.pi * np.fft.fftfreq(n, h)
    k[n // 2] = abs(k[n // 2])  # an even grid's Nyquist mode as +pi/h, as PySINDy
    factor = ((1j * k) ** d).reshape((n,) + (1,) * (x.ndim - 1))
    out = np.fft.ifft(factor * np.fft.fft(x, axis=0), axis=0)
    return out if np.iscomplexobj(x) else out.real
