"""Which libraries compete when the user names none, and the ``--library`` text syntax.

ODE default: polynomials of degree 1 … ``max_degree`` (3: Van der Pol's and
Duffing's cubic terms), each alone and with first Fourier modes ``sin``/``cos``
of every variable (pendulums). The candidates are nested in one union library,
so the regression matrix is built once and each candidate is a column subset.

PDE default: field monomials up to degree 2 with spatial derivatives up to
order 4 (Kuramoto–Sivashinsky needs both).

Text specs (``sciml discover --library``), comma separated: ``polyN``
(polynomial degree N), ``fourierN`` (ODE), ``orderK`` (PDE derivative
order), ``nobias`` (no constant term), and for ODEs any other item is a
custom term read by the restricted parser, e.g. ``poly2,exp(-x)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

from sciml.discovery.library import (
    CustomLibrary,
    FourierLibrary,
    Library,
    PolynomialLibrary,
    SumLibrary,
    unique_terms,
)
from sciml.discovery.pde_library import PDELibrary
from sciml.errors import InputError

__all__ = ["ode_candidates", "pde_library_from", "library_from_spec"]


def ode_candidates(library, variables: Sequence[sp.Symbol], max_degree: int = 3
                   ) -> tuple[list[sp.Expr], dict[str, list[int]]]:
    """``(union terms, {candidate name: column indices})`` for ODE discovery."""
    if library is None or (isinstance(library, str) and library == "auto"):
        named = {}
        for d in range(1, max_degree + 1):
            named[f"poly{d}"] = PolynomialLibrary(d)
            named[f"poly{d}+fourier1"] = PolynomialLibrary(d) + FourierLibrary(1)
    else:
        lib = library_from_spec(library, "ode") if isinstance(library, str) else library
        if not isinstance(lib, Library):
            raise InputError("library", "'auto', a library spec string or a sciml.discovery Library",
                             type(library).__name__)
        named = {lib.describe(): lib}
    union: list[sp.Expr] = []
    index: dict[sp.Expr, int] = {}
    libraries = {}
    for name, lib in named.items():
        cols = []
        for term in unique_terms(lib.terms(variables)):
            if term not in index:
                index[term] = len(union)
                union.append(term)
            cols.append(index[term])
        libraries[name] = cols
    return union, libraries


def _parse_items(spec: str):
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("library", "a non-empty library spec such as 'poly3' or 'poly2,fourier1'", repr(spec))
    return [item.strip() for item in spec.split(",") if item.strip()]


def library_from_spec(spec: str, kind: str) -> Library | PDELibrary:
    """A library from text (see the module docstring)."""
    items = _parse_items(spec)
    degree = order = None
    fourier = None
    bias = True
    custom = []
    for item in items:
        m = re.fullmatch(r"(poly|fourier|order)(\d+)", item)
        if m:
            value = int(m.group(2))
            if m.group(1) == "poly":
                degree = value
            elif m.group(1) == "fourier":
                fourier = value
            else:
                order = value
        elif item == "fourier":
            fourier = 1
        elif item == "nobias":
            bias = False
        else:
            custom.append(item)
    if kind == "pde":
        if fourier is not None or custom:
            raise InputError("library", "polyN, orderK and nobias for PDE data", spec)
        return PDELibrary(degree=degree or 2, order=4 if order is None else order, include_bias=bias)
    if order is not None:
        raise InputError("library", "orderK only for PDE data", spec)
    parts: list[Library] = []
    if degree is not None:
        parts.append(PolynomialLibrary(degree, include_bias=bias))
    if fourier is not None:
        parts.append(FourierLibrary(fourier))
    if custom:
        parts.append(CustomLibrary(custom))
    if not parts:
        raise InputError("library", "at least one of polyN, fourierN or a custom term", spec)
    return parts[0] if len(parts) == 1 else SumLibrary(parts)


def pde_library_from(library) -> PDELibrary:
    """The PDE library for ``library`` ("auto", a spec string or a :class:`PDELibrary`)."""
    if library is None or (isinstance(library, str) and library == "auto"):
        return PDELibrary(degree=2, order=4)
    if isinstance(library, str):
        return library_from_spec(library, "pde")
    if isinstance(library, PDELibrary):
        return library
    raise InputError("library", "'auto', a spec string or a PDELibrary for PDE data", type(library).__name__)
