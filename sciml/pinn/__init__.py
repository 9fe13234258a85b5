"""Physics-informed neural networks for ``sciml.pde`` problems.

>>> result = sciml.pinn.solve(problem, iterations=5000, lbfgs=5000, hard=True, resample="rad")
>>> result.error_against("data/burgers_reference.h5")
"""

from __future__ import annotations

from sciml._lazy import lazy_attributes

# public name -> the module defining it; imported on first use (see sciml/_lazy.py)
_LAZY = {
    "solve": "sciml.pinn.solver",
    "Result": "sciml.pinn.result",
    "MLP": "sciml.pinn.networks",
    "FourierMLP": "sciml.pinn.networks",
    "ModifiedMLP": "sciml.pinn.networks",
    "RAR": "sciml.pinn.adaptive",
    "RARD": "sciml.pinn.adaptive",
    "RAD": "sciml.pinn.adaptive",
    "Fixed": "sciml.pinn.adaptive",
    "Annealing": "sciml.pinn.weighting",
    "SelfAdaptive": "sciml.pinn.weighting",
}

__all__ = [
    "solve", "Result", "MLP", "FourierMLP", "ModifiedMLP", "RAR", "RARD", "RAD", "Fixed", "Annealing",
    "SelfAdaptive",
]
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
