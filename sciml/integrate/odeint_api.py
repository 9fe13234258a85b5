"""torchdiffeq's interface over :func:`~sciml.integrate.solve_ivp`: ``odeint``, ``odeint_adjoint``, ``odeint_event``,
``odeint_dense``.

Same signatures and meanings as torchdiffeq 0.2.5 (Chen et al., Neural ordinary differential
equations, NeurIPS 2018; Chen, Amos & Nickel, Learning neural event functions for ordinary
differential equations, ICLR 2021). Every ``options`` key of torchdiffeq is either a
``solve_ivp`` argument under its own or another name (``max_num_steps`` is ``max_steps``), or
picks the method (``solver`` for ``scipy_solver``, ``max_order``/``max_iters`` for the Adams
methods), or builds the grid (``grid_constructor``); ``interp`` and ``dtype`` are accepted and
have no effect (outputs always come from the method's own continuous extension; the loop keeps
time in float64). ``docs/migrating-from-torchdiffeq.md`` has the full table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import torch

from sciml.errors import InputError, SolverError
from sciml.integrate import checks
from sciml.integrate.api import _resolve_method, solve_ivp
from sciml.integrate.events import Event
from sciml.integrate.scipy_solver import ScipySolver
from sciml.integrate.solution import Status

__all__ = ["odeint", "odeint_adjoint", "odeint_event", "odeint_dense"]

# torchdiffeq's options that are solve_ivp's arguments (under these names)
_SOLVE_IVP_OPTIONS = {
    "step_size": "step_size", "first_step": "first_step", "max_num_steps": "max_steps", "norm": "norm",
    "safety": "safety", "ifactor": "ifactor", "dfactor": "dfactor", "max_step": "max_step", "beta": "beta",
    "min_step": "min_step", "step_t": "step_t", "jump_t": "jump_t", "perturb": "perturb",
}
_METHOD_OPTIONS = ("solver", "max_order", "max_iters", "grid_constructor")  # read here
_IGNORED_OPTIONS = ("interp", "dtype")  # accepted, no effect (see the module docstring)
_KNOWN = sorted([*_SOLVE_IVP_OPTIONS, *_METHOD_OPTIONS, *_IGNORED_OPTIONS])


def _check_t(t, y0):
    tensors = checks.check_state(y0)
    return checks.check_times(t, "t", tensors[0].device)


def _tolerance(tol, y0, name: str):
    """torchdiffeq's tolerances of a tuple state given part by part: ``rtol=(1e-6, 1e-3)``."""
    if not (isinstance(y0, tuple) and isinstance(tol, (tuple, list))):
        return tol
    if len(tol) != len(y0):
        raise InputError(name, f"one tolerance per part of the tuple state ({len(y0)})", f"{len(tol)} values")
    try:
        parts = [torch.as_tensor(v, dtype=x.dtype, device=x.device).expand(x.shape).reshape(-1)
                 for v, x in zip(tol, y0)]
    except (TypeError, RuntimeError, ValueError):
        raise InputError(name, "numbers, or tensors broadcastable to each part of y0", repr(tol)) from None
    return torch.cat(parts)


