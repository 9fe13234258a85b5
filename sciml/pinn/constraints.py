"""Hard constraints: outputs that satisfy initial and Dirichlet conditions exactly.

A constrained field is ``u = G + phi * N``, with ``N`` the network output, ``phi`` a
function vanishing where the conditions hold (the time since the start for an initial
condition, an approximate distance for a boundary) and ``G`` a function taking the
prescribed values there (Lagaris, Likas & Fotiadis 1998; Sukumar & Srivastava 2022 for
the transfinite blend used when no single condition's value fits all of them). Since
the map is affine in ``N``, the derivatives follow by Leibniz' rule from those of ``N``
and of ``G`` and ``phi``, which depend only on the points and are computed once per set
of points.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy as sp
import torch

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pde.conditions import Dirichlet, Initial
from sciml.pde.domain import Product
from sciml.symbolic import compile_numpy, compile_torch

__all__ = ["HardConstraint", "build_constraints"]


def _leq(beta, alpha):
    return all(b <= a for b, a in zip(beta, alpha))


def _below(alpha):
    return itertools.product(*(range(a + 1) for a in alpha))


class HardConstraint:
    """``u = G + phi * N`` for one field; ``conditions`` are the ones it satisfies exactly."""

    def __init__(self, field_index, G, phi, variables, conditions=()):
        self.field_index = field_index
        self.G = sp.sympify(G)
        self.phi = sp.sympify(phi)
        self.variables = list(variables)
        self.conditions = list(conditions)
        for name, e in (("G", self.G), ("phi", self.phi)):
            stray = e.free_symbols - set(self.variables)
            if stray:
                raise InputError(f"hard constraint {name}", "an expression in the domain variables",
                                 f"symbols {stray}")

    def expand(self, alpha):
        """The network multi-indices needed for the field's derivative ``alpha``."""
        return [tuple(b) for b in _below(alpha)]

    def coefficients(self, X, alphas):
        """Values of the derivatives of G and phi needed for ``alphas`` at the points ``X``."""
        gs = sorted({tuple(a) for a in alphas})
        ps = sorted({tuple(a - b for a, b in zip(alpha, beta)) for alpha in alphas for beta in _below(alpha)})
        exprs = [self._diff(self.G, a) for a in gs] + [self._diff(self.phi, p) for p in ps]
        fn = compile_torch(exprs, self.variables)
        values = fn(*[X[:, i] for i in range(X.shape[1])])
        values = [v.detach() if isinstance(v, torch.Tensor) else v for v in values]
        return dict(zip(gs, values[: len(gs)])), dict(zip(ps, values[len(gs):]))

    def _diff(self, e, alpha):
        args = [a for v, n in zip(self.variables, alpha) for a in (v, n) if n]
        return sp.diff(e, *args) if args else e

    @staticmethod
    def apply(alpha, G, P, N):
        """u_alpha = G_alpha + sum_{beta <= alpha} binom(alpha, beta) phi_{alpha-beta} N_beta."""
        out = G[alpha]
        for beta in _below(alpha):
            c = math.prod(math.comb(a, b) for a, b in zip(alpha, beta))
            gamma = tuple(a - b for a, b in zip(alpha, beta))
            term = P[gamma] * N[beta]
            out = out + (term if c == 1 else c * term)
        return out


def _face_distance(problem, rel):
    """phi for a Dirichlet condition on a face ``Eq(x, c)`` of an interval factor."""
    if not isinstance(rel, sp.Eq):
        return None
    lhs, rhs = rel.lhs, rel.rhs
    if isinstance(rhs, sp.Symbol) and lhs.is_number:
        lhs, rhs = rhs, lhs
    if not isinstance(lhs, sp.Symbol) or not rhs.is_number:
        return None
    factors = problem.spatial.factors if isinstance(problem.spatial, Product) else [problem.spatial]
    for f in factors:
        if f.variables == (lhs,) and hasattr(f, "low"):
            c = float(rhs)
            if abs(c - f.low) <= f.tolerance:
                return (lhs - f.low) / sp.Float(f.measure)
            if abs(c - f.high) <= f.tolerance:
                return (f.high - lhs) / sp.Float(f.measure)
    return None


