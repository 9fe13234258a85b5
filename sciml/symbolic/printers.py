"""Export a model to LaTeX, pretty sympy, a numpy function, a torch module, C, or JSON.

Everything goes through sympy's own code printers (``latex``, ``pretty``,
``NumPyPrinter``, ``TorchPrinter``, ``ccode``); this module only arranges the
equations into a function with a fixed calling convention (docs/export.md):

* ODE: the values are the states, then the inputs, in the model's order;
  Python ``rhs(t, y[, u])`` returns ``d y/dt`` stacked along the first axis (so it
  plugs into ``scipy.integrate.solve_ivp``); torch ``Model()(t, y[, u])`` works
  on the last axis; C ``sciml_rhs(t, values, out)``.
* PDE: the values are each field and the spatial derivatives the equations
  use (``u, u_x, u_xx, …``, listed in ``ARGUMENTS``); the result is ``u_t``.

Names that are keywords or would clash with the generated code get a trailing
underscore (Python) or a ``v_`` prefix (C).
"""

from __future__ import annotations

import keyword
import math
from dataclasses import dataclass, field

import sympy as sp

from sciml.errors import InputError
from sciml.symbolic.derivatives import split_derivatives
from sciml.symbolic.formats import FORMATS
from sciml.symbolic.modelfile import ModelSpec, expression_text, model_to_json
from sciml.symbolic.size import split_terms

__all__ = ["FORMATS", "export", "flatten", "to_c", "to_json", "to_latex", "to_python", "to_sympy", "to_torch"]

_RESERVED = {"t", "np", "numpy", "torch", "math", "self", "rhs", "values", "out", "c", "Model", "ARGUMENTS",
             "STATES", "functools"}
_RESERVED_ODE = _RESERVED | {"y", "u"}  # the parameter names of the generated ODE functions


@dataclass
class Flat:
    """A model as functions of plain symbols: ``exprs[i]`` is ``d states[i] / dt``."""

    arguments: list[sp.Symbol]
    exprs: list[sp.Expr]
    states: list[str]
    n_states: int  # ODE: the first n_states arguments are the states
    time: sp.Symbol  # the independent variable: the ``t`` parameter of every generated function
    derivatives: dict = field(default_factory=dict)  # PDE: argument -> (field index, orders per coordinate)


def flatten(spec: ModelSpec) -> Flat:
    """The right-hand sides in plain symbols, with parameters replaced by their values.

    Constant function values (``sin(1)``, ``exp(2)``) are folded to floats: torch
    functions take tensors only. PDE coordinates that the right-hand sides use
    explicitly (a forcing ``sin(x)``) join the arguments after the fields and
    their derivatives.
    """
    params = {sp.Symbol(k): sp.Float(v) for k, v in spec.parameters.items()}
    exprs = [_fold_constants(sp.sympify(r).xreplace(params)) for r in spec.rhs]
    if spec.kind == "ode":
        args = [sp.Symbol(s) for s in [*spec.states, *spec.inputs]]
        return Flat(args, exprs, list(spec.states), len(spec.states), spec.time)
    fields = spec.state_objects
    coords = spec.coordinate_symbols
    flat, mapping = [], {}
    for e in exprs:
        out, m = split_derivatives(e, fields, coords)
        flat.append(out)
        mapping.update(m)
    for i, f in enumerate(spec.states):  # every field is an argument, even if unused
        mapping.setdefault(sp.Symbol(f), (i, (0,) * len(coords)))
    args = sorted(mapping, key=lambda s: (mapping[s][0], sum(mapping[s][1]), mapping[s][1]))
    used = set().union(*(e.free_symbols for e in flat))
    args += [c for c in coords if c in used]
    return Flat(args, flat, list(spec.states), 0, spec.time, mapping)


_EXACT_LIMIT = 2**53  # integers beyond it are not doubles: generated code would compute with Python ints


