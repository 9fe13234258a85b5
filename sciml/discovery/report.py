"""Readable text for models and fits: coefficients to 4 significant figures, choices, scores."""

from __future__ import annotations

import sympy as sp

__all__ = ["split_terms", "format_equations", "format_report", "format_number", "term_label", "format_verdict"]


def format_number(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant figures, trailing zeros kept (``10.00``, ``2.667``)."""
    text = f"{value:#.{digits}g}"
    return text[:-1] if text.endswith(".") else text


def split_terms(expr: sp.Expr) -> list[tuple[float | complex, sp.Expr]]:
    """``[(coefficient, term)]`` of the expanded ``expr`` (a constant has term 1).

    Coefficients are floats, or complex numbers where ``I`` appears (the real
    and imaginary parts of one term are collected into one coefficient). An
    expression whose expansion would be huge (``(x + y + 1)**1000`` from a file)
    keeps its terms as written (:func:`sciml.symbolic.size.expand_if_small`).
    """
    from sciml.symbolic.size import expand_if_small

    out: dict[sp.Expr, complex] = {}
    for term in sp.Add.make_args(expand_if_small(expr)):
        numbers, rest = [], []
        for factor in sp.Mul.make_args(term):
            (numbers if factor.is_number else rest).append(factor)
        c = complex(sp.Mul(*numbers))
        key = sp.Mul(*rest)
        if c != 0:
            out[key] = out.get(key, 0) + c
    return [(c.real if c.imag == 0 else c, term) for term, c in out.items() if c != 0]


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
    if term.has(sp.conjugate):
        return _modulus_text(term)
    return sp.sstr(term).replace("**", "^").replace("*", " ")


def _modulus_text(term: sp.Expr) -> str:
    """``psi^2 conjugate(psi)`` as ``|psi|^2 psi``; other conjugates as ``conj(…)``."""
    powers = dict(term.as_powers_dict())
    parts = []
    for base in list(powers):
        if isinstance(base, sp.conjugate) and base.args[0] in powers:
            both = int(min(powers[base], powers[base.args[0]]))
            powers[base] -= both
            powers[base.args[0]] -= both
            name = sp.sstr(base.args[0])
            parts.append(f"|{name}|" + (f"^{2 * both}"))
    for base, p in powers.items():
        if p == 0 or base == 1:
            continue
        name = f"conj({sp.sstr(base.args[0])})" if isinstance(base, sp.conjugate) else sp.sstr(base)
        parts.append(name if p == 1 else f"{name}^{sp.sstr(p)}")
    return " ".join(parts)


def _complex_number(c: complex, digits: int) -> tuple[str, bool]:
    """``(text of |c| or (a + b i), negative?)`` for a term's coefficient."""
    if isinstance(c, complex):
        if c.real == 0:
            return f"{format_number(abs(c.imag), digits)} i", c.imag < 0
        sign = "+" if c.imag >= 0 else "-"
        return f"({format_number(c.real, digits)} {sign} {format_number(abs(c.imag), digits)} i)", False
    return format_number(abs(c), digits), c < 0


def _rhs_text(expr: sp.Expr, digits: int) -> str:
    parts = []
    for c, term in split_terms(expr):
        body = _term_text(term)
        number, negative = _complex_number(c, digits)
        text = f"{number} {body}".strip()
        parts.append(("- " if negative else "+ ") + text)
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
        pairs = split_terms(rhs)
        if pairs and all(isinstance(c, complex) and c.real == 0 for c, _ in pairs):
            # psi_t = i (…): print as i psi_t = -(…), the form of the Schrödinger equation
            rhs = sp.Add(*[-c.imag * term for c, term in pairs])
            lhs = "i " + lhs
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
    out += format_verdict(model)
    if choices:
        out.append("Chosen automatically:" if choices.get("automatic") else "Settings:")
        for key, value in choices.items():
            if key == "automatic":
                continue
            out.append(f"  {key}: {value}")
    return "\n".join(out)


def format_verdict(model) -> list[str]:
    """``Verdict: …`` lines: held-out R^2 and selection score per equation, the simulation, every warning."""
    verdict = model.verdict
    if not verdict:
        return []
    r2 = ", ".join(f"{s} {format_number(v, 4)}" for s, v in verdict["heldout_r2"].items())
    score = ", ".join(f"{s} {format_number(v, 4)}" for s, v in verdict["selection_score"].items())
    sim = verdict.get("simulation", {})
    if sim.get("bounded") is True:
        sim_text = f"bounded over the data's window ({sim['checked']} trajector{'y' if sim['checked'] == 1 else 'ies'})"
    elif sim.get("bounded") is False:
        sim_text = f"NOT bounded: {sim['reason']} at t={sim['t_failed']:.4g}"
    else:
        sim_text = sim.get("reason", "not simulated")
    head = "Verdict: OK" if verdict["ok"] else "Verdict: WARNING (" + ", ".join(verdict["causes"]) + ")"
    out = [head, f"  held-out R^2: {r2}", f"  selection score: {score}", f"  simulation: {sim_text}"]
    if verdict.get("screening"):
        out.append(f"  screening: {verdict['screening']}")
    out += [f"  note: {n}" for n in verdict.get("notes", [])]
    out += [f"  WARNING: {w}" for w in verdict["warnings"]]
    return out
