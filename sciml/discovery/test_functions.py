"""Compactly supported test functions of the weak form, and their automatic size.

The test functions are the piecewise polynomials of WSINDy (Messenger & Bortz,
"Weak SINDy for partial differential equations", J. Comput. Phys. 443, 2021,
and "Weak SINDy: Galerkin-based data-driven model selection", Multiscale Model.
Simul. 19, 2021): ``phi(s) = (1 - s^2)^p`` on ``s in [-1, 1]``, stretched to a
radius of ``m`` grid points. Their support is chosen from the data: the Fourier
spectrum of a signal has a corner ``k*`` where the decaying signal part meets
the flat noise floor (found by a two-piece linear fit of the cumulative
spectrum), and ``m`` is set so that ``k*`` lies ``tau`` standard deviations
out in the (near Gaussian) spectrum of ``phi``; the test functions then act as
low-pass filters that leave the dynamics and remove most of the noise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import polynomial as P

from sciml.errors import InputError

__all__ = ["bump", "corner_wavenumber", "choose_radius", "data_radius", "test_function_matrix"]


def bump(radius: int, degree: int, spacing: float, order: int = 0) -> np.ndarray:
    """Values of the ``order``-th derivative of ``(1 - s^2)^degree`` on the ``2 radius + 1`` grid points.

    ``s = j / radius`` for ``j = -radius … radius`` and the grid spacing is
    ``spacing``, so derivatives are with respect to the physical variable.
    """
    if radius < 1:
        raise InputError("radius", "an integer >= 1", radius)
    if order >= degree:
        raise InputError("order", f"a derivative order below the test-function degree {degree}", order,
                         "raise the test-function degree")
    coeffs = P.polypow([1.0, 0.0, -1.0], degree)
    if order:
        coeffs = P.polyder(coeffs, order)
    s = np.arange(-radius, radius + 1) / radius
    return P.polyval(s, coeffs) / (radius * spacing) ** order


def corner_wavenumber(signal: np.ndarray, axis: int = 0) -> int:
    """The corner ``k*`` of the spectrum of ``signal`` along ``axis`` (an FFT index).

    The one-sided amplitude spectrum is averaged over the other axes; its
    cumulative sum rises steeply over the signal's wavenumbers and linearly
    over white noise. ``k*`` is the break point of the best two-piece linear
    fit of that cumulative sum (Messenger & Bortz 2021, section 2.3).
    """
    a = np.moveaxis(np.asarray(signal, dtype=float), axis, 0)
    a = a.reshape(a.shape[0], -1)
    a = a - a.mean(axis=0)
    spectrum = np.abs(np.fft.rfft(a, axis=0)).mean(axis=1)
    c = np.cumsum(spectrum)
    n = len(c)
    if n < 6:
        return max(1, n - 1)
    k = np.arange(n, dtype=float)
    # prefix sums give the residual of a least-squares line on any prefix/suffix in O(1)
    sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones(n), k, k * k, c, c * c, k * c)]

    def rss(lo, hi):  # segment [lo, hi) for arrays of lo/hi
        s1, sk, skk, sc, scc, skc = (s[hi] - s[lo] for s in sums)
        var_k = skk - sk * sk / s1
        cov = skc - sk * sc / s1
        return (scc - sc * sc / s1) - np.where(var_k > 0, cov * cov / np.where(var_k > 0, var_k, 1), 0)

    j = np.arange(2, n - 2)
    total = rss(np.zeros_like(j), j + 1) + rss(j, np.full_like(j, n))
    return int(j[np.argmin(total)])


def choose_radius(n: int, k_star: int, degree: int, tau: float = 1.0, min_radius: int | None = None) -> int:
    """Radius (in grid points) of the test function for ``n`` samples with spectral corner ``k_star``.

    ``(1 - s^2)^p`` is close to ``exp(-p s^2)``, whose discrete spectrum is a
    Gaussian in the wavenumber with standard deviation
    ``n sqrt(p / 2) / (pi m)``; ``m`` is chosen so that ``k_star`` sits ``tau``
    standard deviations out. The result is clipped to ``[min_radius, (n - 1) // 4]``
    so that there is room for several test functions.
    """
    if n < 9:
        raise InputError("n", "at least 9 samples along each axis for the weak form", n)
    k_star = max(int(k_star), 1)
    m = int(math.ceil(tau * n * math.sqrt(degree / 2.0) / (math.pi * k_star)))
    lo = max(min_radius if min_radius is not None else degree, 2)
    hi = max((n - 1) // 4, 2)
    return int(min(max(m, lo), hi))


def data_radius(signals, axis: int, degree: int, tau: float = 1.0) -> int:
    """The test-function radius along ``axis`` for the given signals: the widest-band signal decides.

    ``n / (2 * radius)`` is also used as the number of effectively independent
    samples along that axis, by both the weak and the strong form.
    """
    signals = list(signals)
    k_star = max(corner_wavenumber(s, axis=axis) for s in signals)
    return choose_radius(np.shape(signals[0])[axis], k_star, degree, tau)


def test_function_matrix(n: int, spacing: float, radius: int, degree: int, order: int,
                         stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of quadrature weights: ``V @ f`` is the integral of ``phi_k^(order) f`` for every centre k.

    Returns ``(centres, V)`` with ``V`` of shape ``(len(centres), n)``. Every
    test function lies inside the grid, so no boundary terms arise from
    integration by parts; the trapezoid rule reduces to a plain sum because the
    test function and its first ``degree - 1`` derivatives vanish at both ends.
    """
    if 2 * radius + 1 > n:
        raise InputError("radius", f"at most {(n - 1) // 2} for {n} grid points", radius)
    centres = np.arange(radius, n - radius, max(int(stride), 1))
    values = bump(radius, degree, spacing, order) * spacing
    V = np.zeros((len(centres), n))
    offsets = np.arange(-radius, radius + 1)
    V[np.arange(len(centres))[:, None], centres[:, None] + offsets[None, :]] = values
    return centres, V