def _fold_constants(expr: sp.Expr) -> sp.Expr:
    """Every constant subexpression that is not a plain number (``sin(1)``, ``pi``, ``Max(1, 2)``) as a float."""
    constant, stack = {}, [expr]
    while stack:
        e = stack.pop()
        if e in constant:
            continue
        if e.is_Rational:
            if max(abs(e.p), e.q) >= _EXACT_LIMIT:
                constant[e] = sp.Float(float(e))
        elif not e.free_symbols and not e.is_Float:
            try:
                value = complex(sp.N(e.doit(), 17))
            except (TypeError, ValueError):
                continue  # zoo, nan: left for the compiler to refuse
            if value.imag == 0:
                constant[e] = sp.Float(value.real)
        else:
            stack.extend(e.args)
    return expr.xreplace(constant) if constant else expr


def _safe_names(flat: Flat, style: str, kind: str = "ode") -> dict[sp.Symbol, sp.Symbol]:
    """Argument symbol -> the name it has in generated code, and the time -> ``t``; never two alike."""
    reserved = _RESERVED_ODE if kind == "ode" else _RESERVED
    out, taken = {flat.time: sp.Symbol("t")}, {"t"}
    for s in flat.arguments:
        name = str(s)
        if style == "c":
            new = f"v_{name}"
        elif keyword.iskeyword(name) or name in reserved or name.startswith("_"):
            new = f"{name}_"
        else:
            new = name
        while new in taken:  # a state `t_` beside one renamed from `t`
            new += "_"
        taken.add(new)
        out[s] = sp.Symbol(new)
    return out


def _float_text(value: float) -> str:
    """Python source of a float: its shortest round-trip decimal, or ``float('inf')``/``float('nan')``."""
    return repr(value) if math.isfinite(value) else f"float({repr(value)!r})"


def _exact(printer_class, conjugate: str = "numpy.conjugate"):
    """A subclass of a sympy code printer that writes floats as their shortest round-trip decimal.

    ``conjugate`` names the function printed for ``conjugate(...)`` (models of complex fields).
    """

    class Exact(printer_class):
        def _print_Float(self, expr):
            return _float_text(float(expr))

        def _print_conjugate(self, expr):
            return f"{conjugate}({self._print(expr.args[0])})"

    return Exact


def _torch_printer():
    """sympy's torch printer, with the functions it prints wrongly for a constant argument done by hand."""
    from sympy.printing.pytorch import TorchPrinter

    class TorchCode(_exact(TorchPrinter, "torch.conj_physical")):
        def _extremum(self, expr, function, bound, pick):
            variable = [a for a in expr.args if a.free_symbols]
            constant = [float(a) for a in expr.args if not a.free_symbols]
            if not variable:
                return self._print(sp.Float(pick(constant)))
            text = self._print(variable[0])
            for a in variable[1:]:
                text = f"torch.{function}({text}, {self._print(a)})"
            return f"torch.clamp({text}, {bound}={pick(constant)!r})" if constant else text

        def _print_Max(self, expr):
            return self._extremum(expr, "maximum", "min", max)

        def _print_Min(self, expr):
            return self._extremum(expr, "minimum", "max", min)

        def _print_atan2(self, expr):
            y, x = expr.args
            if not y.free_symbols:
                return f"torch.atan2(torch.full_like({self._print(x)}, {float(y)!r}), {self._print(x)})"
            if not x.free_symbols:
                return f"torch.atan2({self._print(y)}, torch.full_like({self._print(y)}, {float(x)!r}))"
            return f"torch.atan2({self._print(y)}, {self._print(x)})"

        def _print_Heaviside(self, expr):
            x = self._print(expr.args[0])
            h0 = float(expr.args[1]) if len(expr.args) > 1 else 0.5
            return f"torch.heaviside({x}, torch.full_like({x}, {h0!r}))"

        def _print_erfc(self, expr):
            return f"torch.erfc({self._print(expr.args[0])})"

    return TorchCode({"order": "none"})


def _round(expr: sp.Expr, digits: int | None) -> sp.Expr:
    if not digits:
        return expr
    return expr.xreplace({f: sp.Float(f, digits) for f in expr.atoms(sp.Float)})


def to_sympy(spec: ModelSpec) -> str:
    """Pretty-printed sympy equations (unicode)."""
    return "\n\n".join(sp.pretty(eq, use_unicode=True) for eq in spec.equations())


def _latex_lhs(spec: ModelSpec, name: str) -> str:
    sym = sp.latex(sp.Symbol(name))
    return rf"\dot{{{sym}}}" if spec.kind == "ode" else f"{sym}_{{{spec.independent}}}"


