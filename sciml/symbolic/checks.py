"""Self-checks of exported code: an export that would compute something else is refused.

:func:`rhs_function` is the model's right-hand side compiled once
(:func:`sciml.symbolic.compile_torch`): what ``DiscoveredModel.simulate``
integrates. :func:`check_export` runs an exported artefact on a few test
points and compares it with that function: the Python module and the torch
module are executed from the text just produced (the text is generated code
over the names of an already validated model; nothing from the file itself is
executed), the C source is compiled with the system compiler when there is
one, JSON is read back with the model-file reader, and LaTeX gets a
structural check (one aligned line per state with its left-hand side,
balanced braces, every variable of the equation present).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable

import numpy as np
import sympy as sp

from sciml.errors import InputError
from sciml.symbolic.compile import compile_torch
from sciml.symbolic.modelfile import ModelSpec, model_from_json
from sciml.symbolic.printers import Flat, flatten

__all__ = ["rhs_function", "check_export", "N_POINTS"]

N_POINTS = 3
_RTOL, _ATOL = 1e-6, 1e-9
_C_TIMEOUT_S = 120


def rhs_function(spec: ModelSpec, flat: Flat | None = None) -> Callable:
    """``f(t, *arguments) -> tensor (n_states, …)``: the right-hand sides in the order of ``flatten(spec).arguments``.

    Parameters are replaced by their values; ``t`` is the independent variable
    (used or not).
    """
    import torch

    flat = flat or flatten(spec)
    compiled = compile_torch(flat.exprs, [flat.time, *flat.arguments])

    def f(t, *values):
        return torch.stack(compiled(t, *values))

    return f


def _points(flat: Flat, reference: Callable):
    """A time and ``N_POINTS`` argument vectors, with the model's values there (finite where possible)."""
    import torch

    rng = np.random.default_rng(0)
    t = float(rng.uniform(0.5, 1.5))
    base = rng.uniform(0.5, 1.5, size=(len(flat.arguments), N_POINTS))  # positive: log, sqrt, acosh defined
    for scale in (1.0, 1e-1, 1e-2, 1e-3):  # (x + y + 1)**1000 is finite only near 0
        values = base * scale
        expected = reference(torch.tensor(t, dtype=torch.float64),
                             *torch.as_tensor(values, dtype=torch.float64)).numpy()
        if np.isfinite(expected).any(axis=0).all():
            break
    return t, values, expected


