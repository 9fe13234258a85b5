"""Problem files: Python files that define ``problem`` (and optionally ``reference`` and ``solve_options``).

A problem file is code the user chose to run, so it is executed with importlib like any
script; nothing else read from disk is executed. Whatever the file does — raise any
exception, call ``sys.exit``, define the wrong things — ends as a
:class:`~sciml.errors.ProblemDefinitionError` naming the file, and what it defines is
checked here, before a solve starts: ``solve_options`` keys against
:func:`sciml.pinn.solve`'s parameters, ``true_parameters`` as numbers.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import sys
from pathlib import Path

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pde.problem import Problem

__all__ = ["load_problem_file", "ProblemFile"]


class ProblemFile:
    """What a problem file defines: ``problem``, ``reference`` (or None), ``solve_options`` (dict)."""

    def __init__(self, path, module):
        self.path = Path(path)
        self.module = module
        self.problem = module.problem
        self.reference = getattr(module, "reference", None)
        self.solve_options = dict(getattr(module, "solve_options", None) or {})
        self.true_parameters = dict(getattr(module, "true_parameters", None) or {})


def load_problem_file(path) -> ProblemFile:
    """Run the problem file at ``path`` and check what it defines."""
    if not isinstance(path, (str, Path)):
        raise InputError("problem file", "a path to an existing .py file", type(path).__name__)
    path = Path(path)
    if path.suffix != ".py" or not path.is_file():
        raise InputError("problem file", "a path to an existing .py file", str(path))
    name = f"sciml_problem_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        del sys.modules[name]
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of the user's file (sys.exit too), with its name
        del sys.modules[name]
        if isinstance(exc, ProblemDefinitionError) and str(path) in str(exc):
            raise
        raise ProblemDefinitionError(f"{path}: running the problem file failed: {type(exc).__name__}: {exc}") \
            from exc
    _check(path, module)
    return ProblemFile(path, module)


def _check(path: Path, module) -> None:
    def fail(message):
        raise ProblemDefinitionError(f"{path}: {message}")

    if not isinstance(getattr(module, "problem", None), Problem):
        fail("defines no module-level `problem` (a sciml.pde.Problem)")
    options = getattr(module, "solve_options", None)
    if options is not None:
        if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
            fail("`solve_options` must be a dict of option names to values")
        unknown = sorted(set(options) - _solve_options())
        if unknown:
            fail(f"`solve_options` has unknown options {unknown}; sciml.pinn.solve takes "
                 f"{', '.join(sorted(_solve_options()))}")
    true = getattr(module, "true_parameters", None)
    if true is not None:
        if not isinstance(true, dict) or not all(isinstance(k, str) and _is_real(v) for k, v in true.items()):
            fail("`true_parameters` must be a dict of parameter names to finite numbers")
    reference = getattr(module, "reference", None)
    if reference is not None and not (isinstance(reference, (str, Path)) or callable(reference)
                                      or (isinstance(reference, tuple) and len(reference) == 2)):
        fail("`reference` must be a data file path, a callable of the coordinates or a (points, values) pair, "
             f"not {type(reference).__name__}")


def _is_real(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond a double
        return False


def _solve_options() -> set[str]:
    from sciml.pinn.solver import solve

    return {name for name, p in inspect.signature(solve).parameters.items()
            if name != "problem" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