def latex_symbols(spec: ModelSpec, flat: Flat) -> dict[sp.Symbol, sp.Symbol]:
    """PDE argument -> the symbol LaTeX shows: ``u_x`` -> ``u_{x}``, ``u_xx`` -> ``u_{xx}``."""
    out = {}
    for s, (i, alpha) in flat.derivatives.items():
        suffix = "".join(c * a for c, a in zip(spec.coords, alpha))
        out[s] = sp.Symbol(f"{spec.states[i]}_{{{suffix}}}" if suffix else spec.states[i])
    return out


def to_latex(spec: ModelSpec, digits: int | None = 4) -> str:
    """An ``aligned`` LaTeX block; coefficients rounded to ``digits`` significant digits (None: all)."""
    from sympy.printing.latex import LatexPrinter

    printer = LatexPrinter() if digits else _exact(LatexPrinter)()
    flat = flatten(spec) if spec.kind == "pde" else None
    rename = latex_symbols(spec, flat) if flat is not None else {}
    lines = []
    for i, name in enumerate(spec.states):
        rhs = flat.exprs[i].xreplace(rename) if flat is not None else spec.rhs[i]
        lines.append(f"{_latex_lhs(spec, name)} &= {printer.doprint(_round(rhs, digits))}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _doc(spec: ModelSpec) -> str:
    return "\n".join(f"    d{s}/dt = {expression_text(r)}" for s, r in zip(spec.states, spec.rhs))


def to_python(spec: ModelSpec) -> str:
    """Source of a standalone numpy module defining ``rhs`` (see the module docstring)."""
    from sympy.printing.numpy import SciPyPrinter

    flat = flatten(spec)
    names = _safe_names(flat, "python", spec.kind)
    printer = _exact(SciPyPrinter)({"fully_qualified_modules": True, "order": "none"})  # unsorted: faster
    exprs = [printer.doprint(e.xreplace(names)) for e in flat.exprs]
    arg_names = [str(names[a]) for a in flat.arguments]
    body = ", ".join(exprs)
    scipy = ["", "import scipy.special"] if "scipy.special." in body else []
    lines = ['"""Right-hand side of a sciml model (generated by `sciml export --to python`).', "",
             _doc(spec), '"""', "", "import functools  # noqa: F401", "", "import numpy", *scipy, "",
             f"STATES = {tuple(spec.states)!r}", f"ARGUMENTS = {tuple(str(a) for a in flat.arguments)!r}", ""]
    if spec.kind == "ode":
        states = arg_names[: flat.n_states]
        inputs = arg_names[flat.n_states:]
        signature = "t, y, u" if inputs else "t, y"
        lines += ["", f"def rhs({signature}):",
                  f'    """d(state)/dt at time t; y holds {", ".join(spec.states)} along its first axis."""',
                  f"    {', '.join(states)}, = y"]
        if inputs:
            lines.append(f"    {', '.join(inputs)}, = u")
    else:
        lines += ["", f"def rhs(t, {', '.join(arg_names)}):",
                  '    """The time derivative of each field, stacked along a new first axis."""']
    # broadcast with an argument too, so that a constant right-hand side has the shape of the others
    lines += [f"    return numpy.stack(numpy.broadcast_arrays({body}, {arg_names[0]})[:{len(exprs)}])", ""]
    return "\n".join(lines)


def _coefficients(exprs):
    """Split numeric factors of every term into a coefficient vector ``c``.

    The terms are those of the expanded expression, or the terms as written when
    the expansion would be huge (:func:`sciml.symbolic.size.split_terms`).
    """
    coefs, out = [], []
    for e in exprs:
        terms = []
        for c, rest in split_terms(e):
            terms.append(sp.Symbol(f"c[{len(coefs)}]") * rest)
            coefs.append(float(c))
        out.append(sp.Add(*terms) if terms else sp.Integer(0))
    return coefs, out


def to_torch(spec: ModelSpec) -> str:
    """Source of a torch module ``Model`` whose term coefficients are trainable parameters."""
    flat = flatten(spec)
    names = _safe_names(flat, "python", spec.kind)
    coefs, exprs = _coefficients([e.xreplace(names) for e in flat.exprs])
    printer = _torch_printer()
    arg_names = [str(names[a]) for a in flat.arguments]
    first = arg_names[0]  # broadcast partner: a zero right-hand side gets the shape of the others
    body = ", ".join(printer.doprint(e) if e.free_symbols else f"torch.zeros_like({first})" for e in exprs)
    lines = ['"""A sciml model as a torch module (generated by `sciml export --to torch`).', "", _doc(spec),
             '"""', "", "import torch", "", "", "class Model(torch.nn.Module):",
             '    """The right-hand side with one trainable coefficient per term (``self.coefficients``)."""', "",
             f"    STATES = {tuple(spec.states)!r}", f"    ARGUMENTS = {tuple(str(a) for a in flat.arguments)!r}",
             "", "    def __init__(self):", "        super().__init__()",
             f"        self.coefficients = torch.nn.Parameter(torch.tensor([{', '.join(map(_float_text, coefs))}], "
             "dtype=torch.float64))", ""]
    if spec.kind == "ode":
        states, inputs = arg_names[: flat.n_states], arg_names[flat.n_states:]
        signature = "self, t, y, u" if inputs else "self, t, y"
        lines += [f"    def forward({signature}):",
                  '        """d(state)/dt; the states are along the last axis of y (and u)."""',
                  f"        {', '.join(states)}, = y.unbind(-1)"]
        if inputs:
            lines.append(f"        {', '.join(inputs)}, = u.unbind(-1)")
        ref = "y"
    else:
        lines += [f"    def forward(self, t, {', '.join(arg_names)}):",
                  '        """The time derivative of each field, stacked along a new last axis."""']
        ref = arg_names[0]
    lines += [f"        c = self.coefficients.to(dtype={ref}.dtype, device={ref}.device)",
              f"        return torch.stack(torch.broadcast_tensors({body}, {first})[:{len(exprs)}], dim=-1)", ""]
    return "\n".join(lines)


def to_c(spec: ModelSpec, function_name: str = "sciml_rhs") -> str:
    """C99 source of ``void sciml_rhs(double t, const double *values, double *out)``."""
    if not function_name.isidentifier():
        raise InputError("function_name", "a C identifier", function_name)
    flat = flatten(spec)
    if any(e.has(sp.I, sp.conjugate) for e in flat.exprs):
        raise InputError("model", "a real-valued model for C export (C99 double arithmetic)",
                         "complex coefficients or conjugate fields", "export it --to python or --to torch instead")
    names = _safe_names(flat, "c")
    lines = ["/* Right-hand side of a sciml model (generated by `sciml export --to c`).", " *",
             *[f" * d{s}/dt = {expression_text(r)}" for s, r in zip(spec.states, spec.rhs)], " *",
             f" * values: {', '.join(str(a) for a in flat.arguments)}",
             f" * out:    d/dt of {', '.join(spec.states)}", " */", "#include <math.h>", "",
             "#ifndef INFINITY", "#define INFINITY (1.0 / 0.0)", "#endif", "#ifndef NAN", "#define NAN (0.0 / 0.0)",
             "#endif", "",
             f"void {function_name}(double t, const double *values, double *out)", "{", "    (void)t;"]
    for i, a in enumerate(flat.arguments):
        lines.append(f"    const double {names[a]} = values[{i}];")
    for i, e in enumerate(flat.exprs):
        lines.append(f"    out[{i}] = {sp.ccode(e.xreplace(names), standard='C99', order='none')};")
    lines += ["}", ""]
    return "\n".join(lines)


def to_json(spec: ModelSpec) -> str:
    """The ``model/1`` JSON text."""
    return model_to_json(spec) + "\n"


def export(spec: ModelSpec, to: str, digits: int | None = 4) -> str:
    """The model in format ``to`` (one of :data:`FORMATS`)."""
    if not isinstance(spec, ModelSpec):
        raise InputError("spec", "a ModelSpec (read one with sciml.symbolic.read_model)", type(spec).__name__)
    if to not in FORMATS:
        raise InputError("to", f"one of {', '.join(FORMATS)}", repr(to))
    if to == "latex":
        return to_latex(spec, digits)
    return {"sympy": to_sympy, "python": to_python, "torch": to_torch, "c": to_c, "json": to_json}[to](spec)
