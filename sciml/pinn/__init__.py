"""Physics-informed neural networks for ``sciml.pde`` problems.

>>> result = sciml.pinn.solve(problem, iterations=5000, lbfgs=5000, hard=True, resample="rad")
>>> result.error_against("data/burgers_reference.h5")
"""

from sciml.pinn.adaptive import RAD, RAR, RARD, Fixed
from sciml.pinn.networks import MLP, FourierMLP, ModifiedMLP
from sciml.pinn.result import Result
from sciml.pinn.solver import solve
from sciml.pinn.weighting import Annealing, SelfAdaptive

__all__ = ["solve", "Result", "MLP", "FourierMLP", "ModifiedMLP", "RAR", "RARD", "RAD", "Fixed", "Annealing",
           "SelfAdaptive"]
