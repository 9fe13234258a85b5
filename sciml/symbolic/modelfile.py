"""Model files: the versioned JSON schema ``model/1`` (see docs/export.md).

A model is a set of first-order equations ``d(state)/dt = rhs``. ODE states
are plain symbols; PDE states are fields ``u(x, …, t)`` whose right-hand sides
may contain ``Derivative(u(x, t), (x, 2))``. Right-hand sides are stored as
text with every float written as the shortest string that reads back to the
same IEEE double, and read back with the restricted parser of
:mod:`sciml.symbolic.parser` — never with ``sympify``/``eval`` — so that a
crafted file cannot run code. Saving checks that the text reads back to the
identical expression; a model that cannot be stored exactly is refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from sciml.atomic import atomic_write
from sciml.errors import InputError, ModelFileError
from sciml.symbolic.parser import ExpressionReader
from sciml.symbolic.size import bounded_expand

__all__ = ["SCHEMA", "ModelSpec", "read_model", "write_model", "model_to_json", "model_from_json",
           "expression_text"]

SCHEMA = "model/1"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILE_TOKENS = 1_000_000  # all the equations of one file together: a cap on the work of reading it
MAX_INFO_DEPTH = 64


class _ExactPrinter(StrPrinter):
    """``str`` printing with floats as their shortest round-trip decimal."""

    def _print_Float(self, expr):
        return repr(float(expr))


def expression_text(expr: sp.Expr) -> str:
    """The text stored for ``expr`` (floats exact to the last bit)."""
    return _ExactPrinter({"order": "none"}).doprint(expr)


def _as_double(expr: sp.Expr) -> sp.Expr:
    return expr.xreplace({f: sp.Float(float(f)) for f in expr.atoms(sp.Float)})


@dataclass
class ModelSpec:
    """What a model file holds.

    Attributes
    ----------
    kind : "ode" or "pde"
    states : list of str
        State (ODE) or field (PDE) names, in equation order.
    rhs : list of sympy expressions
        Right-hand side of ``d(state)/dt`` per state.
    independent : str
        The time variable.
    inputs : list of str
        Control inputs (ODE) that may appear in the right-hand sides.
    coords : list of str
        Spatial coordinates of a PDE, in axis order.
    parameters : dict name -> float
        Named constants that may appear in the right-hand sides.
    info : dict
        JSON-compatible extras (scores, automatic choices, uncertainties, provenance).
    """

    kind: str
    states: list[str]
    rhs: list[sp.Expr]
    independent: str = "t"
    inputs: list[str] = field(default_factory=list)
    coords: list[str] = field(default_factory=list)
    parameters: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in ("ode", "pde"):
            raise InputError("kind", "'ode' or 'pde'", repr(self.kind))
        names = [self.independent, *self.states, *self.inputs, *self.coords, *self.parameters]
        for n in names:
            if not isinstance(n, str) or not n.isidentifier():
                raise InputError("names", "identifiers for time, states, inputs, coordinates, parameters", n)
        if len(set(names)) != len(names):
            raise InputError("names", "distinct names for time, states, inputs, coordinates, parameters", names)
        if len(self.rhs) != len(self.states):
            raise InputError("rhs", f"one right-hand side per state ({len(self.states)})", len(self.rhs))
        if self.kind == "pde" and not self.coords:
            raise InputError("coords", "at least one spatial coordinate for a PDE model", self.coords)
        if self.kind == "ode" and self.coords:
            raise InputError("coords", "no spatial coordinates for an ODE model", self.coords)

    @property
    def time(self) -> sp.Symbol:
        return sp.Symbol(self.independent)

    @property
    def coordinate_symbols(self) -> list[sp.Symbol]:
        return [sp.Symbol(c) for c in self.coords]

    @property
    def state_objects(self) -> list[sp.Expr]:
        """Symbols (ODE) or applied functions ``u(x, …, t)`` (PDE)."""
        if self.kind == "ode":
            return [sp.Symbol(s) for s in self.states]
        args = [*self.coordinate_symbols, self.time]
        return [sp.Function(s)(*args) for s in self.states]

    def namespace(self) -> dict[str, sp.Basic]:
        """The names a right-hand side may use (besides fields)."""
        table = {n: sp.Symbol(n) for n in [*self.inputs, *self.parameters, *self.coords, self.independent]}
        if self.kind == "ode":
            table.update({s: sp.Symbol(s) for s in self.states})
        return table

    def equations(self) -> list[sp.Eq]:
        """``[Eq(Derivative(state, t), rhs), …]``."""
        return [sp.Eq(sp.Derivative(s, self.time), r) for s, r in zip(self.state_objects, self.rhs)]


def model_to_json(spec: ModelSpec) -> str:
    """The JSON text of ``spec``; refuses expressions that would not read back identically."""
    equations = []
    reader = _reader(spec)
    for name, rhs in zip(spec.states, spec.rhs):
        rhs = _as_double(sp.sympify(rhs))
        text = expression_text(rhs)
        back = reader.parse(text, f"rhs of {name}")
        if back != rhs and bounded_expand(back - rhs, f"rhs of {name}") != 0:
            raise InputError("rhs", "expressions the model file can store exactly (numbers, names, + - * / ^, "
                             "whitelisted functions, Derivative)", text)
        equations.append({"state": name, "rhs": text})
    document = {
        "sciml_format": SCHEMA,
        "kind": spec.kind,
        "independent": spec.independent,
        "states": list(spec.states),
        "inputs": list(spec.inputs),
        "coordinates": list(spec.coords),
        "parameters": {k: float(v) for k, v in spec.parameters.items()},
        "equations": equations,
        "info": spec.info,
    }
    try:
        return json.dumps(document, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError("info", "JSON-compatible values (no NaN/Inf, no objects)", str(exc)) from None


def write_model(spec: ModelSpec, path: str | os.PathLike) -> Path:
    """Write ``spec`` to ``path`` as ``model/1`` JSON, atomically."""
    text = model_to_json(spec)
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(text + "\n")
    return path


def _reader(spec: ModelSpec, max_tokens: int | None = None) -> ExpressionReader:
    """One reader for all of a model's equations (its name table is built once)."""
    return ExpressionReader(spec.namespace(), fields=spec.state_objects if spec.kind == "pde" else (),
                            max_tokens=max_tokens)


