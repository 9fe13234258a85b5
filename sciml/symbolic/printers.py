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
from dataclasses import dataclass

import sympy as sp

from sciml.errors import InputError
from sciml.symbolic.derivatives import split_derivatives
from sciml.symbolic.modelfile import ModelSpec, model_to_json

__all__ = ["FORMATS", "export", "flatten", "to_c", "to_json", "to_latex", "to_python", "to_sympy", "to_torch"]

FORMATS = ("sympy", "latex", "python", "torch", "c", "json")
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


def flatten(spec: ModelSpec) -> Flat:
    """The right-hand sides in plain symbols, with parameters replaced by their values."""
    params = {sp.Symbol(k): sp.Float(v) for k, v in spec.parameters.items()}
    exprs = [sp.sympify(r).xreplace(params) for r in spec.rhs]
    if spec.kind == "ode":
        args = [sp.Symbol(s) for s in [*spec.states, *spec.inputs]]
        return Flat(args, exprs, list(spec.states), len(spec.states))
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
    return Flat(args, flat, list(spec.states), 0)


def _safe_names(symbols, style: str, kind: str = "ode") -> dict[sp.Symbol, sp.Symbol]:
    reserved = _RESERVED_ODE if kind == "ode" else _RESERVED
    out = {}
    for s in symbols:
        name = str(s)
        if style == "c":
            new = f"v_{name}"
        elif keyword.iskeyword(name) or name in reserved or name.startswith("_"):
            new = f"{name}_"
        else:
            new = name
        out[s] = sp.Symbol(new)
    return out


def _exact(printer_class, conjugate: str = "numpy.conjugate"):
    """A subclass of a sympy code printer that writes floats as their shortest round-trip decimal.

    ``conjugate`` names the function printed for ``conjugate(...)`` (models of complex fields).
    """

    class Exact(printer_class):
        def _print_Float(self, expr):
            return repr(float(expr))

        def _print_conjugate(self, expr):
            return f"{conjugate}({self._print(expr.args[0])})"

    return Exact


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


def to_latex(spec: ModelSpec, digits: int | None = 4) -> str:
    """An ``aligned`` LaTeX block; coefficients rounded to ``digits`` significant digits (None: all)."""
    from sympy.printing.latex import LatexPrinter

    printer = LatexPrinter() if digits else _exact(LatexPrinter)()
    flat = flatten(spec) if spec.kind == "pde" else None
    lines = []
    for i, name in enumerate(spec.states):
        if flat is not None:
            rename = {}
            for s in flat.arguments:
                field, _, suffix = str(s).partition("_")
                rename[s] = sp.Symbol(f"{field}_{{{suffix}}}" if suffix else field)
            rhs = flat.exprs[i].xreplace(rename)
        else:
            rhs = spec.rhs[i]
        lines.append(f"{_latex_lhs(spec, name)} &= {printer.doprint(_round(rhs, digits))}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _doc(spec: ModelSpec) -> str:
    return "\n".join(f"    d{s}/dt = {sp.sstr(r)}" for s, r in zip(spec.states, spec.rhs))


def to_python(spec: ModelSpec) -> str:
    """Source of a standalone numpy module defining ``rhs`` (see the module docstring)."""
    from sympy.printing.numpy import NumPyPrinter

    flat = flatten(spec)
    names = _safe_names(flat.arguments, "python", spec.kind)
    printer = _exact(NumPyPrinter)({"fully_qualified_modules": True})
    exprs = [printer.doprint(e.xreplace(names)) for e in flat.exprs]
    arg_names = [str(names[a]) for a in flat.arguments]
    lines = ['"""Right-hand side of a sciml model (generated by `sciml export --to python`).', "",
             _doc(spec), '"""', "", "import functools  # noqa: F401", "", "import numpy", "",
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
    body = ", ".join(exprs)
    lines += [f"    return numpy.stack(numpy.broadcast_arrays({body}))", ""]
    return "\n".join(lines)


def _coefficients(exprs):
    """Split numeric factors of every term into a coefficient vector ``c``."""
    coefs, out = [], []
    for e in exprs:
        terms = []
        for term in sp.Add.make_args(sp.expand(e)):
            c, rest = term.as_coeff_Mul()
            if c == 0:
                continue
            terms.append(sp.Symbol(f"c[{len(coefs)}]") * rest)
            coefs.append(float(c))
        out.append(sp.Add(*terms) if terms else sp.Integer(0))
    return coefs, out


def to_torch(spec: ModelSpec) -> str:
    """Source of a torch module ``Model`` whose term coefficients are trainable parameters."""
    from sympy.printing.pytorch import TorchPrinter

    flat = flatten(spec)
    names = _safe_names(flat.arguments, "python", spec.kind)
    coefs, exprs = _coefficients([e.xreplace(names) for e in flat.exprs])
    printer = _exact(TorchPrinter, "torch.conj_physical")()
    body = ", ".join(printer.doprint(e) for e in exprs)
    arg_names = [str(names[a]) for a in flat.arguments]
    lines = ['"""A sciml model as a torch module (generated by `sciml export --to torch`).', "", _doc(spec),
             '"""', "", "import torch", "", "", "class Model(torch.nn.Module):",
             '    """The right-hand side with one trainable coefficient per term (``self.coefficients``)."""', "",
             f"    STATES = {tuple(spec.states)!r}", f"    ARGUMENTS = {tuple(str(a) for a in flat.arguments)!r}",
             "", "    def __init__(self):", "        super().__init__()",
             f"        self.coefficients = torch.nn.Parameter(torch.tensor({coefs!r}, dtype=torch.float64))", ""]
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
              f"        return torch.stack(torch.broadcast_tensors({body}), dim=-1)", ""]
    return "\n".join(lines)


def to_c(spec: ModelSpec, function_name: str = "sciml_rhs") -> str:
    """C99 source of ``void sciml_rhs(double t, const double *values, double *out)``."""
    if not function_name.isidentifier():
        raise InputError("function_name", "a C identifier", function_name)
    flat = flatten(spec)
    if any(e.has(sp.I, sp.conjugate) for e in flat.exprs):
        raise InputError("model", "a real-valued model for C export (C99 double arithmetic)",
                         "complex coefficients or conjugate fields", "export it --to python or --to torch instead")
    names = _safe_names(flat.arguments, "c")
    lines = ["/* Right-hand side of a sciml model (generated by `sciml export --to c`).", " *",
             *[f" * d{s}/dt = {sp.sstr(r)}" for s, r in zip(spec.states, spec.rhs)], " *",
             f" * values: {', '.join(str(a) for a in flat.arguments)}",
             f" * out:    d/dt of {', '.join(spec.states)}", " */", "#include <math.h>", "",
             f"void {function_name}(double t, const double *values, double *out)", "{", "    (void)t;"]
    for i, a in enumerate(flat.arguments):
        lines.append(f"    const double {names[a]} = values[{i}];")
    for i, e in enumerate(flat.exprs):
        lines.append(f"    out[{i}] = {sp.ccode(e.xreplace(names), standard='C99')};")
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
