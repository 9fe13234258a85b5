"""Domains: where a problem lives, how to sample it, and its boundary normals.

Every domain samples interior points (with any sampler of :mod:`sciml.pde.sampling`)
and boundary points with their outward unit normals. Products build boxes and
space-time cylinders (``Interval(x, -1, 1) * Interval(t, 0, 1)``, ``Disk * Interval``);
``|``, ``&`` and ``-`` build unions, intersections and differences (constructive
solid geometry). Points are numpy arrays of shape (n, d), columns in the order of
:attr:`Domain.variables`.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import sympy as sp

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pde.sampling import make_rng, unit_samples

__all__ = ["Domain", "Product", "Union", "Intersection", "Difference"]


class Domain:
    """Base class. Subclasses define ``bounds``, ``measure``, ``boundary_measure``,
    ``contains``, ``on_boundary``, ``_boundary(n, rng)`` and, when they can,
    ``_from_unit(U)`` (a measure-preserving map from the unit cube)."""

    unit_dim: int | None = None  # dimension of the unit cube _from_unit takes (None: no map)

    def __init__(self, variables):
        variables = tuple(variables)
        for v in variables:
            if not isinstance(v, sp.Symbol):
                raise InputError("variables", "sympy Symbols", f"{v!r} ({type(v).__name__})")
        if len(set(variables)) != len(variables):
            raise ProblemDefinitionError(f"a domain variable appears twice: {variables}")
        self.variables = variables

    # --- geometry every subclass provides -------------------------------------------------------
    @property
    def dim(self) -> int:
        return len(self.variables)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def measure(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def boundary_measure(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def contains(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_boundary(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _boundary(self, n: int, rng) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def _from_unit(self, U: np.ndarray) -> np.ndarray:  # pragma: no cover - optional
        raise NotImplementedError

    def distance(self):
        """A sympy expression that is 0 on the boundary and positive inside (for hard
        constraints), or None when the domain has none."""
        return None

    # --- sampling ---------------------------------------------------------------------------------
    @property
    def tolerance(self) -> float:
        lo, hi = self.bounds
        return 1e-9 * float(max(np.max(hi - lo), 1e-300))

    def sample_interior(self, n: int, method: str = "sobol", rng=None) -> np.ndarray:
        """``n`` points inside the domain (boundary included), drawn with ``method``."""
        rng = make_rng(rng)
        if self.unit_dim is not None:
            return self._from_unit(unit_samples(n, self.unit_dim, method, rng))
        return self._rejection(n, method, rng)

    def _rejection(self, n, method, rng):
        lo, hi = self.bounds
        box = float(np.prod(hi - lo))
        fraction = max(self.measure / box, 1e-3) if box > 0 else 1.0
        kept = []
        total = 0
        for _ in range(50):
            m = int(1.3 * (n - total) / fraction) + 16
            X = lo + (hi - lo) * unit_samples(m, self.dim, method, rng)
            X = X[self.contains(X)]
            kept.append(X)
            total += len(X)
            if total >= n:
                break
        X = np.concatenate(kept)
        if len(X) < n:
            raise ProblemDefinitionError(f"could not sample {n} points inside {self!r}")
        return X[:n]

    def sample_boundary(self, n: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points on the boundary and their outward unit normals, uniform in boundary measure."""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError("n", "a non-negative integer number of points", repr(n))
        return self._boundary(int(n), make_rng(rng))

    # --- algebra ----------------------------------------------------------------------------------
    def __mul__(self, other):
        if not isinstance(other, Domain):
            return NotImplemented
        return Product([self, other])

    def __or__(self, other):
        return Union(self, other)

    def __and__(self, other):
        return Intersection(self, other)

    def __sub__(self, other):
        return Difference(self, other)

    def _check_measure(self):
        if not self.measure > 0:
            raise ProblemDefinitionError(f"the domain {self!r} has zero measure: it contains no "
                "interior points")