def _options(func, y0, t, method, options, name: str = "options"):
    """torchdiffeq's ``method`` and ``options`` as ``solve_ivp``'s method and keyword arguments."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise InputError(name, "a dict", type(options).__name__)
    unknown = [key for key in options if key not in _KNOWN]
    if unknown:
        raise InputError(f"{name}[{unknown[0]!r}]", f"one of torchdiffeq's options ({', '.join(_KNOWN)})",
                         repr(unknown[0]))
    tableau = _resolve_method(method or "dopri5")
    if "solver" in options:
        if tableau.kind != "scipy":
            raise InputError(f"{name}['solver']", "used with method='scipy_solver' only", repr(options["solver"]))
        tableau = ScipySolver(options["solver"])
    adams = {key: options[key] for key in ("max_order", "max_iters") if key in options}
    if adams:
        tableau = _adams_variant(tableau, adams, name)
    kwargs = {_SOLVE_IVP_OPTIONS[key]: value for key, value in options.items() if key in _SOLVE_IVP_OPTIONS}
    if options.get("grid_constructor") is not None:
        kwargs.update(_grid(options["grid_constructor"], func, y0, t, tableau, kwargs, name))
    return tableau, kwargs


def _adams_variant(tableau, settings: dict, name: str):
    if tableau.kind != "adams":
        raise InputError(f"{name}[{next(iter(settings))!r}]", "used with explicit_adams / implicit_adams only",
                         repr(next(iter(settings.values()))))
    for key, (lo, hi) in (("max_order", (1, 12)), ("max_iters", (1, 1000))):
        v = settings.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi):
            raise InputError(f"{name}[{key!r}]", f"an integer from {lo} to {hi}", repr(v))
    return dataclasses.replace(tableau, **settings)


def _grid(grid_constructor, func, y0, t, tableau, kwargs, name: str) -> dict:
    """``grid_constructor(func, y0, t)`` → the step times, as ``solve_ivp``'s ``step_t`` (a grid)."""
    label = f"{name}['grid_constructor']"
    if tableau.adaptive:
        raise InputError(label, "used with a fixed-step method", f"method {tableau.name!r}",
                         "adaptive methods choose their own steps; pass step_t for times a step must end on")
    if kwargs.get("step_size") is not None:
        raise InputError(label, "None when step_size is given (they are exclusive, as in torchdiffeq)",
                         "a grid constructor")
    if not callable(grid_constructor):
        raise InputError(label, "a callable grid_constructor(func, y0, t)", type(grid_constructor).__name__)
    grid = grid_constructor(func, y0, t)
    if not isinstance(grid, torch.Tensor) or grid.dim() != 1 or len(grid) < 2:
        raise InputError(f"{label}(func, y0, t)", "a 1-D tensor of at least two times",
                         type(grid).__name__ if not isinstance(grid, torch.Tensor) else f"shape {tuple(grid.shape)}")
    g = grid.detach().cpu().double()
    ends = (float(t[0]), float(t[-1]))
    if (float(g[0]), float(g[-1])) != ends:
        raise InputError(f"{label}(func, y0, t)", f"a grid from t[0]={ends[0]:.10g} to t[-1]={ends[1]:.10g}",
                         f"{float(g[0]):.10g} to {float(g[-1]):.10g}")
    steps = (g[1:] - g[:-1]) * (1.0 if ends[1] >= ends[0] else -1.0)
    if not bool((steps > 0).all()):
        raise InputError(f"{label}(func, y0, t)", "strictly monotone times in the direction of t", "not monotone")
    extra = list(kwargs.get("step_t") or ())
    return {"step_t": g[1:-1].tolist() + [float(v) for v in extra]}


@contextlib.contextmanager
def _torchdiffeq_names():
    """Failures name torchdiffeq's option (``options['max_num_steps']``), the one the user passed."""
    try:
        yield
    except SolverError as err:
        if isinstance(err.status, Status) and err.status == Status.MAX_STEPS:
            raise SolverError(err.reason, t=err.t, step_size=err.step_size, status=err.status,
                              hint="raise options['max_num_steps'] (default 100000), loosen rtol/atol, or, if the "
                                   "problem is stiff, use an implicit method (method='bdf', 'kvaerno5')") from None
        raise


def odeint(func, y0, t, *, rtol=1e-7, atol=1e-9, method=None, options=None, event_fn=None):
    """Solve ``dy/dt = func(t, y)`` and return the states at the times ``t``: a drop-in for torchdiffeq's.

    ``y0`` a tensor (any shape, a scalar included) or a tuple of tensors, ``t`` a 1-D strictly
    increasing or decreasing tensor whose first entry is the initial time; returns
    ``(len(t), *y0.shape)`` (a tuple for tuple states). ``func`` receives ``t`` as a 0-dim
    tensor in the state's dtype. Gradients by backpropagation through the solver. ``options``
    takes torchdiffeq's keys (see the module docstring). Failures raise
    :class:`~sciml.errors.SolverError`.

    ``event_fn(t, y)`` (torchdiffeq's event mode): ``t`` is ``[t0, t_dir]`` (only the direction of
    ``t_dir`` matters); the solve runs until ``event_fn`` — if it returns several values, the
    first of them to change sign — reaches zero, and returns ``(event_t, solution)`` with
    ``solution = stack([y0, y(event_t)])``. ``event_t`` is differentiable (implicit-function
    theorem), and so is the final state through it, like torchdiffeq's ``odeint_event``.
    """
    t = _check_t(t, y0)
    tableau, extra = _options(func, y0, t, method, options)
    rtol, atol = _tolerance(rtol, y0, "rtol"), _tolerance(atol, y0, "atol")
    with _torchdiffeq_names():
        if event_fn is not None:
            return _odeint_until_event(func, y0, t, event_fn, rtol, atol, tableau, extra, "direct", None)
        sol = solve_ivp(func, (t[0], t[-1]), y0, t_eval=t, method=tableau, rtol=rtol, atol=atol, gradient="direct",
                        **extra)
    return sol.ys


