"""The public solver ``solve_ivp`` (torchdiffeq's ``odeint`` family, over it: :mod:`sciml.integrate.odeint_api`).

Inputs are checked here, once; then one of the gradient modes runs the loop.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real

import torch

from sciml.errors import InputError, SolverError
from sciml.integrate import checks
from sciml.integrate.callbacks import StepCallbacks
from sciml.integrate.events import EventTracker, as_events, attach_event_gradient
from sciml.integrate.gradients.backsolve import AdjointOptions, solve_backsolve
from sciml.integrate.gradients.checkpoint import solve_checkpoint
from sciml.integrate.gradients.time import attach_time_gradients, shift_initial_state
from sciml.integrate.implicit import ImplicitOptions
from sciml.integrate.loop import LoopOptions
from sciml.integrate.methods import AUTO
from sciml.integrate.norms import mixed_rms_norm, rms_norm
from sciml.integrate.runner import Runner
from sciml.integrate.scipy_solver import ScipySolver
from sciml.integrate.solution import DenseIndependent, DenseJoint, Solution, Status
from sciml.integrate.state import StatePacker
from sciml.integrate.tableaus import ALIASES, METHODS
from sciml.integrate.term import ODETerm

__all__ = ["solve_ivp"]

GRADIENTS = ("direct", "backsolve", "checkpoint")
BATCH_MODES = ("joint", "independent")

_HINTS = {
    Status.MAX_STEPS: "raise max_steps, loosen rtol/atol, or, if the problem is stiff, use an implicit method",
    Status.STEP_UNDERFLOW: "the solution may blow up or be non-smooth here; check func near this time, or "
                           "loosen rtol/atol; if func jumps at a known time, pass it in jump_t",
    Status.NON_FINITE: "func returned NaN/Inf even for tiny steps; check it for overflow, division by zero "
                       "or a domain error (log/sqrt of a negative number) near this time",
    Status.NEWTON_FAILURE: "the Newton iterations of the implicit stages kept diverging; check jac (if given), "
                           "try method='rodas5p' (no Newton iteration), or loosen newton_tol",
}


def solve_ivp(func, t_span, y0, *, t_eval=None, method: str = "tsit5", rtol=1e-6, atol=1e-9,
              gradient: str = "direct", batch: str = "joint", max_steps: int = 100_000, dense: bool = False,
              on_failure: str = "raise", first_step: float | None = None, step_size: float | None = None,
              max_step: float | None = None, norm=None, safety: float = 0.9, ifactor: float = 10.0,
              dfactor: float = 0.2, beta: float = 0.0, shrink_after_accept: bool = False, adjoint_rtol=None,
              adjoint_atol=None, adjoint_method: str | None = None, adjoint_params=None,
              adjoint_seminorm: bool = False, adjoint_norm=None, progress: bool = False, events=None, jac=None,
              newton_tol: float | None = None, max_newton_iter: int | None = None, min_step: float = 0.0,
              step_t=None, jump_t=None, perturb: bool = False) -> Solution:
    """Solve ``dy/dt = func(t, y)`` on ``t_span`` from ``y0``, differentiably.

    Parameters
    ----------
    func : callable ``func(t, y)``
        The vector field; ``y`` has the shape of ``y0`` (a tuple for tuple states; a 0-dim
        tensor for a scalar state). ``t`` is a 0-dim tensor, or with ``batch="independent"`` a
        ``(B,)`` tensor, one time per system, always in the state's dtype (as torchdiffeq, so a
        float32 model never meets a float64 time); the solver itself keeps time in float64.
        Optional methods ``func.callback_step(t0, y0, dt)``, ``callback_accept_step``,
        ``callback_reject_step`` (and ``*_adjoint`` for the backsolve pass) are called on
        every step, as in torchdiffeq (:mod:`sciml.integrate.callbacks`; joint mode).
    t_span : ``(t0, t1)``
        Numbers or 0-dim tensors; with ``batch="independent"`` also ``(B,)`` tensors or a
        ``(B, 2)`` tensor (each system its own interval). ``t1 < t0`` integrates backwards.
    y0 : tensor or tuple of tensors
        Initial state. With ``batch="independent"`` the leading dimension indexes the systems.
    t_eval : 1-D tensor, optional
        Times to save at (sorted in the direction of integration, inside ``t_span``); in
        independent mode ``(T,)`` for all systems or ``(T, B)``. Default: every accepted step
        (joint) or just ``t0`` and ``t1`` (independent).
    method : str
        ``euler``, ``midpoint``, ``heun``, ``heun3``, ``rk4``, ``rk38`` (fixed step: give
        ``step_size`` or step from output time to output time), ``adaptive_heun``,
        ``fehlberg2``, ``bosh3``, ``dopri5``, ``tsit5``, ``dopri8`` (adaptive, explicit);
        ``kvaerno3``, ``kvaerno5`` (ESDIRK, Newton), ``rodas5``, ``rodas5p`` (Rosenbrock) for
        stiff problems (adaptive, L-stable); ``bdf`` (joint mode, ``gradient="direct"``):
        variable-order BDF/NDF (Shampine & Reichelt 1997, as scipy's BDF and MATLAB's ode15s),
        one Jacobian for many steps, for large stiff systems and cheap steps; ``auto``: tsit5,
        switching to rodas5p while the problem is stiff (switches in ``stats["switches"]``);
        ``explicit_adams``, ``implicit_adams`` (fixed grid, joint mode, direct or backsolve
        gradients): Adams–Bashforth(–Moulton) with torchdiffeq's order ramp up to order 12;
        ``scipy_solver`` (or ``ScipySolver("RK45")`` etc.): scipy on CPU numpy copies, no
        gradients except through ``gradient="backsolve"`` (:mod:`sciml.integrate.scipy_solver`).
        torchdiffeq's names ``heun2`` (= ``heun``) and ``fixed_adams`` work too.
    rtol, atol : float or tensor
        Relative and absolute tolerances, scalars or one per state component; the error of a
        step is the RMS of ``err / (atol + rtol·max(|y0|, |y1|))`` (Hairer's norm).
    gradient : ``"direct"`` | ``"checkpoint"`` | ``"backsolve"``
        How autograd reaches ``y0``, the parameters of ``func`` and the times: backpropagate
        through the solver; recompute each stored step in the backward pass (the exact
        gradient of the discrete solution); or the continuous adjoint (memory independent
        of the number of steps). The latter two need ``func`` to be an ``nn.Module`` or
        ``adjoint_params``.
    batch : ``"joint"`` | ``"independent"``
        ``joint`` treats the whole state as one system (one step size); ``independent``
        gives every system along the leading dimension its own step size, acceptance and
        end time, so each answer is the same as if it had been solved alone
        (Lienen & Günnemann, torchode, 2022).
    max_steps : int
        Attempted steps (accepted + rejected) after which the solve stops.
    dense : bool
        Keep the continuous extension: ``sol.evaluate(t)`` at any time in the interval.
    on_failure : ``"raise"`` | ``"return"``
        Raise :class:`~sciml.errors.SolverError` when a solve cannot go on, or return the
        partial solution (NaN where never reached) with ``sol.status`` per system.
    first_step, max_step, safety, ifactor, dfactor, beta, shrink_after_accept :
        Step-size controller settings (see :mod:`sciml.integrate.controller`); ``beta > 0``
        turns on the proportional part of the PI controller (0.04: Hairer's DOPRI5 gains).
    step_size : float
        The step of a fixed-step method.
    min_step : float
        Adaptive steps are never shorter, and a step this short is accepted whatever its error
        estimate (torchdiffeq's ``min_step``; scipy's LSODA gets it too).
    step_t, jump_t : 1-D tensor or sequence of times, optional (joint mode)
        Times no step straddles. At a ``step_t`` a step just ends (a fixed-step method given
        ``step_t`` and no ``step_size`` steps from one to the next: a custom grid). A ``jump_t``
        is a known discontinuity of ``func``: the step before it sees ``func`` from before it, and
        the method restarts just after it (FSAL stage re-evaluated, multistep history dropped),
        which avoids the many rejected steps, and the lost accuracy, of stepping across it.
    perturb : bool
        Evaluate ``func`` one ulp inside each step at the step's start and end (torchdiffeq's
        ``perturb``; joint mode), so a ``func`` that branches on ``t`` at grid points is seen from
        within each step.
    norm : callable, optional
        Replaces the RMS norm of the scaled error: a function of the error in the state's own
        layout (shape of ``y0``, a tuple for tuple states); with ``batch="independent"``, of the
        flat ``(B, N)`` errors, returning one value per system.
    adjoint_rtol, adjoint_atol, adjoint_method, adjoint_seminorm, adjoint_params :
        Settings of the backsolve adjoint (default: those of the forward solve; no seminorm;
        ``func.parameters()``). The backward solve inherits the forward's step options
        (``step_size``, ``min_step``, ``step_t``, ``jump_t``, ``perturb``, ...).
    adjoint_norm : callable, optional
        The norm of the backward solve's scaled error, given the tuple ``(t, y, a_y, *a_params)``
        (torchdiffeq's layout: ``y`` and ``a_y`` unpacked as ``y0`` is, each parameter adjoint in
        its parameter's shape; ``t``, the time adjoint, is not integrated and is zero). Default:
        the largest of the forward norm of ``y`` and of ``a_y`` and the RMS of each parameter
        adjoint (only the first two with ``adjoint_seminorm``).
    progress : bool
        Show a progress bar.
    events : callable, :class:`~sciml.integrate.events.Event`, or a list of them
        Event functions ``g(t, y) -> scalar`` (joint mode); crossings are located on the dense
        output and returned in ``sol.t_events`` / ``sol.y_events``. A function may carry
        ``terminal`` (stop at the first crossing) and ``direction`` attributes, as in scipy.
    jac : callable ``jac(t, y)``, optional
        The Jacobian ``∂f/∂y`` of the flattened state for the implicit methods: ``(N, N)``, or
        ``(B, N, N)`` with ``batch="independent"``. Default: automatic differentiation.
    newton_tol, max_newton_iter :
        Convergence tolerance of the Newton iterations (ESDIRK stages, BDF steps) in the scaled
        error norm (default Hairer's ``max(10 ε/rtol, min(0.03, √rtol))``) and their iteration
        limit (default 10 for ESDIRK, 4 for BDF).

    Returns
    -------
    Solution
        ``ts``, ``ys`` (time first: ``(T, *y0.shape)``), ``stats``, ``status``, ``success``,
        ``t_reached`` and, with ``dense=True``, ``evaluate``.
    """
    checks.check_func(func)
    tensors = checks.check_state(y0)
    dtype, device = tensors[0].dtype, tensors[0].device
    tableau = _resolve_method(method)
    _check_method_modes(tableau, gradient, batch, dense, events)
    checks.check_choice(gradient, "gradient", GRADIENTS)
    checks.check_choice(batch, "batch", BATCH_MODES)
    checks.check_choice(on_failure, "on_failure", ("raise", "return"))
    checks.check_positive_int(max_steps, "max_steps")
    if max_newton_iter is not None:
        checks.check_positive_int(max_newton_iter, "max_newton_iter")
    if jac is not None and not callable(jac):
        raise InputError("jac", "a callable jac(t, y) returning d f / d y", type(jac).__name__)
    if newton_tol is not None and not (isinstance(newton_tol, Real) and newton_tol > 0):
        raise InputError("newton_tol", "a positive number", repr(newton_tol))
    event_list = as_events(events)
    independent = batch == "independent"
    if tableau.implicit and gradient == "backsolve":
        raise InputError("gradient", f"'direct' or 'checkpoint' with the implicit method {tableau.name!r}",
                         "'backsolve'", "the exact gradient of an implicit solve comes from gradient="
                                        "'checkpoint' (memory for one state per step) or 'direct'")
    if event_list and gradient == "backsolve":
        raise InputError("gradient", "'direct' or 'checkpoint' with events", "'backsolve'",
                         "use gradient='checkpoint' for memory-lean exact gradients through events")
    if independent and event_list:
        raise InputError("events", "None with batch='independent'", f"{len(event_list)} event(s)",
                         "solve the systems with batch='joint' (one at a time or as one system) to use events")
    if independent:
        _check_batch_state(tensors)
        if gradient == "backsolve":
            raise InputError("gradient", "'direct' or 'checkpoint' with batch='independent'", "'backsolve'",
                             "the backsolve adjoint integrates the whole batch jointly; use gradient="
                             "'checkpoint' for memory-lean exact gradients of an independent batch")
    packer = StatePacker(y0, 1 if independent else 0)
    rtol = checks.check_tolerance(rtol, "rtol", packer.size, dtype, device)
    atol = checks.check_tolerance(atol, "atol", packer.size, dtype, device)
    if _is_zero(rtol) and _is_zero(atol):
        raise InputError("rtol/atol", "at least one positive tolerance", "both zero")
    step_size = _check_step_options(tableau, step_size, first_step, max_step)
    min_step = _check_min_step(min_step, max_step)
    stops = {name: _check_stop_times(v, name, independent) for name, v in (("step_t", step_t), ("jump_t", jump_t))}
    if perturb and independent:
        raise InputError("perturb", "False with batch='independent'", True)

    open_end = any(ev.terminal for ev in event_list)
    times = _joint_times(t_span, t_eval, dtype, device, open_end) if not independent else \
        _independent_times(t_span, t_eval, tensors[0].shape[0], dtype, device)
    if tableau.adaptive is False and step_size is None:
        if stops["step_t"]:
            step_size = math.inf  # a grid: from one step_t to the next
        elif times.default_eval:
            raise InputError("step_size", f"a step size for the fixed-step method {tableau.name!r}", None,
                             "or pass t_eval (the solver then steps from one output time to the next) or a "
                             "grid of step times step_t")

    user_norm = norm
    if norm is None:
        norm = mixed_rms_norm(packer.segments()) if packer.is_tuple else rms_norm
    elif not callable(norm):
        raise InputError("norm", "a callable of the scaled error", type(norm).__name__)
    elif not independent and not packer.identity:
        norm = _state_norm(user_norm, packer)
    term = ODETerm(func, packer, dtype, device)
    opts = LoopOptions(tableau=tableau, rtol=rtol, atol=atol, norm=norm, max_steps=max_steps,
                       first_step=first_step, step_size=step_size, safety=safety, ifactor=ifactor,
                       dfactor=dfactor, beta=float(beta), shrink_after_accept=bool(shrink_after_accept),
                       max_step=math.inf if max_step is None else float(max_step),
                       progress=progress,
                       implicit=ImplicitOptions(jac=jac, newton_tol=newton_tol, max_newton_iter=max_newton_iter),
                       min_step=min_step, step_t=stops["step_t"], jump_t=stops["jump_t"], perturb=bool(perturb),
                       callbacks=_callbacks(func, tableau, term, packer, independent))

    params = _gradient_params(func, adjoint_params, gradient)
    y0_flat = packer.pack(y0)
    needs_t0_grad = times.t0_tensor is not None and times.t0_tensor.requires_grad

    with torch.set_grad_enabled(torch.is_grad_enabled() and gradient == "direct"):
        t0_func = term.nudged(times.t0, times.t1) if perturb else term.time(times.t0)
        f0 = func(t0_func, y0)
        term.nfe += 1
    checks.check_output(f0, y0, packer.user_shape)
    # implicit steps attach their implicit-function-theorem gradient paths only when someone will use them
    opts.differentiable = gradient == "direct" and torch.is_grad_enabled() and (
        f0.requires_grad if isinstance(f0, torch.Tensor) else any(x.requires_grad for x in f0))
    if tableau.kind == "scipy" and (opts.differentiable or (gradient == "direct" and torch.is_grad_enabled()
                                                            and any(x.requires_grad for x in tensors))):
        warnings.warn("scipy_solver's results carry no gradients; use gradient='backsolve' (odeint_adjoint) for "
                      "gradients through scipy, or a sciml method", UserWarning, stacklevel=2)
    k1 = packer.pack(f0)
    if needs_t0_grad:
        y0_flat = shift_initial_state(y0_flat, times.t0_tensor, k1)
        k1 = None  # the first stage must see the shifted state to carry ∂/∂t0

    dense_rec = None
    if dense:
        dense_rec = DenseIndependent(tableau.tensors(dtype, device), packer, times.direction) if independent \
            else DenseJoint(tableau.tensors(dtype, device), packer, times.dtype, times.direction)
    tracker = None
    if event_list:
        _check_events(event_list, term, times.t0, y0_flat.detach())

        def tracker(y_start):
            return EventTracker(event_list, term, times.t0, y_start)

    runner = Runner(term, opts, independent, times.t0, times.t1, times.t_out, dense=dense_rec, events=tracker)
    stats = {"n_f_evals": 0, "n_steps": 0, "n_rejected": 0}
    runner.stats = stats
    if gradient == "direct":
        ys = runner.forward(y0_flat, k1=k1)
    elif gradient == "checkpoint":
        ys = solve_checkpoint(runner, y0_flat, params, k1=None if k1 is None else k1.detach())
    else:
        adjoint = AdjointOptions(
            rtol=rtol if adjoint_rtol is None else checks.check_tolerance(adjoint_rtol, "adjoint_rtol",
                                                                          packer.size, dtype, device),
            atol=atol if adjoint_atol is None else checks.check_tolerance(adjoint_atol, "adjoint_atol",
                                                                          packer.size, dtype, device),
            tableau=tableau if adjoint_method is None else _resolve_method(adjoint_method, "adjoint_method"),
            seminorm=bool(adjoint_seminorm), step_size=step_size, norm=_check_adjoint_norm(adjoint_norm),
            state_norm=None if user_norm is None else norm, callbacks_of=func)
        _expand_adjoint_tolerances(adjoint, sum(p.numel() for p in params))
        ys = solve_backsolve(runner, adjoint, y0_flat, params, k1=None if k1 is None else k1.detach())

    res = runner.result
    stats.update(n_f_evals=term.nfe, n_steps=res.n_steps, n_rejected=res.n_rejected)
    if res.stepper is not None:  # scipy_solver has no stepper of ours
        stats.update(res.stepper.stats())
    if independent:
        return _finish_independent(runner, res, ys, times, packer, stats, on_failure, dense_rec, term)
    return _finish_joint(runner, res, ys, times, packer, stats, on_failure, dense_rec, term, tableau, event_list)


def _check_events(event_list, term, t0, y0_flat) -> None:
    """Each event function must return one finite number at the initial point."""
    with torch.no_grad():
        for i, ev in enumerate(event_list):
            g = ev(term.time(t0), term.packer.unpack(y0_flat))
            if isinstance(g, torch.Tensor) and g.numel() != 1:
                raise InputError(f"events[{i}](t0, y0)", "a scalar (one number per event)",
                                 f"a tensor of shape {tuple(g.shape)}",
                                 "return one value per event function; use several events for several conditions")
            try:
                value = float(g)
            except (TypeError, ValueError):
                raise InputError(f"events[{i}](t0, y0)", "a number or a one-element tensor", type(g).__name__) \
                    from None
            if not math.isfinite(value):
                raise InputError(f"events[{i}](t0, y0)", "a finite value at the initial point", value)


def _event_results(event_list, tracker, ev_rows, term, times, packer):
    """``t_events``/``y_events`` per event function, with differentiable times."""
    t_events = [[] for _ in event_list]
    y_events = [[] for _ in event_list]
    for (i, _theta, t_hit), y_hit in zip(tracker.hits, ev_rows):
        t_e, y_e = attach_event_gradient(event_list[i], term, t_hit, y_hit, times.dtype)
        t_events[i].append(t_e)
        y_events[i].append(y_e)
    device = term.device
    t_out = [torch.stack(ts) if ts else torch.zeros(0, dtype=times.dtype, device=device) for ts in t_events]
    y_out = []
    for ys_i in y_events:
        flat = torch.stack(ys_i) if ys_i else torch.zeros((0, packer.size), dtype=ev_rows.dtype,
                                                           device=ev_rows.device)
        y_out.append(packer.unpack_series(flat))
    return t_out, y_out


def _finish_joint(runner, res, ys, times, packer, stats, on_failure, dense_rec, term, tableau, event_list=()):
    status = res.status
    n_out = len(res.ys)
    ev_rows = ys[n_out:]
    ys = ys[:n_out]
    if status == Status.EVENT:
        reached = sum(1 for v in res.ys if v is not None)
        ys = ys[:reached]
        if dense_rec is not None:
            dense_rec.t_end = res.t
    elif status != Status.SUCCESS:
        if on_failure == "raise":
            raise SolverError(f"{tableau.name} stopped before t1={times.t1:.10g}: {res.message or status.describe()}",
                              t=res.t, step_size=res.h, status=status, hint=_HINTS.get(status))
        reached = sum(1 for v in res.ys if v is not None)
        ys = ys[:reached]
    ts_list = res.ts[: ys.shape[0]]
    if times.t_out_tensor is not None and len(ts_list) == len(times.t_out_tensor):
        ts = times.t_out_tensor
    elif times.t_out_tensor is not None:
        ts = times.t_out_tensor[: len(ts_list)]
    else:
        ts = torch.tensor(ts_list, dtype=times.dtype, device=ys.device)
    if ts.requires_grad and status in (Status.SUCCESS, Status.EVENT):
        with torch.no_grad():
            fs = torch.stack([term(float(t), y) for t, y in zip(ts_list, ys)])
        ys = attach_time_gradients(ys, ts, fs)
    elif times.t1_tensor is not None and times.t1_tensor.requires_grad and status == Status.SUCCESS \
            and ts_list and ts_list[-1] == times.t1:
        with torch.no_grad():
            f1 = term(times.t1, ys[-1])
        last = ys[-1] + (times.t1_tensor - times.t1_tensor.detach()).to(ys.dtype) * f1
        ys = torch.cat([ys[:-1], last[None]])
    message = res.message or status.describe()
    t_events = y_events = None
    if event_list:
        t_events, y_events = _event_results(event_list, runner.tracker, ev_rows, term, times, packer)
    return Solution(ts=ts, ys=packer.unpack_series(ys), stats=stats, status=status, t_reached=res.t,
                    message=message, dense_output=dense_rec, t_events=t_events, y_events=y_events)


def _finish_independent(runner, res, ys, times, packer, stats, on_failure, dense_rec, term):
    status = res.status
    failed = status != Status.SUCCESS
    stats["n_steps"], stats["n_rejected"] = res.n_steps, res.n_rejected
    if bool(failed.any()):
        if on_failure == "raise":
            first = int(failed.nonzero()[0, 0])
            code = Status(int(status[first]))
            raise SolverError(f"{int(failed.sum())} of {len(status)} systems stopped early; system {first}: "
                              f"{code.describe()}", t=float(res.t[first]), step_size=float(res.h[first]),
                              status=status, hint=_HINTS.get(code, "") +
                              "; or pass on_failure='return' to keep the systems that succeeded")
    ts = times.t_out_tensor if times.t_out_tensor is not None else times.t_out
    if ts.requires_grad:
        with torch.no_grad():
            fs = torch.stack([term(t_i, torch.nan_to_num(y_i)) for t_i, y_i in zip(times.t_out, ys)])
        ys = attach_time_gradients(ys, ts, fs)
    return Solution(ts=ts, ys=packer.unpack_series(ys), stats=stats, status=status, t_reached=res.t,
                    message="; ".join(sorted({Status(int(s)).describe() for s in status.unique()})),
                    dense_output=dense_rec)


class _Times:
    """Times of one solve: floats for the loop, tensors where gradients may flow."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _as_time(value, name: str, device, allow_inf: bool = False) -> tuple[float, torch.Tensor | None]:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise InputError(name, "a number or a 0-dim tensor", f"shape {tuple(value.shape)}")
        if value.device != device:
            raise InputError(name, f"a tensor on the state's device {device}", value.device)
        v = float(value.detach())
        tensor = value.reshape(())
    elif isinstance(value, Real) and not isinstance(value, bool):
        v, tensor = float(value), None
    else:
        raise InputError(name, "a number or a 0-dim tensor", type(value).__name__)
    if not math.isfinite(v) and not (allow_inf and math.isinf(v)):
        raise InputError(name, "a finite time", v, "an infinite end time needs a terminal event" if math.isinf(v)
                         else None)
    return v, tensor


def _split_span(t_span):
    if isinstance(t_span, torch.Tensor):
        if t_span.dim() == 1 and t_span.shape[0] == 2:
            return t_span[0], t_span[1]
        if t_span.dim() == 2 and t_span.shape[1] == 2:
            return t_span[:, 0], t_span[:, 1]
        raise InputError("t_span", "(t0, t1), a (2,) tensor or a (B, 2) tensor", f"shape {tuple(t_span.shape)}")
    try:
        t0, t1 = t_span
    except (TypeError, ValueError):
        raise InputError("t_span", "a pair (t0, t1)", repr(t_span)) from None
    return t0, t1


def _joint_times(t_span, t_eval, dtype, device, open_end: bool = False) -> _Times:
    a, b = _split_span(t_span)
    t0, t0_tensor = _as_time(a, "t_span[0]", device)
    t1, t1_tensor = _as_time(b, "t_span[1]", device, allow_inf=open_end)
    direction = 1.0 if t1 >= t0 else -1.0
    t_dtype = next((x.dtype for x in (t0_tensor, t1_tensor) if x is not None and x.is_floating_point()), dtype)
    t_out_tensor = None
    if t_eval is None:
        t_out = None
    else:
        if not isinstance(t_eval, torch.Tensor):
            t_eval = torch.as_tensor(t_eval, dtype=t_dtype, device=device)
        t_eval = checks.check_times(t_eval, "t_eval", device)
        t_dtype = t_eval.dtype
        t_out = t_eval.detach().cpu().tolist()
        if len(t_out) > 1 and (t_out[1] - t_out[0]) * direction < 0:
            raise InputError("t_eval", f"times ordered from t0={t0:.6g} towards t1={t1:.6g}", "the reverse order")
        lo, hi = min(t0, t1), max(t0, t1)
        if min(t_out) < lo or max(t_out) > hi:
            raise InputError("t_eval", f"times inside t_span [{lo:.10g}, {hi:.10g}]",
                             f"values from {min(t_out):.10g} to {max(t_out):.10g}")
        t_out_tensor = t_eval
    return _Times(t0=t0, t1=t1, t0_tensor=t0_tensor, t1_tensor=t1_tensor, t_out=t_out,
                  t_out_tensor=t_out_tensor, dtype=t_dtype, direction=direction, default_eval=t_eval is None)


def _independent_times(t_span, t_eval, B: int, dtype, device) -> _Times:
    a, b = _split_span(t_span)

    def per_system(v, name):
        if isinstance(v, torch.Tensor):
            if v.device != device:
                raise InputError(name, f"a tensor on the state's device {device}", v.device)
            if v.dim() == 0:
                v = v.expand(B)
            elif v.shape != (B,):
                raise InputError(name, f"a number, a 0-dim tensor or a ({B},) tensor", f"shape {tuple(v.shape)}")
            if not v.is_floating_point():
                v = v.to(dtype)
            return v
        _as_time(v, name, device)
        return torch.full((B,), float(v), dtype=dtype, device=device)

    t0, t1 = per_system(a, "t_span[0]"), per_system(b, "t_span[1]")
    t_dtype = t0.dtype if t0.is_floating_point() else dtype
    t1 = t1.to(t_dtype)
    if not bool(torch.isfinite(t0).all() & torch.isfinite(t1).all()):
        raise InputError("t_span", "finite times", "NaN or Inf")
    direction = torch.where(t1 >= t0, 1.0, -1.0).to(t_dtype)
    t_out_tensor = None
    if t_eval is None:
        t_out = torch.stack([t0.detach(), t1.detach()])
    else:
        if not isinstance(t_eval, torch.Tensor):
            t_eval = torch.as_tensor(t_eval, dtype=t_dtype, device=device)
        if t_eval.device != device:
            raise InputError("t_eval", f"a tensor on the state's device {device}", t_eval.device)
        if t_eval.dim() == 1:
            t_eval = t_eval[:, None].expand(-1, B)
        if t_eval.dim() != 2 or t_eval.shape[1] != B:
            raise InputError("t_eval", f"a (T,) or (T, {B}) tensor", f"shape {tuple(t_eval.shape)}")
        t_out_tensor = t_eval
        t_out = t_eval.detach().to(t_dtype)
        if not bool(torch.isfinite(t_out).all()):
            raise InputError("t_eval", "finite times", "NaN or Inf")
        if t_out.shape[0] > 1:
            steps = (t_out[1:] - t_out[:-1]) * direction
            if not bool((steps > 0).all()):
                raise InputError("t_eval", "strictly monotone times in each system's direction of integration",
                                 "repeated or out-of-order values")
        lo, hi = torch.minimum(t0, t1), torch.maximum(t0, t1)
        if bool(((t_out < lo) | (t_out > hi)).any()):
            raise InputError("t_eval", "times inside each system's t_span", "times outside it")
    return _Times(t0=t0.detach(), t1=t1.detach(), t0_tensor=t0 if t0.requires_grad else None, t1_tensor=None,
                  t_out=t_out, t_out_tensor=t_out_tensor, dtype=t_dtype, direction=direction,
                  default_eval=t_eval is None)


def _check_batch_state(tensors) -> None:
    B = None
    for i, x in enumerate(tensors):
        if x.dim() == 0:
            raise InputError("y0", "a leading batch dimension with batch='independent'", "a 0-dim tensor")
        if B is None:
            B = x.shape[0]
        elif x.shape[0] != B:
            raise InputError(f"y0[{i}]", f"batch size {B} like y0[0]", x.shape[0])


_METHOD_KINDS = ("explicit", "dirk", "rosenbrock", "bdf", "adams", "scipy")


def _resolve_method(method, name: str = "method"):
    """A method name (or alias), or a method object (a tableau, ``ScipySolver(...)``), to the method."""
    if method is None:
        method = "dopri5"
    if method == "auto" and name == "method":
        return AUTO
    if method == "scipy_solver":
        return ScipySolver()
    if isinstance(method, str) and method in ALIASES:
        method = ALIASES[method]
    if isinstance(method, str) and method in METHODS:
        return METHODS[method]
    if not isinstance(method, str) and getattr(method, "kind", None) in _METHOD_KINDS:
        return method
    choices = ", ".join([*METHODS, *ALIASES, "scipy_solver"]) + (", auto" if name == "method" else "")
    raise InputError(name, f"one of {choices}", repr(method))


def _check_method_modes(tableau, gradient: str, batch: str, dense: bool, events) -> None:
    """The multistep methods and the scipy wrapper run in joint mode only, and have no step-by-step replay."""
    allowed = {"bdf": ("direct",), "adams": ("direct", "backsolve"), "scipy": ("direct", "backsolve")}
    kind = tableau.kind
    if kind not in allowed:
        return
    if batch == "independent":
        raise InputError("batch", f"'joint' with the method {tableau.name!r}", "'independent'",
                         "each system of an independent batch needs its own step sequence, which this method "
                         "cannot give; use an explicit Runge-Kutta method (tsit5), or rodas5p/kvaerno5 if stiff")
    if gradient not in allowed[kind]:
        why = "scipy's steps cannot be recomputed by sciml" if kind == "scipy" else \
            "a step of a multistep method depends on the solution's history, so it cannot be recomputed on its own"
        raise InputError("gradient", f"{' or '.join(repr(g) for g in allowed[kind])} with the method "
                                     f"{tableau.name!r}", repr(gradient),
                         f"{why}; use 'rodas5p' or 'kvaerno5' for gradient='checkpoint'")
    if kind == "scipy" and (dense or events is not None):
        raise InputError("dense" if dense else "events", "not used with scipy_solver", True if dense else events,
                         "scipy's steps are not visible to sciml; use a sciml method (dopri5, tsit5, bdf, ...)")


def _check_min_step(min_step, max_step) -> float:
    if isinstance(min_step, bool) or not isinstance(min_step, Real) or not 0 <= min_step < math.inf:
        raise InputError("min_step", "a non-negative finite number", repr(min_step))
    if max_step is not None and min_step > max_step:
        raise InputError("min_step", f"at most max_step={max_step:g}", min_step)
    return float(min_step)


def _check_stop_times(values, name: str, independent: bool) -> tuple:
    """``step_t`` / ``jump_t``: finite times, as a tuple of floats (joint mode only)."""
    if values is None:
        return ()
    if independent:
        raise InputError(name, "None with batch='independent'", "times")
    if isinstance(values, torch.Tensor):
        if values.dim() > 1 or values.is_complex():
            raise InputError(name, "a 1-D tensor of real times", f"shape {tuple(values.shape)}")
        values = values.detach().reshape(-1).cpu().tolist()
    try:
        times = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InputError(name, "a 1-D tensor or a sequence of times", type(values).__name__) from None
    if not all(math.isfinite(v) for v in times):
        raise InputError(name, "finite times", "NaN or Inf")
    return times


def _callbacks(func, tableau, term, packer, independent: bool):
    """``func.callback_*`` as the loop's :class:`StepCallbacks` (joint mode), or None."""
    if independent:
        if any(callable(getattr(func, n, None)) for n in ("callback_step", "callback_accept_step",
                                                          "callback_reject_step")):
            warnings.warn("step callbacks are not called with batch='independent'", UserWarning, stacklevel=3)
        return None
    return StepCallbacks.of(func, tableau, term, packer.unpack)


def _check_adjoint_norm(norm):
    if norm is not None and not callable(norm):
        raise InputError("adjoint_norm", "a callable of the tuple (t, y, a_y, *a_params)", type(norm).__name__)
    return norm


def _check_step_options(tableau, step_size, first_step, max_step):
    if step_size is not None:
        if tableau.adaptive:
            raise InputError("step_size", f"None for the adaptive method {tableau.name!r}", step_size,
                             "use first_step / max_step to influence adaptive steps")
        if not isinstance(step_size, Real) or not step_size > 0 or not math.isfinite(step_size):
            raise InputError("step_size", "a positive finite number", step_size)
        step_size = float(step_size)
    for name, v in (("first_step", first_step), ("max_step", max_step)):
        if v is not None and (not isinstance(v, Real) or not v > 0):
            raise InputError(name, "a positive number", v)
    return step_size


def _gradient_params(func, adjoint_params, gradient: str) -> tuple:
    if gradient == "direct":
        return ()
    if adjoint_params is None:
        if not isinstance(func, torch.nn.Module):
            raise InputError("adjoint_params", f"the parameters to differentiate with gradient={gradient!r}",
                             None, "func is not an nn.Module, so pass adjoint_params=(...) explicitly "
                                   "(adjoint_params=() if only y0 needs a gradient)")
        adjoint_params = tuple(func.parameters())
    params = tuple(adjoint_params)
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise InputError(f"adjoint_params[{i}]", "a tensor", type(p).__name__)
    seen, unique = set(), []
    for p in params:
        if p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            unique.append(p)
    return tuple(unique)


def _expand_adjoint_tolerances(adjoint: AdjointOptions, n_param_entries: int) -> None:
    """Per-component tolerances cover y and its adjoint; the parameter integrals get their mean."""
    for name in ("rtol", "atol"):
        v = getattr(adjoint, name)
        if isinstance(v, torch.Tensor):
            setattr(adjoint, name, torch.cat([v, v, v.mean().expand(n_param_entries)]))


def _state_norm(user_norm, packer):
    """The user's norm, which takes the error in the state's layout, as a norm of the flat vector."""

    def norm(flat):
        return user_norm(packer.unpack(flat))

    return norm


def _is_zero(v) -> bool:
    return bool((v == 0).all()) if isinstance(v, torch.Tensor) else v == 0
