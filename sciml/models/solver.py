"""How a model integrates: one option object over :func:`sciml.integrate.solve_ivp` for every model.

Sensitivity names of torchdyn are accepted: ``autograd`` (= ``direct``, backpropagation through
the solver), ``adjoint`` (= ``backsolve``, the continuous adjoint of Chen et al. 2018) and
``interpolated_adjoint`` (= ``checkpoint``, the exact gradient of the discrete solve with one
stored state per step, Zhuang et al. 2020).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from sciml.errors import InputError
from sciml.integrate import METHODS, Corrected, solve_ivp

__all__ = ["SolveOptions", "SENSITIVITIES"]

SENSITIVITIES = {"direct": "direct", "autograd": "direct", "backsolve": "backsolve", "adjoint": "backsolve",
                 "checkpoint": "checkpoint", "interpolated_adjoint": "checkpoint"}


def _tolerance(name, v, allow_none=False):
    if v is None and allow_none:
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
        raise InputError(name, "a non-negative number", repr(v))
    return float(v)


@dataclass
class SolveOptions:
    """Solver, tolerances and gradient mode of a model's solves.

    solver : a method of :data:`sciml.integrate.METHODS` (``tsit5``, ``dopri5``, ``rk4``,
        ``leapfrog``, ...), ``"auto"``, or a :class:`sciml.integrate.Corrected` method.
    rtol, atol : tolerances of adaptive solvers (torchdyn's defaults, 1e-3).
    sensitivity : ``direct`` | ``backsolve`` | ``checkpoint`` (or torchdyn's names).
    step_size : the step of a fixed-step solver (None: one step per output interval).
    solver_adjoint, rtol_adjoint, atol_adjoint, seminorm : the backsolve adjoint's settings.
    max_steps : attempted steps after which a solve fails.
    extra : further :func:`~sciml.integrate.solve_ivp` keywords (``first_step``, ``max_step``, ...).
    """

    solver: object = "tsit5"
    rtol: float = 1e-3
    atol: float = 1e-3
    sensitivity: str = "direct"
    step_size: float | None = None
    solver_adjoint: str | None = None
    rtol_adjoint: float | None = None
    atol_adjoint: float | None = None
    seminorm: bool = False
    max_steps: int = 100_000
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.solver, Corrected) and not (isinstance(self.solver, str) and (
                self.solver in METHODS or self.solver == "auto")):
            raise InputError("solver", f"one of {', '.join(METHODS)}, 'auto' or a Corrected method", repr(self.solver))
        if self.sensitivity not in SENSITIVITIES:
            raise InputError("sensitivity", f"one of {', '.join(SENSITIVITIES)}", repr(self.sensitivity))
        self.gradient = SENSITIVITIES[self.sensitivity]
        self.rtol, self.atol = _tolerance("rtol", self.rtol), _tolerance("atol", self.atol)
        self.rtol_adjoint = _tolerance("rtol_adjoint", self.rtol_adjoint, True)
        self.atol_adjoint = _tolerance("atol_adjoint", self.atol_adjoint, True)
        if not isinstance(self.extra, dict):
            raise InputError("extra", "a dict of solve_ivp keywords", type(self.extra).__name__)

    @property
    def fixed_step(self) -> bool:
        method = self.solver if isinstance(self.solver, Corrected) else METHODS.get(self.solver)
        return method is not None and not method.adaptive

    def solve(self, func, t: torch.Tensor, y0, params, *, batch: str = "joint", gradient: str | None = None,
              solver=None):
        """``solve_ivp`` of ``func`` from ``y0`` at the times ``t`` (``(T,)``, or ``(T, B)`` per system)."""
        gradient = gradient or self.gradient
        independent = t.dim() == 2
        if independent:
            batch = "independent"
            if gradient == "backsolve":  # the backsolve adjoint integrates jointly; checkpoint is exact
                gradient = "checkpoint"
        span = (t[0], t[-1])
        solver = self.solver if solver is None else solver
        method = solver if isinstance(solver, Corrected) else METHODS.get(solver)
        adaptive = method is None or method.adaptive
        kwargs = dict(self.extra)
        if not adaptive and self.step_size is not None:
            kwargs["step_size"] = self.step_size
        if adaptive:
            kwargs.update(rtol=self.rtol, atol=self.atol)
        if gradient == "backsolve":
            kwargs.update(adjoint_method=self.solver_adjoint, adjoint_rtol=self.rtol_adjoint,
                          adjoint_atol=self.atol_adjoint, adjoint_seminorm=self.seminorm)
        if gradient != "direct":
            kwargs["adjoint_params"] = tuple(params)
        return solve_ivp(func, span, y0, t_eval=t, method=solver, gradient=gradient, batch=batch,
                         max_steps=self.max_steps, **kwargs)

    def describe(self) -> dict:
        solver = self.solver if isinstance(self.solver, str) else repr(self.solver)
        return {"solver": solver, "rtol": self.rtol, "atol": self.atol, "sensitivity": self.gradient,
                "step_size": self.step_size}


def as_times(t, like: torch.Tensor, name: str = "t") -> torch.Tensor:
    """``t`` as a floating tensor on ``like``'s device: ``(T,)`` shared or ``(T, B)`` per system."""
    if not isinstance(t, torch.Tensor):
        try:
            t = torch.as_tensor(t, dtype=like.dtype)
        except (TypeError, ValueError, RuntimeError):
            raise InputError(name, "a 1-D tensor of times (or (T, B): one column per system)",
                             type(t).__name__) from None
    if not t.is_floating_point():
        t = t.to(like.dtype)
    if t.dim() not in (1, 2) or t.shape[0] < 1:
        raise InputError(name, "a 1-D tensor of times (or (T, B): one column per system)", f"shape {tuple(t.shape)}")
    return t.to(like.device)


__all__ += ["as_times"]
