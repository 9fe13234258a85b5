"""Plain symbols for field derivatives: ``Derivative(u(x, t), (x, 2)) -> u_xx``.

Compiled code, generated code and the PDE pipelines take the values of a
field and of its spatial derivatives as separate arrays; this module names
them and rewrites expressions in those names.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from sciml.errors import InputError

__all__ = ["derivative_symbol", "split_derivatives"]


def derivative_symbol(field_name: str, coord_names: Sequence[str], alpha: Sequence[int]) -> sp.Symbol:
    """The plain symbol standing for ``D^alpha field``: ``u``, ``u_x``, ``u_xxy`` …"""
    suffix = "".join(c * int(a) for c, a in zip(coord_names, alpha))
    return sp.Symbol(f"{field_name}_{suffix}" if suffix else field_name)


def split_derivatives(expr: sp.Expr, fields: Sequence[sp.Expr], coords: Sequence[sp.Symbol]):
    """Replace every ``D^alpha u(x, t)`` and ``u(x, t)`` in ``expr`` by plain symbols.

    Returns ``(expr_in_symbols, {symbol: (field_index, alpha)})``; ``alpha`` is a
    tuple of derivative orders per coordinate. Derivatives of anything but a
    field, or in a variable that is not a coordinate, raise :class:`InputError`.
    """
    coords = list(coords)
    names = [str(c) for c in coords]
    funcs = {f.func: i for i, f in enumerate(fields)}
    mapping: dict[sp.Symbol, tuple[int, tuple[int, ...]]] = {}
    replace: dict[sp.Expr, sp.Symbol] = {}
    expr = sp.sympify(expr)
    for d in expr.atoms(sp.Derivative):
        if d.expr.func not in funcs:
            raise InputError("expr", "derivatives of the fields only (expand derivatives of products first)",
                             str(d))
        alpha = [0] * len(coords)
        for var, count in d.variable_count:
            if var not in coords:
                raise InputError("expr", f"derivatives in the spatial coordinates {names}", str(d))
            alpha[coords.index(var)] += int(count)
        sym = derivative_symbol(str(d.expr.func), names, alpha)
        replace[d] = sym
        mapping[sym] = (funcs[d.expr.func], tuple(alpha))
    out = expr.xreplace(replace)
    apps = {a: sp.Symbol(str(a.func)) for a in out.atoms(sp.Function) if a.func in funcs}
    out = out.xreplace(apps)
    for app, sym in apps.items():
        mapping[sym] = (funcs[app.func], (0,) * len(coords))
    return out, mapping
