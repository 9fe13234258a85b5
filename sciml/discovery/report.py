"""Readable text for models and fits: coefficients to 4 significant figures, choices, scores."""

from __future__ import annotations

import sympy as sp

__all__ = ["split_terms", "format_equations", "format_report", "format_number", "term_label"]


def format_number(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant figures, trailing zeros kept (``10.00``, ``2.667``)."""
    text = f"{value:#.{digits}g}"
    return text[:-1] if text.endswith(".") else text


def split_terms(expr: sp.Expr) -> list[tuple[float, sp.Expr]]:
    """``[(coefficient, term)]`` of the expanded ``expr`` (a constant has term 1).

    An expression whose expansion would be huge (``(x + y + 1)**1000`` from a
    file) keeps its terms as written (:func:`sciml.symbolic.size.split_terms`).
    """
    from sciml.symbolic.size import split_terms as bounded_split

    return [(float(c), term) for c, term in bounded_split(expr)]


def term_label(term: sp.Expr) -> str:
    """Short text of a library term: ``u``, ``u_xx``, ``(u^2)_x``, ``x^2 y``, ``sin(theta)``."""
    if isinstance(term, sp.Derivative):
        inner = term_label(term.expr)
        if not isinstance(term.expr, (sp.Function, sp.Symbol)):
            inner = f"({inner})"
        return inner + "_" + "".join(str(v) * int(n) for v, n in term.variable_count)
    if isinstance(term, sp.Function) and all(isinstance(a, sp.Symbol) for a in term.args) \
            and type(term).__name__ not in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "Abs"):
        return str(term.func)
    if term.args and not isinstance(term, sp.Function):
        replaced = term.xreplace({a: sp.Symbol(term_label(a)) for a in term.atoms(sp.Derivative)})
        replaced = replaced.xreplace({f: sp.Symbol(str(f.func)) for f in replaced.atoms(sp.Function)
                                      if all(isinstance(a, sp.Symbol) for a in f.args)
                                      and type(f).__name__ not in ("sin", "cos", "tan", "exp", "log", "sqrt",
                                                                   "tanh", "Abs")})
        return _term_text(replaced) or "1"
    return _term_text(term) or "1"


def _term_text(term: sp.Expr) -> str:
    if term == 1:
        return ""
    return sp.sstr(term).replace("**", "^").replace("*", " ")


def _rhs_text(expr: sp.Expr, digits: int) -> str:
    parts = []
    for c, term in split_terms(expr):
        body = _term_text(term)
        number = format_number(abs(c), digits)
        text = f"{number} {body}".strip()
        parts.append(("- " if c < 0 else "+ ") + text)
    if not parts:
        return "0"
    first = parts[0]
    return (first[2:] if first.startswith("+ ") else "-" + first[2:]) + (" " + " ".join(parts[1:]) if parts[1:]
                                                                          else "")


def format_equations(model, digits: int = 4) -> list[str]:
    """One line per equation: ``x' = -10.00 x + 10.00 y`` (ODE) or ``u_t = …`` (PDE)."""
    from sciml.symbolic.printers import flatten

    spec = model.spec
    flat = flatten(spec)
    lines = []
    for name, rhs in zip(spec.states, flat.exprs):
        lhs = f"{name}'" if spec.kind == "ode" else f"{name}_{spec.independent}"
        lines.append(f"{lhs} = {_rhs_text(rhs, digits)}")
    return lines


def format_report(model, digits: int = 4) -> str:
    """Equations, scores, uncertainties and the automatic choices, for the CLI."""
    lines = format_equations(model, digits)
    scores = model.scores
    choices = model.choices
    out = ["Discovered equations:"] + [f"  {line}" for line in lines]
    if scores:
        out.append("Scores:")
        for key in ("r2", "cv_error"):
            if key in scores:
                label = "R^2 (fit)" if key == "r2" else "held-out error"
                values = ", ".join(f"{s} {format_number(v, 4)}" for s, v in zip(model.states, scores[key]))
                out.append(f"  {label}: {values}")
    unc = model.uncertainties
    if unc:
        out.append("Ensemble (coefficient +- std, inclusion probability):")
        for s, eq in zip(model.states, model.terms):
            for t in eq:
                out.append(f"  {s}: {t.get('label', t['term']):<12} {format_number(t['coefficient'], digits):>10} "
                           f"+- {format_number(t.get('std', 0.0), 2):<8} p={t.get('inclusion', 1.0):.2f}")
    if choices:
        out.append("Chosen automatically:" if choices.get("automatic") else "Settings:")
        for key, value in choices.items():
            if key == "automatic":
                continue
            out.append(f"  {key}: {value}")
    return "\n".join(out)
