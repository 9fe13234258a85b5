"""``ddeint`` / ``solve_dde``: delay differential equations ``y'(t) = f(t, y(t), (y(t − τ₁), …))`` on the ODE core.

The method of steps on the dense output: the ODE loop advances ``y`` with any explicit
Runge–Kutta method and its error control, and each evaluation of the field looks the delayed
states up in :class:`~sciml.integrate.dde.history.History`, which the loop fills with every
accepted step. The breaking points (:mod:`~sciml.integrate.dde.delays`) are the loop's jump
times, so no step straddles one, and steps are no longer than the shortest constant (or sampled
time-dependent) delay, so a delayed value is always an interpolation of finished steps.
Gradients: ``direct`` backpropagates through it all (delays included); ``checkpoint`` stores one
state and its stages per step and replays steps backwards, carrying the adjoint of every
looked-up step to where it came from.
"""

from __future__ import annotations

import math

import torch

from sciml.errors import InputError, SolverError
from sciml.integrate import checks
from sciml.integrate.dde.delays import breaking_points, parse_lags, shortest_delay
from sciml.integrate.dde.history import History
from sciml.integrate.loop import LoopOptions, integrate_joint
from sciml.integrate.norms import rms_norm
from sciml.integrate.solution import Solution, Status
from sciml.integrate.state import StatePacker
from sciml.integrate.stepper import dense_combine, dense_weights, extend_stages
from sciml.integrate.tableaus import METHODS
from sciml.integrate.term import ODETerm

__all__ = ["ddeint", "solve_dde"]

GRADIENTS = ("direct", "checkpoint")


class _DelayedField:
    """``(t, y) ↦ func(t, y, (y(t − τ₁), …))`` with the delayed states from the history."""

    def __init__(self, func, delays, history: History, packer: StatePacker):
        self.func, self.delays, self.history, self.packer = func, delays, history, packer

    def __call__(self, t, y):
        now = float(t.detach())
        lagged = tuple(self.packer.unpack(self.history(t - d(t, y), now)) for d in self.delays)
        return self.func(t, y, lagged)


class _Run:
    """One DDE solve: the loop over the delayed field, re-runnable by the checkpoint gradient."""

    def __init__(self, term, history, opts, t0, t1, t_out):
        self.term, self.history, self.opts = term, history, opts
        self.t0, self.t1, self.t_out = t0, t1, t_out
        self.result = None

    def forward(self, y0: torch.Tensor, record: bool = False) -> torch.Tensor:
        self.history.starts, self.history.steps = [], []
        res = integrate_joint(self.term, y0, self.t0, self.t1, list(self.t_out), self.opts, record=record,
                              dense=self.history)
        self.result = res
        missing = torch.full_like(y0, float("nan"))
        return torch.stack([missing if v is None else v for v in res.ys])


class _Checkpoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, run: _Run, y0, *params):
        ys = run.forward(y0, record=True)
        run.history.detach_()
        ctx.run, ctx.params = run, params
        return ys

    @staticmethod
    def backward(ctx, grad_ys):
        run, params = ctx.run, tuple(ctx.params)
        grad_y0, grad_params = _backward(run, params, grad_ys)
        return (None, grad_y0, *grad_params)


def _add(total, new):
    return new if total is None else (total if new is None else total + new)


def _backward(run: _Run, params, grad_ys):
    """Reverse sweep over the accepted steps; a step's stages also get the adjoint of later lookups into them."""
    res, history, term = run.result, run.history, run.term
    records = res.records
    g_y = [None] * len(records)  # adjoints of the stored start states and stages, from later lookups
    g_K = [None] * len(records)
    a = torch.zeros_like(grad_ys[0])
    grad_params = [None] * len(params)
    for n in range(len(records) - 1, -1, -1):
        rec = records[n]
        y = rec.y.detach().requires_grad_(True)
        with torch.enable_grad():
            history.begin_replay(n)
            try:
                y1, ks = rec.stepper.replay(rec.t, y, rec.h, rec.h, rec.extra)
                tab = rec.stepper.tab
                extend_stages(term, tab, rec.t, y, rec.h, rec.h, ks)
            finally:
                leaves = history.end_replay()
            g_end = a
            outs, gouts = [y1], []
            thetas = [(index, theta) for index, theta in rec.outputs if theta is not None]
            for index, theta in rec.outputs:
                if theta is None:
                    g_end = g_end + grad_ys[index]
            gouts.append(g_end)
            if thetas:
                w = dense_weights(tab, torch.tensor([th for _, th in thetas], dtype=y.dtype, device=y.device))
                outs.append(dense_combine(y, ks, w, rec.h))
                gouts.append(torch.stack([grad_ys[index] for index, _ in thetas]))
            if g_K[n] is not None:
                outs.append(torch.stack(ks, dim=-1))
                gouts.append(g_K[n])
            order = sorted(leaves)
            inputs = [y, *[leaves[m][1] for m in order], *[leaves[m][2] for m in order], *params]
            # retained: the history or the delays may be computed from the parameters outside the solve,
            # and every replay's backward walks those nodes again
            grads = torch.autograd.grad(outs, inputs, gouts, allow_unused=True, retain_graph=True)
        a = grads[0] if grads[0] is not None else torch.zeros_like(a)
        if g_y[n] is not None:
            a = a + g_y[n]
        k = len(order)
        for j, m in enumerate(order):
            g_y[m] = _add(g_y[m], grads[1 + j])
            g_K[m] = _add(g_K[m], grads[1 + k + j])
        grad_params = [_add(gp, g) for gp, g in zip(grad_params, grads[1 + 2 * k:])]
    for index, t in enumerate(res.ts):
        if t == run.t0:
            a = a + grad_ys[index]
    return a, grad_params


