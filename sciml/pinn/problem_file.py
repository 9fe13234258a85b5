"""Problem files: Python files that define ``problem`` (and optionally ``reference`` and ``solve_options``).

A problem file is code the user chose to run, so it is executed with importlib like any
script; nothing else read from disk is executed.
"""

from __future__ import annotations

import importlib.util
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
        self.solve_options = dict(getattr(module, "solve_options", {}) or {})
        self.true_parameters = dict(getattr(module, "true_parameters", {}) or {})


def load_problem_file(path) -> ProblemFile:
    path = Path(path)
    if path.suffix != ".py" or not path.is_file():
        raise InputError("problem file", "a path to an existing .py file", str(path))
    name = f"sciml_problem_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ProblemDefinitionError:
        raise
    except Exception as exc:  # noqa: BLE001 - report any failure of the user's file with its name
        del sys.modules[name]
        raise ProblemDefinitionError(f"{path}: running the problem file failed: {type(exc).__name__}: {exc}") from exc
    problem = getattr(module, "problem", None)
    if not isinstance(problem, Problem):
        raise ProblemDefinitionError(f"{path}: defines no module-level `problem` (a sciml.pde.Problem)")
    options = getattr(module, "solve_options", {})
    if options is not None and not isinstance(options, dict):
        raise ProblemDefinitionError(f"{path}: `solve_options` must be a dict")
    return ProblemFile(path, module)