class Product(Domain):
    """The Cartesian product of domains in disjoint variables (boxes, space-time cylinders)."""

    def __init__(self, factors):
        flat = []
        for f in factors:
            if not isinstance(f, Domain):
                raise InputError("factors", "Domain objects", type(f).__name__)
            flat.extend(f.factors if isinstance(f, Product) else [f])
        variables = [v for f in flat for v in f.variables]
        if len(set(variables)) != len(variables):
            raise ProblemDefinitionError(
                f"a product of domains needs distinct variables, got {', '.join(map(str, variables))}")
        super().__init__(variables)
        self.factors = tuple(flat)
        maps = [f.unit_dim for f in flat]
        self.unit_dim = None if any(m is None for m in maps) else sum(maps)
        self._slices = []
        start = 0
        for f in flat:
            self._slices.append(slice(start, start + f.dim))
            start += f.dim

    def __repr__(self):
        return " * ".join(repr(f) for f in self.factors)

    @property
    def bounds(self):
        lows, highs = zip(*(f.bounds for f in self.factors))
        return np.concatenate(lows), np.concatenate(highs)

    @property
    def measure(self):
        return float(np.prod([f.measure for f in self.factors]))

    def _weights(self):
        m = [f.measure for f in self.factors]
        w = np.array([f.boundary_measure * np.prod(m[:k] + m[k + 1:]) for k, f in enumerate(self.factors)])
        return w

    @property
    def boundary_measure(self):
        return float(self._weights().sum())

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        mask = np.ones(len(X), dtype=bool)
        for f, s in zip(self.factors, self._slices):
            mask &= f.contains(X[:, s])
        return mask

    def on_boundary(self, X):
        X = np.asarray(X, dtype=float)
        inside = self.contains(X)
        edge = np.zeros(len(X), dtype=bool)
        for f, s in zip(self.factors, self._slices):
            edge |= f.on_boundary(X[:, s])
        return inside & edge

    def _from_unit(self, U):
        parts, start = [], 0
        for f in self.factors:
            parts.append(f._from_unit(U[:, start:start + f.unit_dim]))
            start += f.unit_dim
        return np.concatenate(parts, axis=1)

    def sample_interior(self, n, method="sobol", rng=None):
        rng = make_rng(rng)
        if self.unit_dim is not None:
            return self._from_unit(unit_samples(n, self.unit_dim, method, rng))
        parts = [f.sample_interior(n, method, rng)[rng.permutation(n)] for f in self.factors]
        return np.concatenate(parts, axis=1)

    def _boundary(self, n, rng):
        w = self._weights()
        counts = rng.multinomial(n, w / w.sum())
        Xs, Ns = [], []
        for k, cnt in enumerate(counts):
            if cnt == 0:
                continue
            cols, normals = [], []
            for j, g in enumerate(self.factors):
                if j == k:
                    Xb, Nb = g.sample_boundary(int(cnt), rng)
                    cols.append(Xb)
                    normals.append(Nb)
                else:
                    cols.append(g.sample_interior(int(cnt), "uniform", rng))
                    normals.append(np.zeros((int(cnt), g.dim)))
            Xs.append(np.concatenate(cols, axis=1))
            Ns.append(np.concatenate(normals, axis=1))
        if not Xs:
            return np.zeros((0, self.dim)), np.zeros((0, self.dim))
        X, N = np.concatenate(Xs), np.concatenate(Ns)
        order = rng.permutation(len(X))
        return X[order], N[order]

    def distance(self):
        parts = [f.distance() for f in self.factors]
        if any(p is None for p in parts):
            return None
        return sp.Mul(*parts)

    def split(self, variable):
        """(the product of the other factors, the factor in ``variable``)."""
        for f in self.factors:
            if variable in f.variables:
                if f.dim != 1:
                    raise ProblemDefinitionError(f"the time variable {variable} must have its own Interval")
                rest = [g for g in self.factors if g is not f]
                if not rest:
                    return None, f
                return (rest[0] if len(rest) == 1 else Product(rest)), f
        raise ProblemDefinitionError(f"the domain has no variable {variable}")


