"""L-BFGS with a strong-Wolfe line search that runs to its iteration limit and says why it stopped.

torch's ``LBFGS`` stops silently when a loss or step change falls below its default
tolerances (1e-9), which in float32 happens after a handful of iterations -- the most
reported L-BFGS problem of DeepXDE. Here the tolerances default to zero: the driver runs
``iterations`` iterations unless the caller's tolerances, a time limit or a non-finite
loss stop it. When torch's optimizer stalls (no descent direction left in its history),
the history is reset once and the run goes on; the reason of every stop is reported.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from sciml.errors import InputError

__all__ = ["run_lbfgs", "LBFGSReport"]


@dataclass
class LBFGSReport:
    iterations: int
    evaluations: int
    reason: str
    restarts: int = 0


def run_lbfgs(params, closure, iterations, *, history_size=100, tolerance_grad=0.0, tolerance_change=0.0,
              deadline=None, chunk=25, on_chunk=None, max_restarts=3) -> LBFGSReport:
    """Minimise ``closure()`` (which returns the loss after ``backward``) over ``params``.

    ``deadline``: a ``time.monotonic()`` value after which no new chunk starts;
    ``on_chunk(iterations_done, loss)`` is called every ``chunk`` iterations and may
    return True to stop.
    """
    params = [p for p in params if p.requires_grad]
    if not isinstance(iterations, int) or iterations < 0:
        raise InputError("lbfgs iterations", "a non-negative integer", iterations)
    for name, v in (("tolerance_grad", tolerance_grad), ("tolerance_change", tolerance_change)):
        if not v >= 0:
            raise InputError(name, "a non-negative number", v)
    if iterations == 0 or not params:
        return LBFGSReport(0, 0, "no iterations requested" if iterations == 0 else "nothing to optimise")

    def make():
        return torch.optim.LBFGS(params, lr=1.0, max_iter=chunk, max_eval=int(chunk * 1.25) + 5,
                                 history_size=history_size, tolerance_grad=tolerance_grad,
                                 tolerance_change=tolerance_change, line_search_fn="strong_wolfe")

    opt = make()
    done, evals, restarts = 0, 0, 0
    reason = f"reached the iteration limit ({iterations})"
    while done < iterations:
        if deadline is not None and time.monotonic() >= deadline:
            reason = f"time budget reached after {done} iterations"
            break
        opt.param_groups[0]["max_iter"] = min(chunk, iterations - done)
        opt.param_groups[0]["max_eval"] = int(opt.param_groups[0]["max_iter"] * 1.25) + 5
        state = opt.state[opt._params[0]]
        before_iter, before_eval = state.get("n_iter", 0), state.get("func_evals", 0)
        loss = opt.step(closure)
        state = opt.state[opt._params[0]]
        step_iters = state.get("n_iter", 0) - before_iter
        step_evals = state.get("func_evals", 0) - before_eval
        evals += step_evals
        done += step_iters
        value = float(loss.detach()) if loss is not None else math.nan
        last = state.get("prev_loss", value)
        if not math.isfinite(float(last)):
            reason = f"non-finite loss after {done} iterations"
            break
        if on_chunk is not None and on_chunk(done, float(last)):
            reason = f"stopped by the caller after {done} iterations"
            break
        if step_iters < opt.param_groups[0]["max_iter"]:
            if step_evals >= opt.param_groups[0]["max_eval"] and step_iters > 0:
                continue  # the chunk's evaluation allowance ran out; go on
            why = _why(state, tolerance_grad)
            if tolerance_grad > 0 or tolerance_change > 0:
                reason = f"{why} after {done} iterations"
                break
            if restarts >= max_restarts or step_iters == 0 and restarts > 0:
                reason = f"stalled ({why}) after {done} iterations, {restarts} restarts"
                break
            restarts += 1
            opt = make()
    return LBFGSReport(done, evals, reason, restarts)


def _why(state, tolerance_grad):
    g = state.get("prev_flat_grad")
    if g is not None and float(g.abs().max()) <= tolerance_grad:
        return f"largest gradient entry below tolerance_grad={tolerance_grad:g}"
    return "loss change, step or directional derivative below tolerance_change"
