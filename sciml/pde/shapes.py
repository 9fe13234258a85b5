"""The primitive domains: intervals, disks and balls, polygons."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pde.domain import Domain

__all__ = ["Interval", "Ball", "Disk", "Polygon"]


def _number(value, name):
    try:
        out = float(sp.N(sp.sympify(value)))
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise InputError(name, "a real number", repr(value)) from exc
    if not math.isfinite(out):
        raise InputError(name, "a finite number", out)
    return out


class Interval(Domain):
    """``Interval(x, a, b)``: the closed interval a <= x <= b."""

    unit_dim = 1

    def __init__(self, variable, low, high):
        super().__init__([variable])
        self.low = _number(low, "low")
        self.high = _number(high, "high")
        if self.high == self.low:
            raise ProblemDefinitionError(
                f"Interval({variable}, {low}, {high}) has zero measure: its ends coincide")
        if self.high < self.low:
            raise ProblemDefinitionError(f"Interval({variable}, {low}, {high}): the low end exceeds "
                "the high end")

    def __repr__(self):
        return f"Interval({self.variables[0]}, {self.low:g}, {self.high:g})"

    @property
    def bounds(self):
        return np.array([self.low]), np.array([self.high])

    @property
    def measure(self):
        return self.high - self.low

    @property
    def boundary_measure(self):
        return 2.0

    def contains(self, X):
        x = np.asarray(X, dtype=float)[:, 0]
        tol = self.tolerance
        return (x >= self.low - tol) & (x <= self.high + tol)

    def on_boundary(self, X):
        x = np.asarray(X, dtype=float)[:, 0]
        tol = self.tolerance
        return (np.abs(x - self.low) <= tol) | (np.abs(x - self.high) <= tol)

    def _from_unit(self, U):
        return self.low + (self.high - self.low) * U

    def _boundary(self, n, rng):
        side = np.arange(n) % 2 == 1
        side = side[rng.permutation(n)]
        X = np.where(side, self.high, self.low)[:, None]
        N = np.where(side, 1.0, -1.0)[:, None]
        return X, N

    def distance(self):
        x = self.variables[0]
        half = (self.high - self.low) / 2
        return (x - self.low) * (self.high - x) / sp.Float(half * half)


class Ball(Domain):
    """``Ball((x, y, z), center, radius)``: the closed ball |X - center| <= radius (any dimension)."""

    def __init__(self, variables, center, radius):
        super().__init__(variables)
        self.center = np.array([_number(c, "center") for c in center], dtype=float)
        if self.center.shape != (self.dim,):
            raise InputError("center", f"{self.dim} coordinates", len(self.center))
        self.radius = _number(radius, "radius")
        if self.radius <= 0:
            raise ProblemDefinitionError(f"{type(self).__name__} radius {radius} gives a domain of "
                "zero measure")
        self.unit_dim = 2 if self.dim == 2 else None

    def __repr__(self):
        return f"{type(self).__name__}({self.variables}, {tuple(self.center)}, {self.radius:g})"

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    @property
    def measure(self):
        n = self.dim
        return math.pi ** (n / 2) / math.gamma(n / 2 + 1) * self.radius**n

    @property
    def boundary_measure(self):
        return self.dim / self.radius * self.measure

    def _r2(self, X):
        return np.sum((np.asarray(X, dtype=float) - self.center) ** 2, axis=1)

    def contains(self, X):
        return np.sqrt(self._r2(X)) <= self.radius + self.tolerance

    def on_boundary(self, X):
        return np.abs(np.sqrt(self._r2(X)) - self.radius) <= self.tolerance

    def _from_unit(self, U):
        r = self.radius * np.sqrt(U[:, 0])
        theta = 2 * np.pi * U[:, 1]
        return self.center + np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)

    def _boundary(self, n, rng):
        g = rng.standard_normal((n, self.dim))
        N = g / np.linalg.norm(g, axis=1, keepdims=True)
        return self.center + self.radius * N, N

    def distance(self):
        r2 = sum((v - c) ** 2 for v, c in zip(self.variables, self.center))
        return (self.radius**2 - r2) / sp.Float(self.radius**2)


class Disk(Ball):
    """``Disk((x, y), center, radius)``: the closed disk."""

    def __init__(self, variables, center, radius):
        if len(tuple(variables)) != 2:
            raise InputError("variables", "two symbols for a Disk", tuple(variables))
        super().__init__(variables, center, radius)


class Polygon(Domain):
    """``Polygon((x, y), [(x0, y0), (x1, y1), ...])``: a simple polygon (vertices in either order)."""

    def __init__(self, variables, vertices):
        super().__init__(variables)
        if self.dim != 2:
            raise InputError("variables", "two symbols for a Polygon", self.variables)
        V = np.array([[_number(c, "vertices") for c in v] for v in vertices], dtype=float)
        if V.ndim != 2 or V.shape[1] != 2 or len(V) < 3:
            raise InputError("vertices", "at least three (x, y) pairs", np.shape(V))
        area = 0.5 * np.sum(V[:, 0] * np.roll(V[:, 1], -1) - np.roll(V[:, 0], -1) * V[:, 1])
        if abs(area) <= 1e-14 * float(np.ptp(V)) ** 2:
            raise ProblemDefinitionError("the polygon has zero measure: its vertices are collinear")
        self.vertices = V if area > 0 else V[::-1]  # counter-clockwise
        self._area = abs(area)
        self._edges = np.roll(self.vertices, -1, axis=0) - self.vertices
        self._lengths = np.linalg.norm(self._edges, axis=1)

    def __repr__(self):
        return f"Polygon({self.variables}, {len(self.vertices)} vertices)"

    @property
    def bounds(self):
        return self.vertices.min(axis=0), self.vertices.max(axis=0)

    @property
    def measure(self):
        return self._area

    @property
    def boundary_measure(self):
        return float(self._lengths.sum())

    def _edge_distance(self, X):
        P = np.asarray(X, dtype=float)[:, None, :] - self.vertices[None]
        s = np.clip(np.sum(P * self._edges, axis=2) / self._lengths**2, 0, 1)
        D = P - s[..., None] * self._edges
        return np.sqrt(np.min(np.sum(D * D, axis=2), axis=1))

    def on_boundary(self, X):
        return self._edge_distance(X) <= self.tolerance

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        x, y = X[:, :1], X[:, 1:]
        x0, y0 = self.vertices[:, 0], self.vertices[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside = np.sum(crosses & (x < xc), axis=1) % 2 == 1
        return inside | self.on_boundary(X)

    def _boundary(self, n, rng):
        p = self._lengths / self._lengths.sum()
        k = rng.choice(len(p), size=n, p=p)
        s = rng.random(n)[:, None]
        X = self.vertices[k] + s * self._edges[k]
        e = self._edges[k] / self._lengths[k, None]
        N = np.stack([e[:, 1], -e[:, 0]], axis=1)
        return X, N
