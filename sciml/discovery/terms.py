"""Library terms as light keys: evaluated with numpy, turned into sympy only when a term is kept.

A degree-3 library in 200 variables has 1.4 million monomials; building each
as a sympy expression takes minutes, though only a handful survive the
regression. Here a term is a hashable key:

* ``("mono", ((i, p), …))`` — the monomial ``prod x_i^p`` (``()`` is the constant 1);
* ``("sin", i, k)`` / ``("cos", i, k)`` — ``sin(k x_i)``, ``cos(k x_i)``;
* ``("expr", e)`` — any other sympy expression (user terms, products of functions).

:class:`TermList` holds the keys of a union library, evaluates all of them at
once (monomials degree by degree, each from one of lower degree times one
variable) and builds the sympy expression of a term on first access.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import sympy as sp

__all__ = ["TermList", "canonical_key", "key_expression", "polynomial_keys", "polynomial_size"]

Key = tuple


def polynomial_size(n_variables: int, degree: int, bias: bool = True) -> int:
    """Number of monomials of total degree 1 … ``degree`` in ``n`` variables (+ 1 for the constant)."""
    return math.comb(n_variables + degree, degree) - (0 if bias else 1)


def polynomial_keys(n_variables: int, degree: int, bias: bool = True) -> list[Key]:
    """Monomial keys in graded order (as ``itertools.combinations_with_replacement``)."""
    import itertools

    out = [("mono", ())] if bias else []
    for d in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(n_variables), d):
            powers: dict[int, int] = {}
            for i in combo:
                powers[i] = powers.get(i, 0) + 1
            out.append(("mono", tuple(sorted(powers.items()))))
    return out


def key_expression(key: Key, variables: Sequence[sp.Symbol]) -> sp.Expr:
    """The sympy expression of a key."""
    kind = key[0]
    if kind == "mono":
        return sp.Mul(*[variables[i] ** p for i, p in key[1]]) if key[1] else sp.Integer(1)
    if kind in ("sin", "cos"):
        f = sp.sin if kind == "sin" else sp.cos
        return f(key[2] * variables[key[1]])
    return key[1]


def canonical_key(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> Key:
    """The key of a sympy term: monomials and first-kind trigonometric terms get their light keys."""
    position = {v: i for i, v in enumerate(variables)}
    expr = sp.sympify(expr)
    core = sp.Integer(1) if expr.is_number else expr.as_coeff_Mul()[1]
    if core == 1:
        return ("mono", ())
    powers = core.as_powers_dict()
    if all(b in position and p.is_Integer and p > 0 for b, p in powers.items()):
        return ("mono", tuple(sorted((position[b], int(p)) for b, p in powers.items())))
    if isinstance(core, (sp.sin, sp.cos)):
        arg = core.args[0]
        k, rest = arg.as_coeff_Mul()
        if rest in position and k.is_Integer and k > 0:
            return ("sin" if isinstance(core, sp.sin) else "cos", position[rest], int(k))
    return ("expr", core)


class TermList(Sequence):
    """The terms of a union library: ``len``, ``[j]`` (sympy, built once) and :meth:`evaluate` (numpy)."""

    def __init__(self, keys: Sequence[Key], variables: Sequence[sp.Symbol]):
        self.keys = list(keys)
        self.variables = list(variables)
        self._exprs: dict[int, sp.Expr] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        j = range(len(self))[j]
        if j not in self._exprs:
            self._exprs[j] = key_expression(self.keys[j], self.variables)
        return self._exprs[j]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"TermList({len(self)} terms in {len(self.variables)} variables)"

    def evaluate(self, values: np.ndarray) -> np.ndarray:
        """Values of every term at the rows of ``values`` (n, n_variables): an (n, len(self)) array."""
        values = np.asarray(values, dtype=float)
        n = values.shape[0]
        out = np.empty((n, len(self.keys)))
        monomials: dict[tuple, np.ndarray] = {(): np.ones(n)}
        exprs = []
        for j, key in enumerate(self.keys):
            kind = key[0]
            if kind == "mono":
                out[:, j] = self._monomial(key[1], values, monomials)
            elif kind in ("sin", "cos"):
                f = np.sin if kind == "sin" else np.cos
                out[:, j] = f(key[2] * values[:, key[1]])
            else:
                exprs.append(j)
        if exprs:
            from sciml.discovery.library import evaluate_terms

            out[:, exprs] = evaluate_terms([self[j] for j in exprs], self.variables, values)
        return out

    @staticmethod
    def _monomial(powers: tuple, values: np.ndarray, cache: dict) -> np.ndarray:
        """``prod x_i^p``, from the cached monomial with one factor fewer (graded order keeps it cached)."""
        if powers in cache:
            return cache[powers]
        i, p = powers[-1]
        lower = powers[:-1] + (((i, p - 1),) if p > 1 else ())
        value = TermList._monomial(lower, values, cache) * values[:, i]
        cache[powers] = value
        return value