def _check_method(method):
    tab = METHODS.get(method) if isinstance(method, str) else None
    if tab is None or tab.kind != "explicit":
        explicit = ", ".join(name for name, m in METHODS.items() if m.kind == "explicit")
        raise InputError("method", f"an explicit Runge–Kutta method ({explicit})", repr(method),
                         "a delayed value is an interpolation of finished explicit steps; stiff DDEs are not "
                         "supported yet")
    return tab


def _history_value(history, t0: torch.Tensor):
    if isinstance(history, torch.Tensor):
        return history
    if not callable(history):
        raise InputError("history", "a callable history(t) for t ≤ t0, or a constant tensor", type(history).__name__)
    return history(t0)


def _gradient_params(func, history, delays, adjoint_params):
    if adjoint_params is not None:
        params = list(adjoint_params)
    else:
        params = []
        for owner in (func, history):
            if isinstance(owner, torch.nn.Module):
                params += list(owner.parameters())
        if isinstance(history, torch.Tensor):
            params.append(history)
        params += [d.value for d in delays if isinstance(d.value, torch.Tensor)]
    seen, unique = set(), []
    for p in params:
        if isinstance(p, torch.Tensor) and p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            unique.append(p)
    return tuple(unique)


def solve_dde(func, history, t, lags, *, method: str = "dopri5", rtol=1e-7, atol=1e-9, gradient: str = "direct",
              max_steps: int = 100_000, first_step: float | None = None, max_step: float | None = None,
              step_size: float | None = None, track_discontinuities: bool = True, adjoint_params=None,
              on_failure: str = "raise") -> Solution:
    """Solve ``y'(t) = func(t, y, (y(t − τ₁), …))`` for the times ``t``; return a :class:`Solution`.

    Parameters
    ----------
    func : callable ``func(t, y, y_lagged)``
        ``t`` a 0-dim tensor, ``y`` the state (shape of the history), ``y_lagged`` a tuple with
        the state at ``t − τᵢ`` for each delay.
    history : callable ``history(t)`` or tensor
        The state for ``t ≤ t[0]``; ``y(t[0]) = history(t[0])``. An ``nn.Module`` or a tensor
        needing gradients gets them.
    t : 1-D tensor
        Increasing output times; ``t[0]`` is the initial time.
    lags : number, tensor, callable, or a sequence of them
        Constant delays (0-dim tensors may need gradients), time-dependent ``τ(t)`` or
        state-dependent ``τ(t, y)`` callables (returning positive delays).
    method : str
        Any explicit Runge–Kutta method of :func:`~sciml.integrate.solve_ivp` (``dopri5``,
        ``tsit5``, ``dopri8``, …, or fixed-step with ``step_size``).
    rtol, atol : float or tensor
        Error control, as for ODEs.
    gradient : ``"direct"`` | ``"checkpoint"``
        Backpropagation through the solve, or the exact gradient of the discrete solve with
        memory for one state and its stages per step. Both reach ``func``'s parameters, the
        history's and the delays.
    max_step, first_step, max_steps : step controls; steps are also capped by the shortest constant delay
        (and the smallest time-dependent one on a grid over the interval).
    track_discontinuities : bool
        End steps on the breaking points ``t0 + Σ kᵢ τᵢ`` (up to the method's order) and their
        time-dependent counterparts. State-dependent delays are left to error control.
    """
    checks.check_func(func)
    if gradient == "backsolve":
        raise InputError("gradient", "'direct' or 'checkpoint' for a DDE", "'backsolve'",
                         "the continuous adjoint of a DDE is itself a DDE with advanced arguments; use "
                         "gradient='checkpoint' for memory-lean exact gradients")
    checks.check_choice(gradient, "gradient", GRADIENTS)
    checks.check_choice(on_failure, "on_failure", ("raise", "return"))
    checks.check_positive_int(max_steps, "max_steps")
    tab = _check_method(method)
    if not isinstance(t, torch.Tensor) or t.dim() != 1 or len(t) < 2 or not t.is_floating_point():
        raise InputError("t", "a 1-D float tensor of at least two increasing times", getattr(t, "shape", type(t)))
    if not bool(torch.isfinite(t).all()) or not bool((t[1:] > t[:-1]).all()):
        raise InputError("t", "finite, strictly increasing times", "repeated, decreasing or non-finite values")
    y0 = _history_value(history, t[0].detach())
    tensors = checks.check_state(y0, "history(t0)")
    if isinstance(y0, tuple):
        raise InputError("history(t0)", "a tensor", "a tuple", "stack tuple states into one tensor for a DDE")
    dtype, device = tensors[0].dtype, tensors[0].device
    if t.device != device:
        raise InputError("t", f"a tensor on the history's device {device}", t.device)
    delays = parse_lags(lags, t.dtype, device)
    packer = StatePacker(y0, 0)
    rtol = checks.check_tolerance(rtol, "rtol", packer.size, dtype, device)
    atol = checks.check_tolerance(atol, "atol", packer.size, dtype, device)
    t0, t1 = float(t[0]), float(t[-1])
    if step_size is not None and (tab.adaptive or not step_size > 0):
        raise InputError("step_size", "a positive step for a fixed-step method (None for adaptive ones)", step_size)
    if not tab.adaptive and step_size is None:
        raise InputError("step_size", f"a step size for the fixed-step method {tab.name!r}", None)
    for name, v in (("first_step", first_step), ("max_step", max_step)):
        if v is not None and not v > 0:
            raise InputError(name, "a positive number", v)
    shortest = shortest_delay(delays, t0, t1, t.dtype, device)
    if step_size is not None and step_size > shortest:
        raise InputError("step_size", f"at most the shortest delay ({shortest:.6g})", step_size)
    cap = min(shortest, math.inf if max_step is None else float(max_step))
    points = breaking_points(delays, t0, t1, tab.order, t.dtype, device) if track_discontinuities else []
    # where a delayed argument crosses t0, y' may jump inside the lookup: the method restarts there (jump_t),
    # evaluating each side from inside its own step; further out f is smooth enough to keep the step and its
    # last stage (step_t: the step only ends on the point)
    first = set(breaking_points(delays, t0, t1, 1, t.dtype, device)) if points else set()
    opts = LoopOptions(tableau=tab, rtol=rtol, atol=atol, norm=rms_norm, max_steps=max_steps, first_step=first_step,
                       step_size=None if step_size is None else float(step_size), max_step=cap)
    opts.jump_t = tuple(p for p in points if p in first)
    opts.step_t = tuple(p for p in points if p not in first)
    hist = History(history, packer, t0, t.dtype, tab.tensors(dtype, device))
    term = ODETerm(_DelayedField(func, delays, hist, packer), packer, t.dtype, device)
    run = _Run(term, hist, opts, t0, t1, t.detach().tolist())
    y0_flat = packer.pack(y0)
    if gradient == "direct":
        ys = run.forward(y0_flat)
    else:
        params = _gradient_params(func, history, delays, adjoint_params)
        ys = _Checkpoint.apply(run, y0_flat, *params)
    res = run.result
    stats = {"n_f_evals": term.nfe, "n_steps": res.n_steps, "n_rejected": res.n_rejected,
             "n_breaking_points": len(points)}
    if res.status != Status.SUCCESS and on_failure == "raise":
        raise SolverError(f"{tab.name} stopped before t1={t1:.10g}: {res.status.describe()}", t=res.t,
                          step_size=res.h, status=res.status,
                          hint="raise max_steps or loosen rtol/atol; check func near this time")
    return Solution(ts=t, ys=packer.unpack_series(ys), stats=stats, status=res.status, t_reached=res.t,
                    message=res.status.describe(), dense_output=hist)


def ddeint(func, history, t, lags, **kwargs):
    """Solve ``y'(t) = func(t, y, (y(t − τ₁), …))`` and return the states at ``t``, shaped like ``odeint``'s.

    ``(len(t), *history(t0).shape)``; keywords as :func:`solve_dde` (``method``, ``rtol``, ``atol``,
    ``gradient``, ``max_step``, ``track_discontinuities``, ``adjoint_params``, ...).
    """
    return solve_dde(func, history, t, lags, **kwargs).ys
