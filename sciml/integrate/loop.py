"""The time loop: the only place with a ``while``.

:func:`integrate_joint` advances one state (the whole batch as one system, one step
size) with the controller on Python floats; :func:`integrate_independent` advances
``B`` systems with one step size, acceptance and end time each, sharing every
vector-field evaluation. Both save outputs through the method's dense output, stop on
a status, and optionally record what the checkpoint gradient and ``dense=True`` need.

Stop times (joint mode). ``LoopOptions.step_t`` and ``LoopOptions.jump_t`` are times that
no step straddles: a step that would pass one is shortened to end exactly on it (the
controller's proposal is kept for the step after). At a ``step_t`` nothing else happens (a
fixed-step method with ``step_t`` and no ``step_size`` steps from one to the next: a grid).
A ``jump_t`` marks a discontinuity of ``func`` (or of its derivatives): the step ending on
it evaluates ``func`` at its end, and at any stage time at or beyond it (``c ≥ 1``), just
*before* the jump (one ulp inside the step, in the dtype ``func`` sees: ``ODETerm.window``),
and the method then restarts just *after* it as at ``t0``: ``func`` re-evaluated there (no
FSAL reuse), a fresh starting step (Hairer's), and ``stepper.restart()``, which drops an
implicit method's Jacobian and a multistep method's history. So the method's order is never
spoilt by a step across a known discontinuity, and nothing is spent on rejected steps near it. This is the facility
for any known breaking points: delay equations (``t0 + kτ``), spline knots of a control
path, switching times of a forcing. Both lists are in absolute time, any order; only those
strictly between ``t0`` and ``t1`` matter, met in the direction of integration, so the
backward (adjoint) solve of the same problem meets the same ones in reverse.

``LoopOptions.perturb`` moves every evaluation at a step's start or end one ulp into the
step (torchdiffeq's ``perturb``), so a ``func`` that branches on ``t`` sees each step from
inside. ``LoopOptions.callbacks`` (:class:`~sciml.integrate.callbacks.StepCallbacks`) are
called before every attempted step and on its acceptance or rejection.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import torch

from sciml.integrate.controller import BatchPIController, PIController, initial_step, initial_step_batch
from sciml.integrate.implicit import ImplicitOptions
from sciml.integrate.methods import make_stepper
from sciml.integrate.progress import SolveProgress
from sciml.integrate.solution import Status
from sciml.integrate.stepper import combine, dense_combine, dense_weights, extend_stages

__all__ = ["LoopOptions", "JointResult", "StepRecord", "integrate_joint", "integrate_independent",
           "IndependentResult", "BatchRecord", "stop_schedule"]

_MAX_NONFINITE = 10  # consecutive NaN/Inf error estimates before giving up
_FIXED_CHECK_EVERY = 16  # fixed-step solves look for NaN/Inf every so many steps (each look syncs)


@dataclass
class LoopOptions:
    """Everything the loop needs besides the problem itself."""

    tableau: object
    rtol: float | torch.Tensor
    atol: float | torch.Tensor
    norm: object
    max_steps: int
    first_step: float | None = None
    step_size: float | None = None  # fixed-step methods; None steps from output time to output time
    safety: float = 0.9
    ifactor: float = 10.0
    dfactor: float = 0.2
    beta: float = 0.0
    shrink_after_accept: bool = False
    max_step: float = math.inf
    progress: bool = False
    implicit: ImplicitOptions | None = None
    differentiable: bool = False  # implicit steps attach their gradient paths (direct mode with grads)
    min_step: float = 0.0  # adaptive steps never shorter; a step this short is accepted whatever its error
    step_t: tuple = ()  # times a step must end on (see the module docstring)
    jump_t: tuple = ()  # discontinuities: a step ends on each, and the method restarts just after it
    perturb: bool = False  # every evaluation at a step's end points moved one ulp into the step
    callbacks: object = None  # StepCallbacks, or None


@dataclass
class StepRecord:
    """One accepted step (joint mode), enough to recompute it.

    ``outputs``: (index, θ or None = the step's end); ``events``: (event row, θ);
    ``stepper``: the stepper that took it; ``extra``: what it needs to replay (stage values).
    """

    t: float
    h: float
    y: torch.Tensor
    outputs: list
    stepper: object = None
    extra: object = None
    events: list = field(default_factory=list)


@dataclass
class JointResult:
    ys: list
    status: Status
    t: float
    h: float
    n_steps: int = 0
    n_rejected: int = 0
    records: list = field(default_factory=list)
    ts: list = field(default_factory=list)
    event_ys: list = field(default_factory=list)
    stepper: object = None
    message: str = ""  # why it stopped, when the solver has more to say than the status


def _outputs_in_step(t_out, i_out, direction, t, t_new, h, end_is_y1=True):
    """Indices and θ of the output times in (t, t_new]; θ None marks the step's end itself."""
    found = []
    n = len(t_out)
    while i_out < n and direction * (t_out[i_out] - t_new) <= 0:
        tq = t_out[i_out]
        found.append((i_out, None if tq == t_new and end_is_y1 else (tq - t) / h))
        i_out += 1
    return found, i_out


def _dense_values(term, tab, t, y, h, ks, thetas):
    """The continuous extension at the θ of one step, ``(len(thetas), N)``."""
    extend_stages(term, tab, t, y, h, h, ks)
    theta = torch.tensor(thetas, dtype=y.dtype, device=y.device)
    return dense_combine(y, ks, dense_weights(tab, theta), h)


def _emit(term, tab, t, y, y1, h, ks, outputs, ys):
    """Write the states at the outputs of one step into ``ys``."""
    thetas = [th for _, th in outputs if th is not None]
    if thetas:
        values = _dense_values(term, tab, t, y, h, ks, thetas)
    j = 0
    for index, th in outputs:
        if th is None:
            ys[index] = y1
        else:
            ys[index] = values[j]
            j += 1


def stop_schedule(opts: LoopOptions, t0: float, t1: float, direction: float) -> list[tuple[float, bool]]:
    """The ``step_t`` and ``jump_t`` strictly between ``t0`` and ``t1`` as ``(time, is_jump)``, in the order met."""
    if not opts.step_t and not opts.jump_t:
        return []
    jumps = set(opts.jump_t)
    inside = {s for s in (*opts.step_t, *opts.jump_t) if direction * (s - t0) > 0 and direction * (t1 - s) > 0}
    return sorted(((s, s in jumps) for s in inside), key=lambda stop: direction * stop[0])


def integrate_joint(term, y0: torch.Tensor, t0: float, t1: float, t_out: list[float], opts: LoopOptions,
                    *, k1: torch.Tensor | None = None, record: bool = False, dense=None,
                    events=None) -> JointResult:
    """Integrate one flat state ``y0`` from ``t0`` to ``t1``, saving at ``t_out`` (sorted, within).

    ``t_out=None`` saves the start and every accepted step; the times are then in ``result.ts``.
    ``events``: an :class:`~sciml.integrate.events.EventTracker`; the states at its crossings
    go to ``result.event_ys``. ``t1`` may be infinite when a terminal event ends the solve.
    """
    if getattr(opts.tableau, "kind", None) == "scipy":
        from sciml.integrate.scipy_solver import integrate_scipy

        return integrate_scipy(term, y0, t0, t1, t_out, opts)
    save_all = t_out is None
    t_out = [t0] if save_all else t_out
    stepper = make_stepper(term, opts, y0.dtype, y0.device, False, opts.differentiable)
    method = stepper.method
    adaptive = method.adaptive
    own_control = hasattr(stepper, "propose")
    direction = 1.0 if t1 >= t0 else -1.0
    ys: list = [None] * len(t_out)
    records: list = []
    i_out = 0
    while i_out < len(t_out) and t_out[i_out] == t0:
        ys[i_out] = y0
        i_out += 1

    t, y = t0, y0
    rtol, atol, norm = opts.rtol, opts.atol, opts.norm
    grid = not adaptive and opts.step_size is None
    # step-size underflow is judged against the current time, or for steps near t = 0 against the
    # span capped at 1 (a stiff solve over [0, 1e11] legitimately starts with tiny steps)
    span = min(abs(t1 - t0), 1.0)
    stops = stop_schedule(opts, t0, t1, direction)
    i_stop = 0
    callbacks = opts.callbacks
    min_step = opts.min_step
    restarted = opts.perturb  # the step about to start begins at a jump: evaluate just past it
    if adaptive:
        if k1 is None:
            if restarted:
                term.window = (t0, t1, True, False)
            k1 = term(t, y)
            term.window = None
        h = opts.first_step * direction if opts.first_step else initial_step(
            term, t0, y0, k1, direction, method.controller_order, rtol, atol, norm, t1 - t0)
        h = math.copysign(max(min(abs(h), opts.max_step), min_step), direction)
        controller = PIController(method.controller_order, opts.safety, opts.ifactor, opts.dfactor,
                                  opts.beta, opts.max_step, opts.shrink_after_accept)
        order = method.controller_order
        with torch.no_grad():
            yabs = y0.abs()
    else:
        h = direction * opts.step_size if opts.step_size else direction * math.inf
    result = JointResult(ys, Status.SUCCESS, t, h, records=records, ts=t_out, stepper=stepper)
    progress = SolveProgress(opts.progress, t0, t1 if math.isfinite(t1) else t0 + 1.0)
    n_steps = n_rejected = nonfinite = newton_fail = 0
    stopped = False
    # time is a Python float here: a step underflows when float64 no longer resolves it (a float32
    # state may need steps below its own resolution of t to get across a discontinuity)
    eps16 = 16 * sys.float_info.epsilon
    ratio = 0.0

    while direction * (t1 - t) > 0:
        if n_steps + n_rejected >= opts.max_steps:
            result.status = Status.MAX_STEPS
            break
        target = t_out[i_out] if grid and i_out < len(t_out) else t1
        stop = None
        if i_stop < len(stops) and direction * (stops[i_stop][0] - target) < 0:
            stop = stops[i_stop]
            target = stop[0]
        # a step ending within a hair of the target snaps to it: no sliver steps from round-off
        hit = direction * (t + h - target) >= -1e-9 * abs(h)
        h_step = target - t if hit else h
        before_jump = opts.perturb or (hit and stop is not None and stop[1])
        if restarted or before_jump:  # evaluations at the step's ends from inside the step
            term.window = (t, target if hit else t + h_step, restarted, before_jump)
        if callbacks is not None:
            callbacks.step(t, y, h_step)
        y1, ks, failed = stepper.step(t, y, h_step, h_step, k1)
        method = stepper.method
        tab = stepper.tab

        if failed:  # the implicit stage equations did not converge: a rejection, not an error estimate
            term.window = None
            n_rejected += 1
            newton_fail += 1
            k1 = stepper.k1
            if callbacks is not None and adaptive:
                callbacks.reject(t, y, h_step)
            stepper.after(False, h_step, t)
            h = h_step * stepper.retry
            if abs(h) <= eps16 * max(abs(t), abs(span)):
                result.status = Status.NEWTON_FAILURE
                break
            continue
        newton_fail = 0
        if adaptive:
            with torch.no_grad():
                err = torch.mv(torch.stack(ks).T, tab.b_error)
                y1abs = y1.abs()
                scale = torch.maximum(yabs, y1abs).mul_(rtol).add_(atol)
                ratio = float(norm(err.div_(scale))) * abs(h_step)
            accepted = ratio <= 1.0 or (abs(h_step) <= min_step and ratio < math.inf)
            if not accepted and not (ratio < math.inf):  # NaN or Inf somewhere in this step
                nonfinite += 1
                if nonfinite >= _MAX_NONFINITE:
                    result.status = Status.NON_FINITE
                    break
            else:
                nonfinite = 0
        else:
            accepted = True
            if (n_steps + 1) % _FIXED_CHECK_EVERY == 0 and not bool(torch.isfinite(y1).all()):
                result.status = Status.NON_FINITE
                break

        terminated = False
        if accepted:
            t_new = target if hit else t + h_step
            hits = ()
            if events is not None:
                hits, cut = events.check(tab, t, y, y1, t_new, h_step, ks)
                if cut is not None:
                    terminated = True
                    t_new = hits[-1][2]
                    y1 = _dense_values(term, tab, t, y, h_step, ks, [cut])[0]
            if save_all:
                t_out.append(t_new)
                ys.append(None)
            outputs, i_out = _outputs_in_step(t_out, i_out, direction, t, t_new, h_step, not terminated)
            if outputs:
                _emit(term, tab, t, y, y1, h_step, ks, outputs, ys)
            ev_rows = []
            if hits:
                values = _dense_values(term, tab, t, y, h_step, ks, [th for _, th, _ in hits])
                for j, (_, th, _) in enumerate(hits):
                    ev_rows.append((len(result.event_ys), th))
                    result.event_ys.append(values[j])
            if record:
                records.append(StepRecord(t, h_step, y, outputs, getattr(stepper, "current", stepper),
                                          stepper.record(), ev_rows))
            if dense is not None:
                extend_stages(term, tab, t, y, h_step, h_step, ks)
                dense.append(t, h_step, y, ks, tab)
            next_k1 = method.dense.next_k1
            if before_jump:
                k1 = None  # the last stage saw the step's end from before it: start the next step afresh
            elif method.fsal:
                k1 = ks[-1]
            elif next_k1 is not None and len(ks) > next_k1:
                k1 = ks[next_k1]  # the continuous extension already evaluated f(t_new, y1)
            else:
                k1 = None
            if callbacks is not None and adaptive:
                callbacks.accept(t, y, h_step)
            stepper.after(True, h_step, t_new)
            restarted = opts.perturb
            stopped = stop is not None and hit
            if stopped:
                i_stop += 1
                if stop[1]:
                    restarted = True
                    if hasattr(stepper, "restart"):
                        stepper.restart()
            t, y = t_new, y1
            if adaptive:
                yabs = y1abs
            n_steps += 1
            progress.update(t, n_steps)
        else:
            n_rejected += 1
            k1 = stepper.k1
            if callbacks is not None:
                callbacks.reject(t, y, h_step)
            stepper.after(False, h_step, t)
        term.window = None
        if terminated:
            result.status = Status.EVENT
            break
        if adaptive:
            h_wanted = h
            if own_control:  # a multistep method chooses step size and order together
                h = stepper.propose(h_step, ratio, accepted)
            else:
                h = controller.propose(h_step, ratio, accepted)
            if stepper.method.controller_order != order:  # method="auto" switched
                order = stepper.method.controller_order
                controller.set_order(order)
            if accepted and stopped:
                if stop[1] and direction * (t1 - t) > 0:
                    # past a discontinuity the method starts afresh, with a fresh starting step
                    term.window = (t, t1, True, False)
                    k1 = term(t, y)
                    term.window = None
                    h = initial_step(term, t, y, k1, direction, stepper.method.controller_order, rtol, atol, norm,
                                     t1 - t)
                elif abs(h) < abs(h_wanted):
                    h = h_wanted  # the step was cut short only to land on the stop
                h = math.copysign(min(abs(h), opts.max_step), direction)
            if abs(h) < min_step:
                h = math.copysign(min_step, h)
            if abs(h) <= eps16 * max(abs(t), abs(span)) and direction * (t1 - t) > 0:
                # shrinking because every try produced NaN/Inf is a NaN problem, not a stiff one
                result.status = Status.NON_FINITE if nonfinite else Status.STEP_UNDERFLOW
                break
    progress.close()
    if result.status == Status.SUCCESS and not adaptive and not bool(torch.isfinite(y).all()):
        result.status = Status.NON_FINITE
    result.t, result.h = t, h
    result.n_steps, result.n_rejected = n_steps, n_rejected
    return result


@dataclass
class BatchRecord:
    """One loop iteration of an independent batch in which some system accepted its step."""

    t: torch.Tensor
    h: torch.Tensor
    y: torch.Tensor
    accepted: torch.Tensor
    outputs: list  # [(index (B,), mask (B,), theta (B,), at_end (B,))]
    stepper: object = None
    extra: object = None


@dataclass
class IndependentResult:
    ys: torch.Tensor  # (T, B, N)
    status: torch.Tensor  # (B,)
    t: torch.Tensor
    h: torch.Tensor
    n_steps: torch.Tensor
    n_rejected: torch.Tensor
    records: list = field(default_factory=list)
    stepper: object = None


def integrate_independent(term, y0: torch.Tensor, t0: torch.Tensor, t1: torch.Tensor, t_out: torch.Tensor,
                          opts: LoopOptions, *, k1: torch.Tensor | None = None, record: bool = False,
                          dense=None) -> IndependentResult:
    """Integrate ``B`` systems ``y0 (B, N)`` each from ``t0[b]`` to ``t1[b]``, saving at ``t_out (T, B)``.

    Every system has its own step size, accepts or rejects on its own error norm, and
    stops at its own end time or failure; a finished or failed system is frozen (its
    state no longer changes), so one diverging system does not stop the others.
    """
    stepper = make_stepper(term, opts, y0.dtype, y0.device, True, opts.differentiable)
    method = stepper.method
    adaptive = method.adaptive
    order = method.controller_order
    B = y0.shape[0]
    T = t_out.shape[0]
    dev, tdt = y0.device, t0.dtype
    direction = torch.where(t1 >= t0, 1.0, -1.0).to(tdt)
    arange = torch.arange(B, device=dev)
    rtol, atol, norm = opts.rtol, opts.atol, opts.norm

    ys = y0.new_full((T, B, y0.shape[1]), float("nan"))  # outputs a failed system never reaches stay NaN
    at_start = t_out == t0[None, :]  # (T, B)
    ys = torch.where(at_start[..., None], y0[None], ys)
    next_out = at_start.sum(0)  # outputs are sorted, so the ones at t0 come first

    t, y = t0, y0
    grid = not adaptive and opts.step_size is None
    if adaptive:
        if k1 is None:
            k1 = term(t, y)
        if opts.first_step:
            h = direction * opts.first_step
        else:
            h = initial_step_batch(term, t0, y0, k1, direction, method.controller_order, rtol, atol, norm,
                                   t1 - t0)
        h = torch.minimum(h.abs(), torch.full_like(h, opts.max_step)) * direction
        controller = BatchPIController(method.controller_order, B, y0.dtype, dev, opts.safety, opts.ifactor,
                                       opts.dfactor, opts.beta, opts.max_step, opts.shrink_after_accept)
        with torch.no_grad():
            yabs = y0.abs()
    else:
        h = direction * (opts.step_size if opts.step_size else math.inf)
    status = torch.where(t1 == t0, Status.SUCCESS, Status.RUNNING).to(torch.int8).to(dev)
    n_steps = torch.zeros(B, dtype=torch.long, device=dev)
    n_rejected = torch.zeros(B, dtype=torch.long, device=dev)
    nonfinite = torch.zeros(B, dtype=torch.long, device=dev)
    newton_fail = torch.zeros(B, dtype=torch.long, device=dev)
    records: list = []
    eps16 = 16 * torch.finfo(tdt).eps  # the resolution of the time tensors
    scale_span = torch.maximum(t0.abs(), (t1 - t0).abs().clamp(max=1.0))
    progress = SolveProgress(opts.progress, 0.0, 1.0, desc="solve (batch)")
    iteration = 0

    while bool((status == Status.RUNNING).any()):
        running = status == Status.RUNNING
        too_many = running & (n_steps + n_rejected >= opts.max_steps)
        status = torch.where(too_many, torch.full_like(status, Status.MAX_STEPS), status)
        running = running & ~too_many
        if grid:
            target = t_out.gather(0, next_out.clamp(max=T - 1)[None]).squeeze(0)
            target = torch.where(next_out < T, target, t1)
        else:
            target = t1
        hit = direction * (t + h - target) >= -1e-9 * h.abs()
        h_step = torch.where(hit, target - t, h)
        h_step = torch.where(running, h_step, torch.zeros_like(h_step))  # frozen systems stand still
        h_col = h_step.to(y0.dtype)[:, None]
        y1, ks, failed = stepper.step(t, y, h_col, h_step, k1)
        k1 = stepper.k1
        method, tab = stepper.method, stepper.tab  # method="auto" may have switched since the last step

        if adaptive:
            with torch.no_grad():
                err = (torch.stack(ks, dim=-1) * tab.b_error).sum(-1)
                y1abs = y1.abs()
                scale = torch.maximum(yabs, y1abs).mul_(rtol).add_(atol)
                ratio = norm(err.div_(scale)) * h_step.abs().to(y0.dtype)
                finite = torch.isfinite(ratio)
                accepted = running & (ratio <= 1.0)
                if failed is not None:  # Newton did not converge: rejected, and not a NaN problem
                    accepted = accepted & ~failed
                    finite = finite | failed
                nonfinite = torch.where(running & ~finite, nonfinite + 1, torch.where(running, 0, nonfinite))
                bad = nonfinite >= _MAX_NONFINITE
                status = torch.where(bad, torch.full_like(status, Status.NON_FINITE), status)
        else:
            accepted = running
            if (iteration + 1) % _FIXED_CHECK_EVERY == 0:
                bad = running & ~torch.isfinite(y1).all(dim=1)
                status = torch.where(bad, torch.full_like(status, Status.NON_FINITE), status)
                accepted = accepted & ~bad

        t_new = torch.where(hit, target, t + h_step)
        outputs = []
        while True:
            idx = next_out.clamp(max=T - 1)
            tq = t_out.gather(0, idx[None]).squeeze(0)
            mask = accepted & (next_out < T) & (direction * (tq - t_new) <= 0)
            if not bool(mask.any()):
                break
            at_end = tq == t_new
            theta = torch.where(at_end | (h_step == 0), torch.ones_like(tq), (tq - t) / torch.where(
                h_step == 0, torch.ones_like(h_step), h_step))
            extend_stages(term, tab, t, y, h_col, h_step, ks)
            values = _dense_batch(tab, y, ks, theta.to(y0.dtype), h_col)
            values = torch.where(at_end[:, None], y1, values)
            current = ys[idx, arange]
            ys = ys.index_put((idx, arange), torch.where(mask[:, None], values, current))
            outputs.append((idx, mask, theta, at_end))
            next_out = next_out + mask.long()

        any_accepted = bool(accepted.any()) if (record or dense is not None) else True
        if record and any_accepted:
            records.append(BatchRecord(t, h_step, y, accepted, outputs, getattr(stepper, "current", stepper),
                                       stepper.record()))
        if dense is not None and any_accepted:
            extend_stages(term, tab, t, y, h_col, h_step, ks)
            dense.append(t, h_step, y, ks, accepted, tab)
        stepper.after(accepted, h_col, None)

        acc_col = accepted[:, None]
        y = torch.where(acc_col, y1, y)
        t = torch.where(accepted, t_new, t)
        next_k1 = method.dense.next_k1
        if method.fsal:
            k1 = torch.where(acc_col, ks[-1], k1)
        elif next_k1 is not None and len(ks) > next_k1:
            k1 = torch.where(acc_col, ks[next_k1], k1)
        else:
            k1 = None
        n_steps = n_steps + accepted.long()
        n_rejected = n_rejected + (running & ~accepted).long()
        done = accepted & (t == t1)
        status = torch.where(done, torch.full_like(status, Status.SUCCESS), status)
        if adaptive:
            yabs = torch.where(acc_col, y1abs, yabs)
            h_new = controller.propose(h_step.to(y0.dtype), ratio, accepted).to(tdt)
            if failed is not None:
                h_new = torch.where(failed, h_step * stepper.retry.to(tdt), h_new)
                newton_fail = torch.where(failed, newton_fail + 1, torch.where(running, 0, newton_fail))
            h = torch.where(running, h_new, h)
            if stepper.method.controller_order != order:  # method="auto" switched
                order = stepper.method.controller_order
                controller.set_order(order)
            under = (status == Status.RUNNING) & (h.abs() <= eps16 * torch.maximum(t.abs(), scale_span))
            cause = torch.where(nonfinite > 0, Status.NON_FINITE, Status.STEP_UNDERFLOW).to(status.dtype)
            cause = torch.where(newton_fail > 0, torch.full_like(cause, Status.NEWTON_FAILURE), cause)
            status = torch.where(under, cause, status)
        iteration += 1
        if opts.progress:
            frac = float(((t - t0) / torch.where(t1 == t0, torch.ones_like(t1), t1 - t0)).min())
            progress.update(frac, iteration)
    progress.close()
    return IndependentResult(ys, status.long(), t, h, n_steps, n_rejected, records, stepper)


def _dense_batch(tab, y, ks, theta, h_col):
    """``y + h Σ b_i(θ_b) k_i`` with one θ per system → ``(B, N)``."""
    W = dense_weights(tab, theta)  # (B, S)
    K = torch.stack(ks, dim=-1)  # (B, N, S)
    return torch.addcmul(y, h_col, (K * W[:, None, :]).sum(-1))


def replay_joint(term, opts: LoopOptions, rec: StepRecord, y: torch.Tensor):
    """Recompute one accepted step from ``y`` (with autograd): ``(y1, [output values], [event values])``."""
    stepper = rec.stepper
    tab = stepper.tab
    y1, ks = stepper.replay(rec.t, y, rec.h, rec.h, rec.extra)
    thetas = [th for _, th in rec.outputs if th is not None] + [th for _, th in rec.events]
    inner = _dense_values(term, tab, rec.t, y, rec.h, ks, thetas) if thetas else None
    values, j = [], 0
    for _, th in rec.outputs:
        if th is None:
            values.append(None)
        else:
            values.append(inner[j])
            j += 1
    event_values = [inner[j + m] for m in range(len(rec.events))]
    return y1, values, event_values


def replay_independent(term, opts: LoopOptions, rec: BatchRecord, y: torch.Tensor):
    """Recompute one loop iteration of an independent batch from ``y``: ``(y_next, [output values])``."""
    stepper = rec.stepper
    tab = stepper.tab
    h_col = rec.h.to(y.dtype)[:, None]
    y1, ks = stepper.replay(rec.t, y, h_col, rec.h, rec.extra)
    values = []
    for _idx, _mask, theta, at_end in rec.outputs:
        extend_stages(term, tab, rec.t, y, h_col, rec.h, ks)
        v = _dense_batch(tab, y, ks, theta.to(y.dtype), h_col)
        values.append(torch.where(at_end[:, None], y1, v))
    y_next = torch.where(rec.accepted[:, None], y1, y)
    return y_next, values


__all__ += ["replay_joint", "replay_independent", "combine"]
