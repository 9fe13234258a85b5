"""Candidate terms for PDE discovery, as sympy expressions in fields ``u(x, …, t)``.

Two families, one per formulation:

* strong form (PDE-FIND, Rudy et al., Sci. Adv. 2017): monomials of the fields
  up to degree ``degree`` times one spatial derivative of a field up to order
  ``order`` — ``u``, ``u^2``, ``u_x``, ``u u_x``, ``u^2 u_xx``, …; evaluated from
  pointwise derivatives of the data;
* weak form (WSINDy, Messenger & Bortz, J. Comput. Phys. 2021): spatial
  derivatives of monomials, ``D^alpha (u^p v^q)`` — ``u_x``, ``(u^2)_x``,
  ``(u^2)_xx``, …; every derivative is moved onto the test function, so no
  derivative of the data is ever taken. ``u u_x = (u^2)_x / 2`` and the
  other conservative forms that physics produces are in this family.

A term is kept as written (``Derivative(u**2, x)``); :func:`expand_term`
turns it into the usual form (``2 u u_x``) for the final equations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from sciml.errors import InputError

__all__ = ["PDELibrary", "WeakTerm", "multi_indices", "monomials", "expand_term", "library_size", "conjugate_fields"]


def multi_indices(ndim: int, max_order: int, min_order: int = 0) -> list[tuple[int, ...]]:
    """Spatial derivative multi-indices with ``min_order <= |alpha| <= max_order``, by total order."""
    out = []
    for total in range(min_order, max_order + 1):
        for alpha in itertools.product(range(total + 1), repeat=ndim):
            if sum(alpha) == total:
                out.append(tuple(alpha))
    return out


def monomials(fields: Sequence[sp.Expr], degree: int, min_degree: int = 1) -> list[sp.Expr]:
    """Monomials of the fields with ``min_degree <= degree``, graded order."""
    out = []
    for d in range(min_degree, degree + 1):
        out += [sp.Mul(*c) for c in itertools.combinations_with_replacement(fields, d)]
    return out


def _derivative(expr: sp.Expr, coords: Sequence[sp.Symbol], alpha: Sequence[int]) -> sp.Expr:
    spec = [(c, a) for c, a in zip(coords, alpha) if a]
    return sp.Derivative(expr, *spec) if spec else expr


def expand_term(term: sp.Expr) -> sp.Expr:
    """Carry out the derivatives of products (``(u^2)_x -> 2 u u_x``) and expand.

    Space is real, so the derivative of a conjugate field is the conjugate of
    its derivative: ``Derivative(conjugate(psi), x) -> conjugate(psi_x)``.
    """
    out = sp.expand(term.doit())
    return out.replace(lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, sp.conjugate),
                       lambda e: sp.conjugate(sp.Derivative(e.expr.args[0], *e.variable_count)))


def conjugate_fields(fields: Sequence[sp.Expr], is_complex: Sequence[bool]) -> list[sp.Expr]:
    """The library variables: each field, followed by its conjugate when the field is complex."""
    out = []
    for f, c in zip(fields, is_complex):
        out += [f, sp.conjugate(f)] if c else [f]
    return out


def library_size(n_variables: int, ndim: int, degree: int, order: int, bias: bool = True) -> int:
    """Columns of the weak library: ``C(n + d, d) - 1`` monomials times ``C(ndim + k, k)`` derivatives (+ 1)."""
    return (math.comb(n_variables + degree, degree) - 1) * math.comb(ndim + order, order) + int(bias)


@dataclass(frozen=True)
class WeakTerm:
    """``D^alpha m`` with ``m`` a monomial of the fields (1 for the constant term)."""

    monomial: sp.Expr
    alpha: tuple[int, ...]


class PDELibrary:
    """Polynomial-times-derivative candidate terms for PDE discovery.

    Parameters
    ----------
    degree : int
        Highest degree of the field monomials (default 2, enough for Burgers,
        KdV and Kuramoto–Sivashinsky; 3 for reaction–diffusion).
    order : int
        Highest total spatial derivative order (default 4).
    include_bias : bool
        Whether the constant term is a candidate.
    """

    def __init__(self, degree: int = 2, order: int = 4, include_bias: bool = True):
        for name, v, lo in (("degree", degree, 1), ("order", order, 0)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise InputError(name, f"an integer >= {lo}", repr(v))
        self.degree, self.order, self.include_bias = int(degree), int(order), bool(include_bias)

    def describe(self) -> str:
        return f"pde(degree={self.degree}, order={self.order})"

    def __repr__(self) -> str:
        return self.describe()

    def weak_terms(self, fields: Sequence[sp.Expr], coords: Sequence[sp.Symbol]) -> list[tuple[sp.Expr, WeakTerm]]:
        """``[(sympy term, WeakTerm)]`` for the weak form: ``D^alpha (monomial)``."""
        out = []
        if self.include_bias:
            out.append((sp.Integer(1), WeakTerm(sp.Integer(1), (0,) * len(coords))))
        for alpha in multi_indices(len(coords), self.order):
            for m in monomials(fields, self.degree):
                out.append((_derivative(m, coords, alpha), WeakTerm(m, alpha)))
        return out

    def strong_terms(self, fields: Sequence[sp.Expr], coords: Sequence[sp.Symbol]) -> list[sp.Expr]:
        """Monomials times one derivative of one field (PDE-FIND's library)."""
        mons = monomials(fields, self.degree)
        out = [sp.Integer(1)] if self.include_bias else []
        out += mons
        for alpha in multi_indices(len(coords), self.order, min_order=1):
            for f in fields:
                d = _derivative(f, coords, alpha)
                out += [d] + [m * d for m in mons]
        return out