def _odeint_until_event(func, y0, t, event_fn, rtol, atol, tableau, extra, gradient, adjoint_params):
    """torchdiffeq's event mode on top of ``solve_ivp(events=...)``."""
    if not callable(event_fn):
        raise InputError("event_fn", "a callable event_fn(t, y)", type(event_fn).__name__)
    if len(t) != 2:
        raise InputError("t", "two times [t0, t_dir] in event mode (as torchdiffeq: only t0 and the direction "
                              "of t_dir are used)", f"{len(t)} times")
    if not tableau.adaptive and extra.get("step_size") is None:
        raise InputError("options['step_size']", f"a step size for the fixed-step method {tableau.name!r} in event "
                                                 "mode (the end time is open)", None)
    state = y0[0] if isinstance(y0, tuple) else y0
    with torch.no_grad():
        sign0 = torch.sign(event_fn(t[0].to(state.dtype), y0))
    if not isinstance(sign0, torch.Tensor) or not bool(torch.isfinite(sign0).all()):
        raise InputError("event_fn(t0, y0)", "finite values", sign0)

    def combined(tt, y):  # every component starts positive; the first to reach zero ends the solve
        return torch.min(event_fn(tt, y) * sign0)

    if bool((sign0 == 0).any()):  # torchdiffeq returns at once when the event holds at t0
        y_end = tuple(x.clone() for x in y0) if isinstance(y0, tuple) else y0.clone()
        stack = tuple(torch.stack([a, b]) for a, b in zip(y0, y_end)) if isinstance(y0, tuple) \
            else torch.stack([y0, y_end])
        return t[0].clone(), stack
    end = math.inf if bool(t[1] > t[0]) else -math.inf
    sol = solve_ivp(func, (t[0], end), y0, t_eval=t[:1], method=tableau, rtol=rtol, atol=atol, gradient=gradient,
                    adjoint_params=adjoint_params, events=[Event(combined, terminal=True)], **extra)
    event_t = sol.t_events[0][0].to(t.dtype)
    y_event = sol.y_events[0][0] if not isinstance(y0, tuple) else tuple(y[0] for y in sol.y_events[0])
    if isinstance(y0, tuple):
        return event_t, tuple(torch.stack([a, b]) for a, b in zip(y0, y_event))
    return event_t, torch.stack([y0, y_event])


def odeint_adjoint(func, y0, t, *, rtol=1e-7, atol=1e-9, method=None, options=None, event_fn=None,
                   adjoint_rtol=None, adjoint_atol=None, adjoint_method=None, adjoint_options=None,
                   adjoint_params=None):
    """:func:`odeint` with gradients by the continuous adjoint (torchdiffeq's ``odeint_adjoint``).

    Memory does not grow with the number of steps. ``func`` must be an ``nn.Module`` unless
    ``adjoint_params`` lists the tensors to differentiate. The backward solve inherits
    ``options`` (as torchdiffeq's when ``adjoint_options`` is not given). ``adjoint_options``:
    ``{"norm": "seminorm"}`` leaves the parameter adjoint out of error control (Kidger, Chen &
    Lyons 2021), ``{"norm": callable}`` is a norm of the tuple ``(t, y, a_y, *a_params)``
    (torchdiffeq's layout; see :func:`~sciml.integrate.solve_ivp`'s ``adjoint_norm``);
    ``step_size`` and ``solver`` set the backward method's. With ``event_fn`` (torchdiffeq's event
    mode, see :func:`odeint`) and with the implicit methods the gradient comes from
    ``gradient="checkpoint"`` instead: the exact gradient of the discrete solve, with memory for
    one state per step.
    """
    if adjoint_params is None and not isinstance(func, torch.nn.Module):
        raise InputError("func", "an nn.Module so that its parameters can be found", type(func).__name__,
                         "or pass adjoint_params=(...) (adjoint_params=() when there are none)")
    t = _check_t(t, y0)
    tableau, extra = _options(func, y0, t, method, options)
    rtol, atol = _tolerance(rtol, y0, "rtol"), _tolerance(atol, y0, "atol")
    adjoint_rtol, adjoint_atol = _tolerance(adjoint_rtol, y0, "adjoint_rtol"), _tolerance(adjoint_atol, y0,
                                                                                          "adjoint_atol")
    with _torchdiffeq_names():
        if event_fn is not None:
            return _odeint_until_event(func, y0, t, event_fn, rtol, atol, tableau, extra, "checkpoint",
                                       adjoint_params)
        adjoint = _adjoint_settings(adjoint_method, adjoint_options, options or {}, tableau)
        gradient = "checkpoint" if tableau.implicit else "backsolve"
        sol = solve_ivp(func, (t[0], t[-1]), y0, t_eval=t, method=tableau, rtol=rtol, atol=atol, gradient=gradient,
                        adjoint_rtol=adjoint_rtol, adjoint_atol=adjoint_atol, adjoint_params=adjoint_params,
                        **adjoint, **extra)
    return sol.ys


