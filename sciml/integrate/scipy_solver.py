"""``method="scipy_solver"``: one of scipy's ODE solvers run on CPU numpy copies of the state.

torchdiffeq's ``scipy_solver`` (``options={"solver": "LSODA"}``, the default, or ``"RK45"``,
``"RK23"``, ``"DOP853"``, ``"Radau"``, ``"BDF"``) for comparing against scipy or for a stiff
problem solved with LSODA. The loop hands the whole interval to :func:`integrate_scipy`,
which drives scipy's ``OdeSolver`` step by step (Virtanen et al., SciPy 1.0, Nature Methods
17 (2020); LSODA: Petzold 1983) and reads the outputs from scipy's dense output.

**No gradients**: every evaluation of ``func`` runs under ``torch.no_grad()`` on the state
copied to a CPU float64 array and back (so also a host synchronisation per evaluation), and the
results carry no autograd history. Gradients of a solve with this method come only from the
continuous adjoint (``odeint_adjoint`` / ``gradient="backsolve"``), whose backward solve runs
scipy too. ``step_t`` / ``jump_t`` restart scipy's solver at each of them; ``min_step`` is
passed to LSODA (the only one of scipy's solvers that has one); the step callbacks, events,
dense output, checkpointing and independent batches are not available.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from sciml.errors import InputError
from sciml.integrate.solution import Status

__all__ = ["ScipySolver", "SCIPY_SOLVERS", "integrate_scipy"]

SCIPY_SOLVERS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


@dataclass(frozen=True)
class ScipySolver:
    """scipy's ``solver`` as a sciml method: ``solve_ivp(..., method=ScipySolver("Radau"))``."""

    solver: str = "LSODA"
    name = "scipy_solver"
    kind = "scipy"
    adaptive = True
    implicit = False
    fsal = False
    order = None

    def __post_init__(self):
        if self.solver not in SCIPY_SOLVERS:
            raise InputError("options['solver']", f"one of scipy's {', '.join(SCIPY_SOLVERS)}", repr(self.solver))


def _tolerance(value):
    return value.detach().cpu().numpy().astype(np.float64) if isinstance(value, torch.Tensor) else float(value)


def integrate_scipy(term, y0: torch.Tensor, t0: float, t1: float, t_out, opts):
    """:func:`sciml.integrate.loop.integrate_joint` for a :class:`ScipySolver`: same arguments, same result."""
    import scipy.integrate

    from sciml.integrate.loop import JointResult, stop_schedule

    dtype, device = y0.dtype, y0.device
    direction = 1.0 if t1 >= t0 else -1.0
    save_all = t_out is None
    t_out = [t0] if save_all else list(t_out)
    ys: list = [None] * len(t_out)
    i_out = 0
    while i_out < len(t_out) and t_out[i_out] == t0:
        ys[i_out] = y0.detach()  # no autograd history at all: a gradient through it would be silently partial
        i_out += 1

    def fun(t, y):
        with torch.no_grad():
            f = term(float(t), torch.as_tensor(y, dtype=dtype, device=device))
        return f.detach().cpu().numpy().astype(np.float64)

    def to_tensor(values):
        return torch.as_tensor(np.ascontiguousarray(values), dtype=dtype, device=device)

    cls = getattr(scipy.integrate, opts.tableau.solver)
    kwargs = {"rtol": _tolerance(opts.rtol), "atol": _tolerance(opts.atol), "max_step": opts.max_step}
    if opts.tableau.solver == "LSODA":
        kwargs["min_step"] = opts.min_step
    elif opts.min_step > 0:
        warnings.warn(f"scipy's {opts.tableau.solver} has no minimum step; min_step={opts.min_step:g} is ignored "
                      "(LSODA has one)", UserWarning, stacklevel=4)
    result = JointResult(ys, Status.SUCCESS, t0, math.nan, ts=t_out)
    y_np = y0.detach().cpu().numpy().astype(np.float64)
    ends = [s for s, _ in stop_schedule(opts, t0, t1, direction)] + [t1]
    start, n_steps = t0, 0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="At least one element of `rtol` is too small")
        for end in ends:
            first = opts.first_step if start == t0 and opts.first_step else None
            solver = cls(fun, start, y_np, end, first_step=None if first is None else min(first, abs(end - start)),
                         **kwargs)
            while solver.status == "running":
                if n_steps >= opts.max_steps:
                    result.status = Status.MAX_STEPS
                    break
                message = solver.step()
                if solver.status == "failed":
                    result.status, result.message = Status.STEP_UNDERFLOW, f"scipy's {cls.__name__}: {message}"
                    break
                n_steps += 1
                if save_all:
                    t_out.append(solver.t)
                    ys.append(None)
                inside = []
                while i_out < len(t_out) and direction * (t_out[i_out] - solver.t) <= 0:
                    inside.append(i_out)
                    i_out += 1
                if inside:
                    at = np.array([t_out[i] for i in inside])
                    values = to_tensor(solver.dense_output()(at).T) if len(inside) > 1 or at[0] != solver.t \
                        else to_tensor(solver.y)[None]
                    for row, i in enumerate(inside):
                        ys[i] = values[row]
            result.t, result.h = solver.t, solver.step_size if solver.step_size is not None else math.nan
            if result.status != Status.SUCCESS:
                break
            y_np, start = solver.y, end
    result.n_steps = n_steps
    return result
