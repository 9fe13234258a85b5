"""The weak form: integrate the equations against test functions instead of differentiating data.

For an ODE ``y' = Theta(y) w`` and a test function ``phi`` that vanishes at
both ends of its support, ``-int phi' y dt = int phi Theta(y) dt w``: the
left side needs no derivative of the (noisy) data, and the right side is a
smoothed library (Messenger & Bortz, Multiscale Model. Simul. 19, 2021). For a
PDE ``u_t = sum_j w_j D^alpha_j f_j(u)`` the same integration by parts moves
every derivative onto separable test functions ``phi(t) prod_i phi_i(x_i)``
(Messenger & Bortz, J. Comput. Phys. 443, 2021):
``-int phi_t u = sum_j w_j (-1)^|alpha_j| int (D^alpha_j phi) f_j(u)``.
All integrals are separable matrix products (one matrix per axis).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sciml.discovery.test_functions import bump, data_radius, test_function_matrix
from sciml.errors import InputError

__all__ = ["WeakODE", "WeakPDE", "uniform_spacing"]


def uniform_spacing(values: np.ndarray, name: str) -> float:
    """The spacing of a uniform, increasing grid; an :class:`InputError` naming ``name`` otherwise."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) < 2:
        raise InputError(name, "a 1-D grid of at least 2 points", getattr(values, "shape", values))
    d = np.diff(values)
    h = float(np.mean(d))
    if not h > 0 or np.max(np.abs(d - h)) > 1e-6 * abs(h) + 1e-12 * np.max(np.abs(values)):
        raise InputError(name, "a uniform increasing grid for the weak form", "a non-uniform grid",
                         "resample the data to a uniform grid, or use a strong-form method (stlsq, sr3)")
    return h


