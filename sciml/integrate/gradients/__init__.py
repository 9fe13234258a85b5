"""The three ways to differentiate a solve.

- ``direct``: autograd records every operation of the solver (fast, memory grows with steps).
- ``checkpoint``: store the accepted steps, recompute each one locally in the backward pass:
  the exact gradient of the discrete solution with memory for one state per step
  (Zhuang et al., Adaptive checkpoint adjoint method, ICML 2020).
- ``backsolve``: the continuous adjoint, integrating the adjoint system backwards with its
  own tolerances; memory independent of the number of steps (Chen et al., Neural ordinary
  differential equations, NeurIPS 2018), with the optional seminorm of Kidger, Chen & Lyons (2021).
"""

from sciml.integrate.gradients.backsolve import solve_backsolve
from sciml.integrate.gradients.checkpoint import solve_checkpoint
from sciml.integrate.gradients.time import attach_time_gradients

__all__ = ["solve_backsolve", "solve_checkpoint", "attach_time_gradients"]