def _adjoint_settings(adjoint_method, adjoint_options, options: dict, tableau) -> dict:
    """``adjoint_method`` / ``adjoint_options`` as ``solve_ivp``'s ``adjoint_*`` arguments."""
    if adjoint_options is None:
        adjoint_options = {}
    if not isinstance(adjoint_options, dict):
        raise InputError("adjoint_options", "a dict", type(adjoint_options).__name__)
    out = {"adjoint_method": adjoint_method}
    adjoint_options = dict(adjoint_options)
    norm = adjoint_options.pop("norm", None)
    if norm == "seminorm":
        out["adjoint_seminorm"] = True
    elif callable(norm):
        out["adjoint_norm"] = norm
    elif norm is not None:
        raise InputError("adjoint_options['norm']", "'seminorm' or a callable of (t, y, a_y, *a_params)", repr(norm))
    if "solver" in adjoint_options:
        method = _resolve_method(adjoint_method or tableau, "adjoint_method")
        if method.kind != "scipy":
            raise InputError("adjoint_options['solver']", "used with scipy_solver as the adjoint method",
                             repr(adjoint_options["solver"]))
        out["adjoint_method"] = ScipySolver(adjoint_options.pop("solver"))
    # the backward solve inherits every other option from the forward one: repeating them is fine
    different = sorted(k for k, v in adjoint_options.items() if k not in options or options[k] != v)
    if different:
        raise InputError(f"adjoint_options[{different[0]!r}]", "'norm', 'solver', or the value in options (the "
                         "backward solve inherits the forward options)", repr(adjoint_options[different[0]]))
    return out


def odeint_event(func, y0, t0, *, event_fn, reverse_time=False, odeint_interface=odeint, **kwargs):
    """Solve from ``t0`` until ``event_fn(t, y)`` reaches zero: torchdiffeq's ``odeint_event``.

    Returns ``(event_t, solution)``, ``solution`` the states at ``t0`` and at ``event_t`` stacked
    (a tuple of stacks for tuple states). ``event_t`` and the final state are differentiable
    with respect to ``y0``, ``t0`` and the parameters of ``func`` and ``event_fn`` (implicit-
    function theorem: ``dt*/dθ = −(dg/dθ) / ġ``; Chen, Amos & Nickel, ICLR 2021). ``reverse_time``
    integrates towards ``−∞``; ``odeint_interface`` is :func:`odeint` or :func:`odeint_adjoint`;
    ``kwargs`` go to it (``rtol``, ``atol``, ``method``, ``options``, ``adjoint_params``...).
    """
    if not isinstance(t0, torch.Tensor):
        state = y0[0] if isinstance(y0, tuple) and y0 else y0
        dtype = state.dtype if isinstance(state, torch.Tensor) else torch.get_default_dtype()
        t0 = torch.as_tensor(t0, dtype=dtype, device=state.device if isinstance(state, torch.Tensor) else None)
    if t0.numel() != 1:
        raise InputError("t0", "one time (a number or a one-element tensor)", f"shape {tuple(t0.shape)}")
    if not callable(odeint_interface):
        raise InputError("odeint_interface", "odeint or odeint_adjoint", type(odeint_interface).__name__)
    t0 = t0.reshape(-1)
    t = torch.cat([t0, t0.detach() + (-1.0 if reverse_time else 1.0)])
    return odeint_interface(func, y0, t, event_fn=event_fn, **kwargs)


def odeint_dense(func, y0, t0, t1, *, rtol=1e-7, atol=1e-9, method=None, options=None):
    """Solve on ``[t0, t1]`` and return ``y(t)`` there as a function: torchdiffeq's ``odeint_dense``.

    The function is the method's own continuous extension (``solve_ivp(..., dense=True).evaluate``),
    differentiable with respect to ``y0`` and the parameters of ``func``; it takes a time or a 1-D
    tensor of times and returns ``y`` there (time first for a 1-D tensor). Any method with dense
    output works (torchdiffeq's allows ``dopri5`` only), tuple states too.
    """
    checks.check_state(y0)
    t = _check_t(torch.stack([torch.as_tensor(t0), torch.as_tensor(t1)]).reshape(-1), y0)
    tableau, extra = _options(func, y0, t, method, options)
    with _torchdiffeq_names():
        sol = solve_ivp(func, (t0, t1), y0, method=tableau, rtol=rtol, atol=atol, dense=True, **extra)

    def dense_output_fn(t_eval):
        values = sol.evaluate(t_eval)
        scalar = not isinstance(t_eval, torch.Tensor) or t_eval.dim() == 0
        if scalar:
            return tuple(v[0] for v in values) if isinstance(values, tuple) else values[0]
        return values

    return dense_output_fn
