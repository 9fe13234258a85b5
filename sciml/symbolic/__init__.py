"""sympy in, code out: the one place where sympy expressions become torch or numpy functions.

``integrate`` and ``symbolic`` import nothing else of sciml.
"""

from sciml.symbolic.compile import CompiledFunction, compile_numpy, compile_torch

__all__ = ["CompiledFunction", "compile_numpy", "compile_torch"]