def _depth(value) -> int:
    """The nesting depth of JSON data (iterative: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if level > MAX_INFO_DEPTH:
                return level
            stack.extend((v, level + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def model_from_json(text: str, source: str = "model file") -> ModelSpec:
    """Parse and validate ``model/1`` JSON text (restricted parser for every expression)."""

    def fail(message):
        raise ModelFileError(f"{source}: {message}")

    try:
        doc = json.loads(text, parse_constant=lambda c: fail(f"the constant {c} is not allowed"))
    except json.JSONDecodeError as exc:
        fail(f"not valid JSON ({exc})")
    except RecursionError:
        fail(f"JSON nested too deeply (more than {MAX_INFO_DEPTH} levels are never needed)")
    if not isinstance(doc, dict):
        fail("expected a JSON object at the top level")
    fmt = doc.get("sciml_format")
    if fmt != SCHEMA:
        fail(f"expected 'sciml_format': '{SCHEMA}', got {fmt!r}")
    allowed = {"sciml_format", "kind", "independent", "states", "inputs", "coordinates", "parameters",
               "equations", "info"}
    unknown = set(doc) - allowed
    if unknown:
        fail(f"unknown keys {sorted(unknown)}")

    def str_list(key, required=False):
        value = doc.get(key, [] if not required else None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(f"'{key}' must be a list of names")
        return value

    states = str_list("states", required=True)
    equations = doc.get("equations")
    if not isinstance(equations, list) or len(equations) != len(states):
        fail(f"'equations' must be a list with one entry per state ({len(states)})")
    parameters = doc.get("parameters", {})
    if not isinstance(parameters, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in parameters.values()):
        fail("'parameters' must map names to numbers")
    try:
        parameters = {k: float(v) for k, v in parameters.items()}
    except OverflowError:
        fail("'parameters' must be numbers within the range of a double")
    info = doc.get("info", {})
    if not isinstance(info, dict):
        fail("'info' must be an object")
    if _depth(info) > MAX_INFO_DEPTH:
        fail(f"'info' nested deeper than {MAX_INFO_DEPTH} levels")
    independent = doc.get("independent", "t")
    if not isinstance(independent, str):
        fail("'independent' must be a name")
    try:
        spec = ModelSpec(kind=doc.get("kind"), states=states, rhs=[sp.Integer(0)] * len(states),
                         independent=independent, inputs=str_list("inputs"), coords=str_list("coordinates"),
                         parameters=parameters, info=info)
    except InputError as exc:
        fail(str(exc))
    rhs = []
    try:
        reader = _reader(spec, MAX_FILE_TOKENS)
    except InputError as exc:
        fail(str(exc))
    for i, (name, eq) in enumerate(zip(states, equations)):
        if not isinstance(eq, dict) or set(eq) != {"state", "rhs"} or eq.get("state") != name \
                or not isinstance(eq.get("rhs"), str):
            fail(f"equations[{i}] must be {{'state': {name!r}, 'rhs': '<expression>'}}")
        try:
            rhs.append(reader.parse(eq["rhs"], f"equations[{i}] (d{name}/dt)"))
        except InputError as exc:  # the message starts with the equation it names
            fail(str(exc))
    spec.rhs = rhs
    return spec


def read_model(path: str | os.PathLike) -> ModelSpec:
    """Read a ``model/1`` file; every problem is a :class:`ModelFileError` naming the file."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError("path", "a file path", type(path).__name__)
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc})") from None
    if not path.is_file():  # a directory, a FIFO, /dev/zero: nothing a size check can bound
        raise ModelFileError(f"{path}: not a regular file")
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: larger than {MAX_FILE_BYTES} bytes; not a model file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: larger than {MAX_FILE_BYTES} bytes; not a model file")
    return model_from_json(text, str(path))
