"""How big an expression becomes when expanded, found without expanding it.

``sympy.expand`` of ``(x + y + z + w + 1)**1000`` builds about 4·10¹⁰ terms: a
300-byte model file can exhaust any machine. Everything in sciml that expands
an expression it did not build itself asks :func:`expanded_size` first (a
structural upper bound, linear in the size of the expression tree) and either
refuses (:func:`bounded_expand`) or keeps the expression as written
(:func:`expand_if_small`, :func:`split_terms`).
"""

from __future__ import annotations

import sympy as sp

from sciml.errors import InputError

__all__ = ["MAX_EXPANDED_TERMS", "expanded_size", "bounded_expand", "expand_if_small", "split_terms"]

#: The most terms (counted over all nesting levels) an expansion may produce.
MAX_EXPANDED_TERMS = 10_000


def _multinomial(terms: int, power: int, cap: int) -> int:
    """The number of monomials of degree ``power`` in ``terms`` variables, or ``cap + 1`` once above ``cap``."""
    if terms <= 1 or power <= 1:
        return terms if power >= 1 else 1
    count = 1
    for i in range(1, min(terms - 1, power) + 1):  # C(power + terms - 1, i) grows at every step
        count = count * (max(terms - 1, power) + i) // i
        if count > cap:
            return cap + 1
    return count


def expanded_size(expr: sp.Basic, cap: int = MAX_EXPANDED_TERMS) -> int:
    """An upper bound on the number of terms ``sympy.expand(expr)`` creates, all levels together.

    The count of an atom is 1, of a sum the sum of its terms' counts, of a
    product their product, of an integer (or rational) power ``b**n`` the
    number of monomials of degree ``|n|`` in the terms of ``b``; the arguments
    of functions and symbolic exponents are expanded on their own and add
    their counts. Counts stop growing at ``cap + 1``, so the work is linear in
    the size of the tree whatever the expansion would be.
    """
    over = cap + 1
    top: dict[sp.Basic, int] = {}    # terms at the top level of each subexpression
    inner: dict[sp.Basic, int] = {}  # terms created inside it (function arguments, exponents, …)
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in top:
            continue
        args = node.args
        if not ready and args:
            stack.append((node, True))
            stack.extend((a, False) for a in args if a not in top)
            continue
        nested = sum(inner[a] for a in args)
        if not args or node.is_Number:
            count = 1
        elif isinstance(node, sp.Add):
            count = sum(top[a] for a in args)
        elif isinstance(node, sp.Mul):
            count = 1
            for a in args:
                count = min(over, count * top[a])
        elif isinstance(node, sp.Pow) and node.exp.is_Rational:
            count = _multinomial(top[node.base], int(abs(node.exp)), cap)
        else:  # functions, derivatives, symbolic powers: one term whose arguments expand on their own
            count, nested = 1, nested + sum(top[a] for a in args)
        top[node], inner[node] = min(over, count), min(over, nested)
    return min(over, top[expr] + inner[expr])


def bounded_expand(expr: sp.Expr, argument: str = "expression", cap: int = MAX_EXPANDED_TERMS) -> sp.Expr:
    """``sympy.expand(expr)``, or :class:`~sciml.errors.InputError` when that would exceed ``cap`` terms."""
    size = expanded_size(expr, cap)
    if size > cap:
        raise InputError(argument, f"an expression whose expansion has at most {cap} terms",
                         f"one that expands to more than {cap} terms ({sp.count_ops(expr, visual=False)} "
                         "operations as written)")
    return sp.expand(expr)


def expand_if_small(expr: sp.Expr, cap: int = MAX_EXPANDED_TERMS) -> sp.Expr:
    """``sympy.expand(expr)`` when that makes at most ``cap`` terms, else ``expr`` as it is."""
    expr = sp.sympify(expr)
    if _is_expanded(expr):  # the usual case (a discovered polynomial): sympy's expand would be slow
        return expr
    return sp.expand(expr) if expanded_size(expr, cap) <= cap else expr


def split_terms(expr: sp.Expr, cap: int = MAX_EXPANDED_TERMS) -> list[tuple[sp.Expr, sp.Expr]]:
    """``[(coefficient, term)]`` of the expanded ``expr``; its terms as written when the expansion is too big.

    Coefficients are sympy numbers; a constant has term ``1``; zero terms are dropped.
    """
    out = []
    for term in sp.Add.make_args(expand_if_small(expr, cap)):
        c, rest = term.as_coeff_Mul()
        if c != 0:
            out.append((c, rest))
    return out


def _is_expanded(expr: sp.Expr) -> bool:
    """True when ``expr`` is a sum of products of symbols, numbers and their integer powers."""
    for term in sp.Add.make_args(expr):
        for factor in sp.Mul.make_args(term):
            base = factor.base if factor.is_Pow and factor.exp.is_Integer else factor
            if not (base.is_Symbol or base.is_Number):
                return False
    return True
