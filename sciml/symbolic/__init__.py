"""sympy in, code out: compilation to torch/numpy, model files, and code printers.

``compile_torch`` / ``compile_numpy`` are the one place where sympy expressions
become functions; ``parse_expression`` reads text without ``eval``;
``read_model`` / ``write_model`` handle the ``model/1`` JSON files; ``export``
prints a model as LaTeX, sympy, Python, torch, C or JSON.

``integrate`` and ``symbolic`` import nothing else of sciml.
"""

from sciml.symbolic.compile import CompiledFunction, compile_numpy, compile_torch
from sciml.symbolic.derivatives import derivative_symbol, split_derivatives
from sciml.symbolic.modelfile import SCHEMA, ModelSpec, model_from_json, model_to_json, read_model, write_model
from sciml.symbolic.parser import parse_expression
from sciml.symbolic.printers import FORMATS, export

__all__ = [
    "CompiledFunction", "compile_numpy", "compile_torch", "parse_expression", "derivative_symbol",
    "split_derivatives", "SCHEMA", "ModelSpec", "read_model", "write_model", "model_to_json", "model_from_json",
    "FORMATS", "export",
]