def _condition_distance(problem, c):
    if isinstance(c, Initial):
        T = problem.time_interval
        return (problem.time - T.low) / sp.Float(T.measure)
    if isinstance(c.on.on, str):
        phi = problem.spatial.distance()
        if phi is None:
            raise ProblemDefinitionError(
                f"{c} cannot be imposed exactly: the domain {problem.spatial!r} has no distance function; "
                "leave it soft (hard=False)")
        return phi
    phi = _face_distance(problem, c.on.on)
    if phi is None:
        raise ProblemDefinitionError(
            f"{c} on {c.on} cannot be imposed exactly: only whole boundaries and faces Eq(x, end) of "
            "intervals can; leave it soft")
    return phi


def _fixed_values(problem, e):
    fixed = {p: sp.Float(p.value) for p in problem.parameters.values()}
    learn = [p for p in problem.parameters.values() if p.learnable and p in e.free_symbols]
    if learn:
        raise ProblemDefinitionError(f"a hard constraint's value may not depend on learnable {learn}")
    return sp.sympify(e).xreplace(fixed)


def _blend(problem, conds, phis, values):
    """One G for all conditions: a value that already satisfies the others, else a transfinite blend."""
    rng = np.random.default_rng(7)
    variables = list(problem.variables)
    samples = [problem.sample_condition(c, 256, "uniform", rng)[0] for c in conds]
    for cand in values:
        f = compile_numpy(cand, variables)
        ok = True
        for X, v in zip(samples, values):
            g = compile_numpy(v, variables)
            a = np.asarray(f(*X.T), dtype=float) * np.ones(len(X))
            b = np.asarray(g(*X.T), dtype=float) * np.ones(len(X))
            if np.max(np.abs(a - b)) > 1e-8 * (1 + np.max(np.abs(b))):
                ok = False
                break
        if ok:
            return cand
    others = [sp.Mul(*[p for j, p in enumerate(phis) if j != i]) for i in range(len(phis))]
    return sp.Add(*[v * o for v, o in zip(values, others)]) / sp.Add(*others)


def build_constraints(problem, hard):
    """Hard constraints per field index from ``hard`` (True, a list of conditions, or
    ``{field: (G, phi)}``)."""
    if hard is False or hard is None:
        return {}
    fields = list(problem.fields)
    if isinstance(hard, dict):
        out = {}
        for f, spec in hard.items():
            if f not in fields:
                raise InputError("hard", "a dict keyed by fields of the problem", repr(f))
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise InputError("hard", "{field: (G, phi)} with u = G + phi * network", repr(spec))
            G, phi = (_fixed_values(problem, e) for e in spec)
            out[fields.index(f)] = HardConstraint(fields.index(f), G, phi, problem.variables)
        return out
    if hard is True:
        chosen = [c for c in problem.conditions if isinstance(c, (Initial, Dirichlet)) and c.target == c.field]
    else:
        chosen = list(hard)
        for c in chosen:
            if c not in problem.conditions:
                raise InputError("hard", "conditions of the problem", repr(c))
            if not isinstance(c, (Initial, Dirichlet)) or c.target != c.field:
                raise InputError("hard", "Initial or Dirichlet conditions on a field value", repr(c))
    out = {}
    for k, f in enumerate(fields):
        conds = [c for c in chosen if c.field == f]
        if not conds:
            continue
        phis = [_condition_distance(problem, c) for c in conds]
        values = [_fixed_values(problem, c.value) for c in conds]
        G = _blend(problem, conds, phis, values)
        out[k] = HardConstraint(k, G, sp.Mul(*phis), problem.variables, conds)
    return out
