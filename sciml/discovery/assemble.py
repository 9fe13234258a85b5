"""From chosen coefficients to equations: right-hand sides and the per-term record of a fit.

A column of the regression is a library term; for complex data (see
:func:`sciml.discovery.pde_regression.realify`) columns ``j`` and ``j + J``
are ``g_j`` and ``i g_j`` and together carry one complex coefficient, which
is how they are reported.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

__all__ = ["equation_terms"]


def _number(re: float, im: float) -> sp.Expr:
    return sp.Float(re) + sp.I * sp.Float(im) if im else sp.Float(re)


def equation_terms(system, coef: np.ndarray, kind: str, ensemble=None) -> tuple[sp.Expr, list[dict]]:
    """``(rhs, [{"term", "label", "coefficient"[, "imaginary"][, "std", "inclusion"]}])`` of one equation."""
    from sciml.discovery.pde_library import expand_term
    from sciml.discovery.report import term_label

    is_complex = bool(system.info.get("complex"))
    J = len(system.terms) // 2 if is_complex else len(system.terms)
    parts, info = [], []
    for j in range(J):
        re = float(coef[j])
        im = float(coef[j + J]) if is_complex else 0.0
        if re == 0 and im == 0:
            continue
        term = system.terms[j]
        parts.append(_number(re, im) * (expand_term(term) if kind == "pde" else term))
        entry = {"term": sp.sstr(term), "label": term_label(term), "coefficient": re}
        if is_complex:
            entry["imaginary"] = im
        if ensemble is not None:
            entry["std"] = float(ensemble.std[j])
            entry["inclusion"] = float(ensemble.inclusion[j])
            if is_complex:
                entry["std_imaginary"] = float(ensemble.std[j + J])
                entry["inclusion"] = float(max(ensemble.inclusion[j], ensemble.inclusion[j + J]))
        info.append(entry)
    return (sp.expand(sp.Add(*parts)) if parts else sp.Integer(0)), info