def _compare(spec: ModelSpec, to: str, got, expected, t, values) -> None:
    try:
        got = np.asarray(got)
        if got.dtype.kind not in "fc":
            got = got.astype(complex if np.iscomplexobj(expected) else float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError("model", f"an export to {to} that returns numbers", str(exc), _HINT) from None
    if got.shape != expected.shape:
        raise InputError("model", f"an export to {to} that returns one value per state and point "
                         f"(shape {expected.shape})", f"shape {got.shape}", _HINT)
    scale = max(1.0, float(np.nanmax(np.abs(np.where(np.isfinite(expected), expected, 0.0)), initial=0.0)))
    close = np.isclose(got, expected, rtol=_RTOL, atol=_ATOL * scale, equal_nan=True)
    if not close.all():
        i, k = map(int, np.argwhere(~close)[0])
        raise InputError("model", f"an export to {to} that reproduces the model's right-hand side",
                         f"d{spec.states[i]}/dt = {got[i, k]!r} from the {to} export but {expected[i, k]!r} from "
                         f"the model at t={t!r}, arguments {values[:, k].tolist()}", _HINT)


_HINT = "the exported code would be wrong, so it was not written; please report the model"


def _run_python(text: str, flat: Flat, spec: ModelSpec, t, values):
    namespace: dict = {"__name__": "sciml_export_check"}
    exec(compile(text, "<sciml export --to python>", "exec"), namespace)  # noqa: S102 - our generated code
    if spec.kind == "ode":
        n = flat.n_states
        args = (values[:n],) + ((values[n:],) if spec.inputs else ())
        return namespace["rhs"](t, *args)
    return namespace["rhs"](t, *values)


def _run_torch(text: str, flat: Flat, spec: ModelSpec, t, values):
    import torch

    namespace: dict = {"__name__": "sciml_export_check"}
    exec(compile(text, "<sciml export --to torch>", "exec"), namespace)  # noqa: S102 - our generated code
    model = namespace["Model"]()
    tensors = torch.as_tensor(values, dtype=torch.float64)
    tt = torch.tensor(t, dtype=torch.float64)
    with torch.no_grad():
        if spec.kind == "ode":
            n = flat.n_states
            args = (tensors[:n].T,) + ((tensors[n:].T,) if spec.inputs else ())
            return model(tt, *args).T.numpy()
        return model(tt, *tensors).T.numpy()


def _compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")


def _run_c(text: str, flat: Flat, spec: ModelSpec, t, values):
    compiler = _compiler()
    if compiler is None:
        return None
    with tempfile.TemporaryDirectory(prefix="sciml_export_") as tmp:
        src, lib = os.path.join(tmp, "rhs.c"), os.path.join(tmp, "librhs.so")
        with open(src, "w") as fh:
            fh.write(text)
        try:
            run = subprocess.run([compiler, "-std=c99", "-O0", "-shared", "-fPIC", src, "-o", lib, "-lm"],
                                 capture_output=True, text=True, timeout=_C_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InputError("model", f"C source that compiles within {_C_TIMEOUT_S} s", "a compiler timeout",
                             "export with --no-check to skip the check") from None
        if run.returncode != 0:
            raise InputError("model", "an export to c that compiles", (run.stderr or run.stdout).strip()[-500:],
                             _HINT)
        fn = ctypes.CDLL(lib).sciml_rhs
        fn.argtypes = [ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double)]
        fn.restype = None
        out = np.empty((len(spec.states), values.shape[1]))
        for k in range(values.shape[1]):
            inp = (ctypes.c_double * len(values))(*values[:, k])
            res = (ctypes.c_double * len(spec.states))()
            fn(t, inp, res)
            out[:, k] = list(res)
        return out


def _check_json(text: str, spec: ModelSpec) -> None:
    from sciml.symbolic.modelfile import _as_double

    back = model_from_json(text, "the exported JSON")
    same = back.states == spec.states and back.kind == spec.kind and back.independent == spec.independent \
        and all(a == _as_double(b) for a, b in zip(back.rhs, spec.rhs))
    if not same:
        raise InputError("model", "an export to json that reads back to the same model", "a different model", _HINT)


def _check_latex(text: str, spec: ModelSpec, flat: Flat) -> None:
    from sciml.symbolic.printers import _latex_lhs as latex_lhs
    from sciml.symbolic.printers import latex_symbols

    def fail(why):
        raise InputError("model", "an export to latex with one aligned line per state", why, _HINT)

    if not (text.startswith("\\begin{aligned}\n") and text.endswith("\n\\end{aligned}")):
        fail("no aligned environment")
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    if depth:
        fail("unbalanced braces")
    body = text[len("\\begin{aligned}\n"):-len("\n\\end{aligned}")]
    lines = body.split(" \\\\\n")
    if len(lines) != len(spec.states):
        fail(f"{len(lines)} lines for {len(spec.states)} states")
    shown = latex_symbols(spec, flat) if spec.kind == "pde" else {}
    for name, line, expr in zip(spec.states, lines, flat.exprs):
        lhs, sep, rhs = line.partition(" &= ")
        if not sep or lhs != latex_lhs(spec, name):
            fail(f"the line {line[:60]!r}")
        for symbol in expr.free_symbols:
            if sp.latex(shown.get(symbol, symbol)) not in rhs:
                fail(f"the variable {symbol} missing from the line of {name}")


def check_export(spec: ModelSpec, to: str, text: str) -> str:
    """Check ``text`` (``export(spec, to)``) against the model; returns a one-line note of what was checked.

    Raises :class:`~sciml.errors.InputError` when the artefact does not
    reproduce the model (a different value at a test point, a failure to
    compile or run); the C check is skipped, with a note, when no C compiler
    is installed.
    """
    if not isinstance(spec, ModelSpec):
        raise InputError("spec", "a ModelSpec", type(spec).__name__)
    flat = flatten(spec)
    if to == "json":
        _check_json(text, spec)
        return "checked: the JSON reads back to the same model"
    if to == "latex":
        _check_latex(text, spec, flat)
        return "checked: one LaTeX line per state with every variable of its equation"
    if to == "sympy":
        return "not checked: sympy output is for reading"
    runner = {"python": _run_python, "torch": _run_torch, "c": _run_c}.get(to)
    if runner is None:
        raise InputError("to", "one of sympy, latex, python, torch, c, json", repr(to))
    try:
        reference = rhs_function(spec, flat)
    except InputError as exc:  # e.g. log of a negative parameter: a complex constant
        raise InputError("model", "right-hand sides that evaluate to real numbers", str(exc)) from None
    t, values, expected = _points(flat, reference)
    try:
        got = runner(text, flat, spec, t, values)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the generated code means the export is wrong
        raise InputError("model", f"an export to {to} that runs", f"{type(exc).__name__}: {exc}", _HINT) from None
    if got is None:
        return "not checked: no C compiler found (set CC to check the C output)"
    _compare(spec, to, got, expected, t, values)
    return f"checked: the {to} output matches the model at {N_POINTS} test points"