class _Boolean(Domain):
    """Shared machinery of the set operations: rejection sampling and probed boundaries."""

    symbol = "?"

    def __init__(self, a, b):
        for name, d in (("left", a), ("right", b)):
            if not isinstance(d, Domain):
                raise InputError(name, "a Domain", type(d).__name__)
        if set(a.variables) != set(b.variables):
            raise ProblemDefinitionError(
                f"set operations need domains in the same variables, got ({', '.join(map(str, a.variables))})"
                f" and ({', '.join(map(str, b.variables))})")
        super().__init__(a.variables)
        self.a = a
        self.b = b
        self._perm = [b.variables.index(v) for v in a.variables]
        self._check_measure()

    def __repr__(self):
        return f"({self.a!r} {self.symbol} {self.b!r})"

    def _in_b(self, X):
        return X[:, self._perm]

    def _b_contains(self, X):
        return self.b.contains(self._in_b(X))

    def _b_strict(self, X):
        Y = self._in_b(X)
        return self.b.contains(Y) & ~self.b.on_boundary(Y)

    def _a_strict(self, X):
        return self.a.contains(X) & ~self.a.on_boundary(X)

    def _b_boundary(self, n, rng):
        inv = np.argsort(self._perm)
        X, N = self.b.sample_boundary(n, rng)
        return X[:, inv], N[:, inv]

    @cached_property
    def _estimates(self):
        rng = np.random.default_rng(12345)
        lo, hi = self.bounds
        U = unit_samples(1 << 15, self.dim, "sobol", rng)
        X = lo + (hi - lo) * U
        volume = float(np.prod(hi - lo)) * float(np.mean(self.contains(X)))
        k = 4096
        Xa, Na = self.a.sample_boundary(k, rng)
        Xb, Nb = self._b_boundary(k, rng)
        fa = float(np.mean(self._keep_a(Xa, Na))) if k else 0.0
        fb = float(np.mean(self._keep_b(Xb, Nb))) if k else 0.0
        return volume, fa * self.a.boundary_measure, fb * self.b.boundary_measure

    @property
    def measure(self):
        return self._estimates[0]

    @property
    def boundary_measure(self):
        return self._estimates[1] + self._estimates[2]

    def on_boundary(self, X):
        X = np.asarray(X, dtype=float)
        return self.contains(X) & (self.a.on_boundary(X) | self.b.on_boundary(self._in_b(X)))

    @property
    def _eps(self):
        return 1e3 * self.tolerance

    def _boundary(self, n, rng):
        _, ma, mb = self._estimates
        if ma + mb <= 0:
            return np.zeros((0, self.dim)), np.zeros((0, self.dim))
        Xs, Ns, total = [], [], 0
        for _ in range(50):
            m = 2 * (n - total) + 16
            na = rng.binomial(m, ma / (ma + mb))
            Xa, Na = self.a.sample_boundary(int(na), rng)
            Xb, Nb = self._b_boundary(int(m - na), rng)
            ka, kb = self._keep_a(Xa, Na), self._keep_b(Xb, Nb)
            Xs += [Xa[ka], Xb[kb]]
            Ns += [Na[ka], self._flip_b() * Nb[kb]]
            total += int(ka.sum() + kb.sum())
            if total >= n:
                break
        X, N = np.concatenate(Xs), np.concatenate(Ns)
        order = rng.permutation(len(X))[:n]
        return X[order], N[order]

    def _flip_b(self):
        return 1.0


class Union(_Boolean):
    """Points in either domain."""

    symbol = "|"

    @property
    def bounds(self):
        (la, ha), (lb, hb) = self.a.bounds, self._b_bounds()
        return np.minimum(la, lb), np.maximum(ha, hb)

    def _b_bounds(self):
        lo, hi = self.b.bounds
        return lo[self._perm], hi[self._perm]

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        return self.a.contains(X) | self._b_contains(X)

    def _keep_a(self, X, N):
        return ~self._b_contains(X + self._eps * N)

    def _keep_b(self, X, N):
        return ~self.a.contains(X + self._eps * N) & ~self.a.contains(X)


class Intersection(_Boolean):
    """Points in both domains."""

    symbol = "&"

    @property
    def bounds(self):
        (la, ha) = self.a.bounds
        lo, hi = self.b.bounds
        return np.maximum(la, lo[self._perm]), np.minimum(ha, hi[self._perm])

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        return self.a.contains(X) & self._b_contains(X)

    def _keep_a(self, X, N):
        return self._b_contains(X) & self._b_contains(X - self._eps * N)

    def _keep_b(self, X, N):
        return self.a.contains(X) & self.a.contains(X - self._eps * N) & ~self.a.on_boundary(X)


class Difference(_Boolean):
    """Points in the first domain and not in the second."""

    symbol = "-"

    @property
    def bounds(self):
        return self.a.bounds

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        inside = self.a.contains(X) & ~self._b_strict(X)
        edge = inside & self.b.on_boundary(self._in_b(X))
        if edge.any():  # a point of B's boundary belongs to the closure only if A - B lies next to it
            P = X[edge]
            near = np.zeros(len(P), dtype=bool)
            for k in range(self.dim):
                for sign in (-1.0, 1.0):
                    Q = P.copy()
                    Q[:, k] += sign * self._eps
                    near |= self.a.contains(Q) & ~self._b_contains(Q)
            inside[np.flatnonzero(edge)] = near
        return inside

    def _keep_a(self, X, N):
        return ~self._b_contains(X - self._eps * N)

    def _keep_b(self, X, N):
        return self._a_strict(X + self._eps * N) & self._a_strict(X)

    def _flip_b(self):
        return -1.0
