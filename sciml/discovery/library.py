"""Candidate-term libraries for ODE discovery, built from sympy expressions.

A library is a recipe: given the state (and input) symbols it returns a list of
sympy expressions, the candidate right-hand-side terms of SINDy (Brunton,
Proctor & Kutz, PNAS 2016). Libraries combine with ``+`` (concatenation) and
``*`` (all pairwise products). Values are computed by one compiled numpy
function for the whole list (:func:`sciml.symbolic.compile_numpy`), never term
by term in Python.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import sympy as sp

from sciml.errors import InputError

__all__ = [
    "Library",
    "PolynomialLibrary",
    "FourierLibrary",
    "CustomLibrary",
    "SumLibrary",
    "ProductLibrary",
    "evaluate_terms",
    "unique_terms",
]


class Library:
    """Base class: ``terms(variables)`` lists candidate terms as sympy expressions.

    ``size(n)`` counts the terms for ``n`` variables without building them
    and ``keys(variables)`` lists them as light keys (:mod:`sciml.discovery.terms`);
    subclasses override both where building sympy expressions would be slow.
    """

    def terms(self, variables: Sequence[sp.Symbol]) -> list[sp.Expr]:
        raise NotImplementedError

    def size(self, n_variables: int) -> int:
        """How many terms for ``n_variables`` variables (an upper bound for sums and products)."""
        return len(self.terms(sp.symbols(f"v0:{n_variables}")))

    def keys(self, variables: Sequence[sp.Symbol]) -> list[tuple]:
        """The terms as keys of :mod:`sciml.discovery.terms`, duplicates dropped."""
        from sciml.discovery.terms import canonical_key

        return list(dict.fromkeys(canonical_key(t, variables) for t in self.terms(variables)))

    def __add__(self, other: Library) -> SumLibrary:
        _check_library(other, "other")
        return SumLibrary([self, other])

    def __mul__(self, other: Library) -> ProductLibrary:
        _check_library(other, "other")
        return ProductLibrary(self, other)

    def describe(self) -> str:
        """A short text for reports, e.g. ``poly3 + fourier1``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return self.describe()


class PolynomialLibrary(Library):
    """All monomials of the variables up to total degree ``degree`` (graded order).

    Parameters
    ----------
    degree : int
        Highest total degree, at least 1.
    include_bias : bool
        Whether the constant term ``1`` is a candidate.
    """

    def __init__(self, degree: int = 2, include_bias: bool = True):
        if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
            raise InputError("degree", "an integer >= 1", repr(degree))
        self.degree = int(degree)
        self.include_bias = bool(include_bias)

    def terms(self, variables):
        variables = _check_variables(variables)
        out = [sp.Integer(1)] if self.include_bias else []
        for d in range(1, self.degree + 1):
            out += [sp.Mul(*combo) for combo in itertools.combinations_with_replacement(variables, d)]
        return out

    def size(self, n_variables):
        from sciml.discovery.terms import polynomial_size

        return polynomial_size(int(n_variables), self.degree, self.include_bias)

    def keys(self, variables):
        from sciml.discovery.terms import polynomial_keys

        return polynomial_keys(len(_check_variables(variables)), self.degree, self.include_bias)

    def describe(self):
        return f"poly{self.degree}" + ("" if self.include_bias else " (no constant)")


class FourierLibrary(Library):
    """``sin(k v)`` and ``cos(k v)`` of every variable ``v`` for k = 1 … ``frequencies``."""

    def __init__(self, frequencies: int = 1):
        if isinstance(frequencies, bool) or not isinstance(frequencies, (int, np.integer)) or frequencies < 1:
            raise InputError("frequencies", "an integer >= 1", repr(frequencies))
        self.frequencies = int(frequencies)

    def terms(self, variables):
        variables = _check_variables(variables)
        out = []
        for k in range(1, self.frequencies + 1):
            for v in variables:
                out += [sp.sin(k * v), sp.cos(k * v)]
        return out

    def size(self, n_variables):
        return 2 * int(n_variables) * self.frequencies

    def keys(self, variables):
        n = len(_check_variables(variables))
        return [(f, i, k) for k in range(1, self.frequencies + 1) for i in range(n) for f in ("sin", "cos")]

    def describe(self):
        return f"fourier{self.frequencies}"


