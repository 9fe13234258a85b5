"""sympy in, code out: compilation to torch/numpy, model files, and code printers.

``compile_torch`` / ``compile_numpy`` are the one place where sympy expressions
become functions; ``parse_expression`` reads text without ``eval``;
``read_model`` / ``write_model`` handle the ``model/1`` JSON files; ``export``
prints a model as LaTeX, sympy, Python, torch, C or JSON.

``integrate`` and ``symbolic`` import nothing else of sciml.
"""

from __future__ import annotations

from sciml._lazy import lazy_attributes

# public name -> the module defining it; imported on first use (see sciml/_lazy.py)
_LAZY = {
    "CompiledFunction": "sciml.symbolic.compile",
    "compile_numpy": "sciml.symbolic.compile",
    "compile_torch": "sciml.symbolic.compile",
    "derivative_symbol": "sciml.symbolic.derivatives",
    "split_derivatives": "sciml.symbolic.derivatives",
    "SCHEMA": "sciml.symbolic.modelfile",
    "ModelSpec": "sciml.symbolic.modelfile",
    "model_from_json": "sciml.symbolic.modelfile",
    "model_to_json": "sciml.symbolic.modelfile",
    "read_model": "sciml.symbolic.modelfile",
    "write_model": "sciml.symbolic.modelfile",
    "parse_expression": "sciml.symbolic.parser",
    "ExpressionReader": "sciml.symbolic.parser",
    "FORMATS": "sciml.symbolic.formats",
    "export": "sciml.symbolic.printers",
    "check_export": "sciml.symbolic.checks",
    "expanded_size": "sciml.symbolic.size",
    "bounded_expand": "sciml.symbolic.size",
}

__all__ = [
    "CompiledFunction", "compile_numpy", "compile_torch", "derivative_symbol", "split_derivatives", "SCHEMA",
    "ModelSpec", "model_from_json", "model_to_json", "read_model", "write_model", "parse_expression",
    "ExpressionReader", "FORMATS", "export", "check_export", "expanded_size", "bounded_expand",
]
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
