"""Which libraries compete when the user names none, and the ``--library`` text syntax.

ODE default: polynomials of degree 1 … ``max_degree`` (3: Van der Pol's and
Duffing's cubic terms), each alone and with first Fourier modes ``sin``/``cos``
of every variable (pendulums). The candidates are nested in one union library,
so the regression matrix is built once and each candidate is a column subset.

PDE default: field monomials of degree 1 … ``max_degree`` (3: the cubic
reaction terms of Allen–Cahn, FitzHugh–Nagumo, lambda–omega and ``|psi|^2 psi``)
times spatial derivatives of order 1 … 4 (Kuramoto–Sivashinsky's ``u_xxxx``):
twelve nested candidates, one union library. For ``F`` field variables
(a complex field counts twice: itself and its conjugate) in ``D`` space
dimensions the union has ``(C(F + d, d) - 1) * C(D + k, k) + 1`` columns
(:func:`~sciml.discovery.pde_library.library_size`): 16 for one real field in
1-D, 136 for two fields in 2-D. Above :data:`MAX_PDE_TERMS` the degree, then
the order, is lowered and the choice says so; a library asked for explicitly
that large is refused with the estimate.

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
)
from sciml.discovery.pde_library import PDELibrary
from sciml.discovery.terms import TermList
from sciml.errors import InputError

__all__ = ["ode_candidates", "pde_library_from", "pde_candidates", "library_from_spec", "MAX_ODE_TERMS",
           "MAX_PDE_TERMS"]

#: the most columns an ODE union library may have (it is also at most half the regression rows)
MAX_ODE_TERMS = 1000
#: the most columns a PDE union library may have (each costs one projection over the whole grid)
MAX_PDE_TERMS = 400
#: derivative orders tried by the automatic PDE library
PDE_ORDERS = (1, 2, 3, 4)


def ode_candidates(library, variables: Sequence[sp.Symbol], max_degree: int = 3, max_terms: int | None = None
                   ) -> tuple[TermList, dict[str, list[int]], list[str]]:
    """``(union terms, {candidate name: column indices}, notes)`` for ODE discovery.

    The size of every candidate library is counted before anything is built;
    candidates of more than ``max_terms`` terms (default :data:`MAX_ODE_TERMS`)
    are dropped from the automatic choice (the notes say so) and refused when
    asked for explicitly. Terms are light keys (:class:`~sciml.discovery.terms.TermList`):
    sympy expressions are made only for the terms that are read.
    """
    n = len(variables)
    limit = MAX_ODE_TERMS if max_terms is None else int(max_terms)
    notes: list[str] = []
    if library is None or (isinstance(library, str) and library == "auto"):
        named = {}
        for d in range(1, max_degree + 1):
            named[f"poly{d}"] = PolynomialLibrary(d)
            named[f"poly{d}+fourier1"] = PolynomialLibrary(d) + FourierLibrary(1)
        sizes = {name: lib.size(n) for name, lib in named.items()}
        kept = {name: lib for name, lib in named.items() if sizes[name] <= limit}
        if not kept:
            raise InputError("library", f"a library of at most {limit} terms for these data",
                             f"{min(sizes.values())} terms in the smallest automatic candidate (poly1) for {n} "
                             "variables", _size_hint(limit))
        dropped = [name for name in named if name not in kept]
        if dropped:
            notes.append(f"library candidates {', '.join(dropped)} skipped: "
                         f"{', '.join(str(sizes[d]) for d in dropped)} terms, above the limit of {limit} "
                         f"for these data ({_size_hint(limit)})")
        named = kept
    else:
        lib = library_from_spec(library, "ode") if isinstance(library, str) else library
        if not isinstance(lib, Library):
            raise InputError("library", "'auto', a library spec string or a sciml.discovery Library",
                             type(library).__name__)
        size = lib.size(n)
        if size > limit:
            raise InputError("library", f"a library of at most {limit} terms for these data",
                             f"{lib.describe()} with {size} terms for {n} variables", _size_hint(limit))
        named = {lib.describe(): lib}
    union: list[tuple] = []
    index: dict[tuple, int] = {}
    libraries = {}
    for name, lib in named.items():
        cols = []
        for key in dict.fromkeys(lib.keys(variables)):
            if key not in index:
                index[key] = len(union)
                union.append(key)
            cols.append(index[key])
        libraries[name] = cols
    return TermList(union, variables), libraries, notes


def _size_hint(limit: int) -> str:
    return (f"the limit is the smaller of {MAX_ODE_TERMS} terms and half the number of regression rows; "
            "pass a smaller library (library='poly1', max_degree=1), fewer states, or more samples")


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
        return PDELibrary(degree=degree or 3, order=4 if order is None else order, include_bias=bias)
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


def pde_candidates(library, n_variables: int, ndim: int, max_degree: int = 3
                   ) -> tuple[PDELibrary, dict[str, PDELibrary], list[str]]:
    """``(union library, {name: candidate library}, notes)`` for PDE discovery.

    ``n_variables`` counts the library variables (fields, and the conjugates of
    complex fields) and ``ndim`` the space dimensions.
    """
    from sciml.discovery.pde_library import library_size

    notes: list[str] = []
    if library is None or (isinstance(library, str) and library == "auto"):
        degree, order = int(max_degree), max(PDE_ORDERS)
        while library_size(n_variables, ndim, degree, order) > MAX_PDE_TERMS and (degree > 1 or order > 1):
            if degree > 1:
                degree -= 1
            else:
                order -= 1
        if (degree, order) != (int(max_degree), max(PDE_ORDERS)):
            notes.append(f"library reduced to degree {degree}, order {order}: degree {max_degree}, order "
                         f"{max(PDE_ORDERS)} would have {library_size(n_variables, ndim, max_degree, 4)} terms "
                         f"(limit {MAX_PDE_TERMS}); pass library='polyN,orderK' to choose")
        union = PDELibrary(degree=degree, order=order)
        named = {f"pde(degree={d}, order={k})": PDELibrary(degree=d, order=k)
                 for d in range(1, degree + 1) for k in PDE_ORDERS if k <= order}
        return union, named, notes
    union = pde_library_from(library)
    size = library_size(n_variables, ndim, union.degree, union.order, union.include_bias)
    if size > MAX_PDE_TERMS:
        raise InputError("library", f"a PDE library of at most {MAX_PDE_TERMS} terms",
                         f"{union.describe()} with {size} terms for {n_variables} field variable(s) in {ndim}-D",
                         "lower polyN or orderK")
    return union, {union.describe(): union}, notes


def pde_library_from(library) -> PDELibrary:
    """The PDE library for ``library`` ("auto", a spec string or a :class:`PDELibrary`)."""
    if library is None or (isinstance(library, str) and library == "auto"):
        return PDELibrary(degree=3, order=4)
    if isinstance(library, str):
        return library_from_spec(library, "pde")
    if isinstance(library, PDELibrary):
        return library
    raise InputError("library", "'auto', a spec string or a PDELibrary for PDE data", type(library).__name__)