class CustomLibrary(Library):
    """User-given expressions; symbols are matched to the variables by name.

    Parameters
    ----------
    expressions : sequence of sympy expressions or strings
        Strings are read by the restricted parser of :mod:`sciml.symbolic.parser`
        (numbers, the variables, + - * / ^ and whitelisted functions), never by
        ``sympify``.
    """

    def __init__(self, expressions: Iterable[sp.Expr | str]):
        if isinstance(expressions, (str, sp.Basic)):
            expressions = [expressions]
        try:
            self.expressions = list(expressions)
        except TypeError:
            raise InputError("expressions", "a list of sympy expressions or strings",
                             type(expressions).__name__) from None
        if not self.expressions:
            raise InputError("expressions", "at least one expression", "an empty list")
        for i, e in enumerate(self.expressions):
            if not isinstance(e, (str, sp.Expr)):
                raise InputError(f"expressions[{i}]", "a sympy expression or a string", type(e).__name__)

    def terms(self, variables):
        from sciml.symbolic.parser import parse_expression

        variables = _check_variables(variables)
        by_name = {str(v): v for v in variables}
        out = []
        for i, e in enumerate(self.expressions):
            if isinstance(e, str):
                e = parse_expression(e, symbols=list(variables), argument=f"expressions[{i}]")
            else:
                e = e.subs({s: by_name[str(s)] for s in e.free_symbols if str(s) in by_name})
            extra = {str(s) for s in e.free_symbols} - set(by_name)
            if extra:
                raise InputError(f"expressions[{i}]", f"an expression in {sorted(by_name)}",
                                 f"{e} (unknown {sorted(extra)})")
            out.append(e)
        return out

    def size(self, n_variables):
        return len(self.expressions)

    def describe(self):
        return "custom[" + ", ".join(str(e) for e in self.expressions) + "]"


class SumLibrary(Library):
    """The terms of several libraries, duplicates dropped, order kept."""

    def __init__(self, libraries: Sequence[Library]):
        libraries = list(libraries)
        if not libraries:
            raise InputError("libraries", "at least one library", "an empty list")
        for i, lib in enumerate(libraries):
            _check_library(lib, f"libraries[{i}]")
        self.libraries = libraries

    def terms(self, variables):
        return unique_terms(t for lib in self.libraries for t in lib.terms(variables))

    def size(self, n_variables):
        return sum(lib.size(n_variables) for lib in self.libraries)

    def keys(self, variables):
        return list(dict.fromkeys(k for lib in self.libraries for k in lib.keys(variables)))

    def describe(self):
        return " + ".join(lib.describe() for lib in self.libraries)


class ProductLibrary(Library):
    """Every product of a term of ``left`` with a term of ``right`` (duplicates dropped)."""

    def __init__(self, left: Library, right: Library):
        _check_library(left, "left")
        _check_library(right, "right")
        self.left, self.right = left, right

    def terms(self, variables):
        a, b = self.left.terms(variables), self.right.terms(variables)
        return unique_terms(p * q for p in a for q in b)

    def size(self, n_variables):
        return self.left.size(n_variables) * self.right.size(n_variables)

    def describe(self):
        return f"({self.left.describe()}) * ({self.right.describe()})"


def unique_terms(terms: Iterable[sp.Expr]) -> list[sp.Expr]:
    """Terms without repeats and without numeric multiples of an earlier term."""
    seen, out = set(), []
    for t in terms:
        t = sp.sympify(t)
        core = sp.Integer(1) if t.is_number else t.as_coeff_Mul()[1]
        if core in seen:
            continue
        seen.add(core)
        out.append(core)
    return out


def evaluate_terms(terms: Sequence[sp.Expr], variables: Sequence[sp.Symbol], values: np.ndarray) -> np.ndarray:
    """Values of ``terms`` at the rows of ``values`` (shape (n, len(variables))) as an (n, len(terms)) array.

    The terms are compiled once (cached) into a single numpy function.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(variables):
        raise InputError("values", f"an array of shape (n, {len(variables)})", values.shape)
    f = _compiled(tuple(terms), tuple(variables))
    columns = f(*(values[:, i] for i in range(values.shape[1])))
    if not terms:
        return np.zeros((values.shape[0], 0))
    return np.stack([np.broadcast_to(c, values.shape[:1]) for c in columns], axis=1)


@functools.lru_cache(maxsize=64)
def _compiled(terms, variables):
    from sciml.symbolic import compile_numpy

    return compile_numpy(list(terms), list(variables))


def _check_variables(variables) -> list[sp.Symbol]:
    variables = list(variables)
    for i, v in enumerate(variables):
        if not isinstance(v, sp.Symbol):
            raise InputError(f"variables[{i}]", "a sympy Symbol", repr(v))
    return variables


def _check_library(lib, name):
    if not isinstance(lib, Library):
        raise InputError(name, "a sciml.discovery Library", type(lib).__name__)