class WeakODE:
    """Test-function integrals along one trajectory.

    Parameters
    ----------
    t : array (n,)
        Uniform time grid.
    y : array (n, d)
        The states (used to size the test functions when ``radius`` is None).
    degree : int
        Degree ``p`` of ``(1 - s^2)^p``.
    radius : int or None
        Half-width in samples; chosen from the spectral corner of ``y`` when None.
    tau : float
        How far out (in standard deviations of the test function's spectrum)
        the corner lies; larger means wider, smoother test functions.
    stride : int or None
        Samples between test-function centres (default ``radius // 4``).
    """

    def __init__(self, t, y, degree: int = 8, radius: int | None = None, tau: float = 1.0,
                 stride: int | None = None):
        t = np.asarray(t, dtype=float)
        y = np.asarray(y, dtype=float)
        self.spacing = uniform_spacing(t, "t")
        n = len(t)
        if radius is None:
            radius = data_radius([y[:, i] for i in range(y.shape[1])], 0, degree, tau)
        radius = int(radius)
        if not 1 <= radius <= (n - 1) // 2:
            raise InputError("radius", f"an integer in [1, {(n - 1) // 2}]", radius)
        self.radius, self.degree = radius, int(degree)
        self.stride = int(stride) if stride else max(1, radius // 4)
        self.centres = np.arange(radius, n - radius, self.stride)
        # quadrature weights of phi and phi' on the 2 radius + 1 points of a support (uniform grid)
        self._w0 = bump(radius, self.degree, self.spacing, 0) * self.spacing
        self._w1 = bump(radius, self.degree, self.spacing, 1) * self.spacing
        self.times = t[self.centres]

    @property
    def n_rows(self) -> int:
        return len(self.centres)

    def _windows(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        windows = np.lib.stride_tricks.sliding_window_view(values, 2 * self.radius + 1, axis=0)
        return windows[self.centres - self.radius]  # (K, J, 2 radius + 1)

    def project(self, values: np.ndarray) -> np.ndarray:
        """``int phi_k f dt`` for each test function k and each column of ``values`` (n, J)."""
        return self._windows(values) @ self._w0

    def target(self, y: np.ndarray) -> np.ndarray:
        """``int phi_k y' dt = -int phi_k' y dt`` for each test function and state."""
        return -(self._windows(y) @ self._w1)


class WeakPDE:
    """Separable test-function integrals on a (t, x1, …, xd) grid.

    Parameters
    ----------
    t : array (nt,)
        Uniform time grid.
    coords : sequence of arrays
        Uniform spatial grids, in axis order.
    fields : sequence of arrays (nt, n1, …, nd)
        Used to size the test functions per axis when ``radii`` is None.
    max_order : int
        Highest spatial derivative that will be moved onto the test functions.
    degrees : (int, int) or None
        ``(p_t, p_x)``; default ``(6, max_order + 5)``.
    radii : sequence of int or None
        Half-widths per axis, time first.
    tau : float
        See :class:`WeakODE`.
    max_rows : int
        Strides are chosen so that there are at most about this many test functions.
    """

    def __init__(self, t, coords: Sequence[np.ndarray], fields: Sequence[np.ndarray], max_order: int,
                 degrees: tuple[int, int] | None = None, radii: Sequence[int] | None = None,
                 tau: float = 1.0, max_rows: int = 6000):
        t = np.asarray(t, dtype=float)
        self.spacings = [uniform_spacing(t, "t")] + [uniform_spacing(c, f"coords[{i}]")
                                                      for i, c in enumerate(coords)]
        self.shape = (len(t),) + tuple(len(c) for c in coords)
        self.max_order = int(max_order)
        p_t, p_x = degrees if degrees is not None else (6, self.max_order + 5)
        if p_x <= self.max_order:
            raise InputError("degrees", f"a spatial degree above the derivative order {self.max_order}", p_x)
        self.degrees = [int(p_t)] + [int(p_x)] * len(coords)
        ndim = len(self.shape)
        if radii is None:
            radii = [data_radius(fields, axis, self.degrees[axis], tau) for axis in range(ndim)]
        radii = [int(r) for r in radii]
        if len(radii) != ndim:
            raise InputError("radii", f"{ndim} radii (time first)", len(radii))
        for axis, r in enumerate(radii):
            if not 1 <= r <= (self.shape[axis] - 1) // 2:
                raise InputError(f"radii[{axis}]", f"an integer in [1, {(self.shape[axis] - 1) // 2}]", r)
        self.radii = radii
        self.strides = self._strides(max_rows)
        self._mats: dict[tuple[int, int], np.ndarray] = {}
        self.centres = [test_function_matrix(self.shape[a], self.spacings[a], radii[a], self.degrees[a], 0,
                                             self.strides[a])[0] for a in range(ndim)]

    def _strides(self, max_rows):
        strides = [max(1, r // 4) for r in self.radii]
        while True:
            counts = [len(range(r, n - r, s)) for r, n, s in zip(self.radii, self.shape, strides)]
            if int(np.prod(counts)) <= max_rows:
                return strides
            # widen the stride on the axis with the most centres
            a = int(np.argmax(counts))
            strides[a] += max(1, strides[a] // 4)

    def _matrix(self, axis: int, order: int) -> np.ndarray:
        key = (axis, order)
        if key not in self._mats:
            self._mats[key] = test_function_matrix(self.shape[axis], self.spacings[axis], self.radii[axis],
                                                   self.degrees[axis], order, self.strides[axis])[1]
        return self._mats[key]

    @property
    def n_rows(self) -> int:
        return int(np.prod([len(c) for c in self.centres]))

    def row_times(self) -> np.ndarray:
        """Time index of the centre of every row (rows are in C order, time slowest)."""
        grids = np.meshgrid(*[np.asarray(c) for c in self.centres], indexing="ij")
        return grids[0].ravel()

    def _values(self, values) -> np.ndarray:
        out = np.asarray(values)
        out = out if np.iscomplexobj(out) else np.asarray(out, dtype=float)
        if out.shape != self.shape:
            raise InputError("values", f"an array of shape {self.shape}", out.shape)
        return out

    def _apply(self, values: np.ndarray, axis: int, order: int) -> np.ndarray:
        return np.moveaxis(np.tensordot(self._matrix(axis, order), values, axes=(1, axis)), 0, axis)

    def integrate(self, values: np.ndarray, orders: Sequence[int]) -> np.ndarray:
        """``int (D^orders phi_k) values`` for every test function k (time order first); real or complex."""
        out = self._values(values)
        for axis, order in enumerate(orders):
            out = self._apply(out, axis, order)
        return out.ravel()

    def project_all(self, values: np.ndarray, alphas: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """:meth:`project` for several ``alpha`` at once: the time integral, the largest, is done once."""
        base = self._apply(self._values(values), 0, 0)
        cache: dict[tuple[int, ...], np.ndarray] = {(): base}
        out = []
        for alpha in alphas:
            alpha = tuple(int(a) for a in alpha)
            if len(alpha) != len(self.shape) - 1:
                raise InputError("alpha", f"{len(self.shape) - 1} spatial orders", alpha)
            for n in range(1, len(alpha) + 1):
                if alpha[:n] not in cache:
                    cache[alpha[:n]] = self._apply(cache[alpha[:n - 1]], n, alpha[n - 1])
            sign = -1.0 if sum(alpha) % 2 else 1.0
            out.append(sign * cache[alpha].ravel())
        return out

    def project(self, values: np.ndarray, alpha: Sequence[int]) -> np.ndarray:
        """Weak value of ``D^alpha f`` (alpha: spatial derivative orders) for a field function ``f``."""
        alpha = tuple(int(a) for a in alpha)
        if len(alpha) != len(self.shape) - 1:
            raise InputError("alpha", f"{len(self.shape) - 1} spatial orders", alpha)
        sign = -1.0 if sum(alpha) % 2 else 1.0
        return sign * self.integrate(values, (0,) + alpha)

    def target(self, u: np.ndarray) -> np.ndarray:
        """Weak value of ``u_t``: ``-int phi_t u``."""
        return -self.integrate(u, (1,) + (0,) * (len(self.shape) - 1))
