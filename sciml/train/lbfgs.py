"""L-BFGS with a strong-Wolfe line search that runs to its iteration limit and says why it stopped.

torch's ``LBFGS`` stops silently when a loss or step change falls below its default
tolerances (1e-9), which in float32 happens after a handful of iterations -- the most
reported L-BFGS problem of DeepXDE. Here the tolerances default to zero: the driver runs
``iterations`` iterations unless the caller's tolerances, a time limit or a non-finite
loss stop it. When torch's optimizer stalls (no descent direction left in its history),
the history is reset once and the run goes on; the reason of every stop is reported.

:class:`LBFGSRun` advances in chunks of ``chunk`` iterations and has a ``state_dict``, so a
training loop can checkpoint between chunks and resume the same iterations exactly;
:func:`run_lbfgs` runs one to its end.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from sciml.errors import InputError

__all__ = ["run_lbfgs", "LBFGSReport", "LBFGSRun"]


@dataclass
class LBFGSReport:
    iterations: int
    evaluations: int
    reason: str
    restarts: int = 0


class LBFGSRun:
    """``iterations`` L-BFGS iterations over ``params``, one chunk per :meth:`chunk` call."""

    def __init__(self, params, iterations, *, history_size=100, tolerance_grad=0.0, tolerance_change=0.0,
                 chunk=25, max_restarts=3):
        self.params = [p for p in params if p.requires_grad]
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
            raise InputError("lbfgs iterations", "a non-negative integer", iterations)
        for name, v in (("tolerance_grad", tolerance_grad), ("tolerance_change", tolerance_change)):
            if not v >= 0:
                raise InputError(name, "a non-negative number", v)
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise InputError("chunk", "a positive number of iterations", chunk)
        self.iterations, self.history_size, self.chunk = iterations, history_size, chunk
        self.tolerance_grad, self.tolerance_change, self.max_restarts = tolerance_grad, tolerance_change, max_restarts
        self.done, self.evaluations, self.restarts = 0, 0, 0
        self.finished, self.reason = False, f"reached the iteration limit ({iterations})"
        if iterations == 0 or not self.params:
            self.finished = True
            self.reason = "no iterations requested" if iterations == 0 else "nothing to optimise"
        self.optimizer = self._make()

    def _make(self):
        return torch.optim.LBFGS(self.params or [torch.zeros(1, requires_grad=True)], lr=1.0, max_iter=self.chunk,
                                 max_eval=int(self.chunk * 1.25) + 5, history_size=self.history_size,
                                 tolerance_grad=self.tolerance_grad, tolerance_change=self.tolerance_change,
                                 line_search_fn="strong_wolfe")

    def report(self) -> LBFGSReport:
        return LBFGSReport(self.done, self.evaluations, self.reason, self.restarts)

    def chunk_step(self, closure, expired=None, on_chunk=None) -> None:
        """One chunk: ``expired()`` true stops before it; ``on_chunk(done, loss)`` after it may return True to stop."""
        if self.finished:
            return
        if expired is not None and expired():
            self._finish(f"time budget reached after {self.done} iterations")
            return
        opt = self.optimizer
        group = opt.param_groups[0]
        group["max_iter"] = min(self.chunk, self.iterations - self.done)
        group["max_eval"] = int(group["max_iter"] * 1.25) + 5
        state = opt.state[opt._params[0]]
        before_iter, before_eval = state.get("n_iter", 0), state.get("func_evals", 0)
        loss = opt.step(closure)
        state = opt.state[opt._params[0]]
        step_iters = state.get("n_iter", 0) - before_iter
        step_evals = state.get("func_evals", 0) - before_eval
        self.evaluations += step_evals
        self.done += step_iters
        value = float(loss.detach()) if isinstance(loss, torch.Tensor) else math.nan if loss is None else float(loss)
        last = state.get("prev_loss", value)
        if not math.isfinite(float(last)):
            self._finish(f"non-finite loss after {self.done} iterations")
            return
        if on_chunk is not None and on_chunk(self.done, float(last)):
            self._finish(f"stopped by the caller after {self.done} iterations")
            return
        if self.done >= self.iterations:
            self._finish(self.reason)
            return
        if step_iters < group["max_iter"]:
            if step_evals >= group["max_eval"] and step_iters > 0:
                return  # the chunk's evaluation allowance ran out; go on
            why = _why(state, self.tolerance_grad)
            if self.tolerance_grad > 0 or self.tolerance_change > 0:
                self._finish(f"{why} after {self.done} iterations")
                return
            if self.restarts >= self.max_restarts or step_iters == 0 and self.restarts > 0:
                self._finish(f"stalled ({why}) after {self.done} iterations, {self.restarts} restarts")
                return
            self.restarts += 1
            self.optimizer = self._make()

    def _finish(self, reason):
        self.finished, self.reason = True, reason

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "done": self.done, "evaluations": self.evaluations,
                "restarts": self.restarts, "finished": self.finished, "reason": self.reason,
                "iterations": self.iterations}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer = self._make()
        self.optimizer.load_state_dict(state["optimizer"])
        self.done, self.evaluations, self.restarts = state["done"], state["evaluations"], state["restarts"]
        self.finished, self.reason, self.iterations = state["finished"], state["reason"], state["iterations"]


def run_lbfgs(params, closure, iterations, *, history_size=100, tolerance_grad=0.0, tolerance_change=0.0,
              deadline=None, chunk=25, on_chunk=None, max_restarts=3) -> LBFGSReport:
    """Minimise ``closure()`` (which returns the loss after ``backward``) over ``params``.

    ``deadline``: a ``time.monotonic()`` value after which no new chunk starts;
    ``on_chunk(iterations_done, loss)`` is called every ``chunk`` iterations and may
    return True to stop.
    """
    run = LBFGSRun(params, iterations, history_size=history_size, tolerance_grad=tolerance_grad,
                   tolerance_change=tolerance_change, chunk=chunk, max_restarts=max_restarts)
    expired = None if deadline is None else (lambda: time.monotonic() >= deadline)
    while not run.finished:
        run.chunk_step(closure, expired, on_chunk)
    return run.report()


def _why(state, tolerance_grad):
    g = state.get("prev_flat_grad")
    if g is not None and float(g.abs().max()) <= tolerance_grad:
        return f"largest gradient entry below tolerance_grad={tolerance_grad:g}"
    return "loss change, step or directional derivative below tolerance_change"
