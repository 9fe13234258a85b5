"""``sdeint``: torchsde 0.2.6's function, on the integrator core's pieces.

Inputs are checked once (:mod:`~sciml.integrate.sde.checks`), the user's SDE is wrapped once
(:class:`~sciml.integrate.sde.term.SDETerm`), the method is a small stepper
(:mod:`~sciml.integrate.sde.solvers`) and one of the loops of :mod:`~sciml.integrate.sde.loop` runs it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch

from sciml.errors import InputError, SolverError
from sciml.integrate.brownian import BrownianInterval
from sciml.integrate.brownian.memory import BridgeMemory
from sciml.integrate.sde import checks
from sciml.integrate.sde.jumps import CompoundPoisson
from sciml.integrate.sde.loop import integrate_adaptive, integrate_fixed, integrate_independent, time_grid
from sciml.integrate.sde.names import NOISE_TYPES
from sciml.integrate.sde.solvers import make_stepper
from sciml.integrate.sde.term import LogqpTerm, SDETerm
from sciml.integrate.solution import Solution, Status

__all__ = ["sdeint", "solve_sde", "SDEProblem", "prepare", "solve", "parse_return"]

BATCH_MODES = ("joint", "independent")


@dataclass
class SDEProblem:
    """Everything a solve needs, checked."""

    term: object
    stepper: object
    method: str
    bm: object
    ts: torch.Tensor
    ts_list: list
    y0: torch.Tensor
    dt: float
    adaptive: bool
    rtol: float
    atol: float
    dt_min: float
    logqp: bool
    batch: str
    jumps: object
    noise_size: int


def _check_unused(unused: dict, where: str) -> None:
    if unused:
        name = sorted(unused)[0]
        raise InputError(name, f"an argument of {where}", f"unknown keyword {name!r}")


def prepare(sde, y0, ts, bm, method, dt, adaptive, rtol, atol, dt_min, options, names, logqp, batch="joint",
            jumps=None) -> SDEProblem:
    names = checks.check_names(names)
    checks.check_sde(sde)
    checks.check_y0(y0)
    term = SDETerm(sde, names)
    if logqp:
        if term.user["f"] is None or term.user["g"] is None or term.h is None:
            raise InputError("sde", "methods f, g and h (the prior drift) with logqp=True",
                             "a missing one", "rename them with names={'drift': ..., 'prior_drift': ...}")
        term = LogqpTerm(term)
        y0 = torch.cat([y0, y0.new_zeros(y0.shape[0], 1)], dim=1)
    ts = checks.check_ts(ts, y0)
    dt = checks.check_positive(dt, "dt")
    rtol = checks.check_positive(rtol, "rtol", allow_zero=True)
    atol = checks.check_positive(atol, "atol", allow_zero=True)
    dt_min = checks.check_positive(dt_min, "dt_min")
    if not isinstance(adaptive, bool):
        raise InputError("adaptive", "True or False", repr(adaptive))
    if adaptive and rtol == 0 and atol == 0:
        raise InputError("rtol/atol", "at least one positive tolerance with adaptive=True", "both zero")
    if batch not in BATCH_MODES:
        raise InputError("batch", "'joint' or 'independent'", repr(batch))
    noise, kind = term.noise_type, term.sde_type
    method = checks.default_method(kind, noise) if method is None else method
    if adaptive and method == "euler" and noise != NOISE_TYPES.additive:  # warned first, as torchsde
        warnings.warn("Numerical solution is not guaranteed to converge to the correct solution when using adaptive "
                      "time-stepping with the Euler--Maruyama method with non-additive noise.", stacklevel=3)
    checks.check_method(method, kind, noise)
    options = checks.check_options(options, method)
    stepper = make_stepper(method, kind, noise, options)
    if stepper.needs_g and not term.has_g and not (method == "milstein" and noise == NOISE_TYPES.additive):
        raise InputError("sde", f"the diffusion matrix g (or f_and_g) for method {method!r}", "only g_prod",
                         "this method evaluates g itself; define g, or use euler / milstein / midpoint")
    if jumps is not None and not isinstance(jumps, CompoundPoisson):
        raise InputError("jumps", "a CompoundPoisson jump term", type(jumps).__name__)
    independent = batch == "independent" and adaptive
    if independent and (stepper.needs_U or stepper.needs_A):
        raise InputError("method", "a method without Lévy areas with batch='independent'", repr(method),
                         "use euler, milstein, heun, midpoint or euler_heun for per-path step sizes")
    if jumps is not None:
        if adaptive:
            raise InputError("adaptive", "False with jumps (fixed steps; each path steps to its own jump times)",
                             "True")
        if stepper.stateful or stepper.needs_A:
            raise InputError("method", "a method without extra state or Lévy area with jumps", repr(method),
                             "use euler, milstein, srk, heun, midpoint or euler_heun")
    ts_list = ts.tolist()
    B = y0.shape[0]
    m = checks.check_shapes(term, y0, ts[0], None if bm is None else checks.check_bm_shape(bm, B))
    term.noise_size = m
    if bm is None:
        if independent:
            bm = BridgeMemory((B, m), dtype=y0.dtype, device=y0.device)
        else:
            levy = "space-time" if stepper.needs_U else ("foster" if stepper.needs_A else "none")
            bm = BrownianInterval(t0=ts_list[0], t1=ts_list[-1], size=(B, m), dtype=y0.dtype, device=y0.device,
                                  levy_area_approximation=levy, dt=dt if adaptive else None)
    elif independent:
        if not all(hasattr(bm, name) for name in ("start", "pair", "advance")):
            raise InputError("bm", "None or a BatchBrownianTree (one query time per path) with batch='independent'",
                             type(bm).__name__)
        checks.check_bm_shape(bm, B)
    else:
        checks.check_bm(bm, B, m, ts_list, stepper, noise)
    return SDEProblem(term=term, stepper=stepper, method=method, bm=bm, ts=ts, ts_list=ts_list, y0=y0, dt=dt,
                      adaptive=adaptive, rtol=rtol, atol=atol, dt_min=dt_min, logqp=bool(logqp),
                      batch="independent" if independent else "joint", jumps=jumps, noise_size=m)


def initial_extra(p: SDEProblem, extra_solver_state):
    if extra_solver_state is None:
        return p.stepper.init_extra(p.term, p.ts[0], p.y0)
    if not p.stepper.stateful:
        if extra_solver_state not in ((), []):
            raise InputError("extra_solver_state", f"None or () for method {p.method!r} (it keeps no extra state)",
                             type(extra_solver_state).__name__)
        return ()
    state = tuple(extra_solver_state) if isinstance(extra_solver_state, (tuple, list)) else None
    reference = p.stepper.init_extra(p.term, p.ts[0], p.y0) if state is not None else None
    if state is None or len(state) != len(reference):
        raise InputError("extra_solver_state", "a tuple of 3 tensors (f, g, z) as returned with extra=True",
                         type(extra_solver_state).__name__)
    for i, (x, ref) in enumerate(zip(state, reference)):
        if not isinstance(x, torch.Tensor) or x.shape != ref.shape:
            raise InputError(f"extra_solver_state[{i}]", f"a tensor of shape {tuple(ref.shape)}",
                             tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__)
    return state


def solve(p: SDEProblem, y0, extra):
    """Run the loop; ``(ys, extra, stats)``."""
    if len(p.ts_list) == 1:
        return y0[None], extra, None
    t_dtype = p.ts.dtype
    if not p.adaptive:
        grid, out_index = time_grid(p.ts_list, p.dt)
        if p.jumps is not None:
            p.jumps.plan(grid, y0)
        ys, extra, stats = integrate_fixed(p.stepper, p.term, y0, extra, grid, out_index, p.bm, t_dtype, p.jumps)
    elif p.batch == "independent":
        ys, extra, stats = integrate_independent(p.stepper, p.term, y0, extra, p.ts_list, p.bm, p.dt, p.rtol, p.atol,
                                                 p.dt_min, t_dtype, p.term.noise_type)
    else:
        ys, extra, stats = integrate_adaptive(p.stepper, p.term, y0, extra, p.ts_list, p.bm, p.dt, p.rtol, p.atol,
                                              p.dt_min, t_dtype, p.term.noise_type)
    _check_finite(ys, p.ts_list)
    return ys, extra, stats


def _check_finite(ys, ts_list) -> None:
    with torch.no_grad():
        finite = torch.isfinite(ys).flatten(1).all(1)
        if bool(finite.all()):
            return
        first = int((~finite).nonzero()[0, 0])
    raise SolverError("the SDE solution became NaN or Inf", t=ts_list[first],
                      hint="check f and g for overflow near this time, or take a smaller dt")


def parse_return(p: SDEProblem, ys, extra_state, extra: bool):
    if p.logqp:
        ys, log_ratio = ys[..., :-1], ys[..., -1]
        increments = log_ratio[1:] - log_ratio[:-1]
        return (ys, increments, extra_state) if extra else (ys, increments)
    return (ys, extra_state) if extra else ys


def sdeint(sde, y0, ts, bm=None, method=None, dt=1e-3, adaptive=False, rtol=1e-5, atol=1e-4, dt_min=1e-5,
           options=None, names=None, logqp=False, extra=False, extra_solver_state=None, *, batch="joint",
           jumps=None, **unused_kwargs):
    """Integrate an SDE ``dY = f(t, Y) dt + g(t, Y) dW`` and return ``Y`` at the times ``ts``: torchsde's ``sdeint``.

    Parameters
    ----------
    sde
        An object with ``f(t, y)`` (drift, ``(batch, d)``) and ``g(t, y)`` (diffusion: ``(batch, d)`` for
        diagonal noise, ``(batch, d, m)`` otherwise), or ``f_and_g``, ``g_prod(t, y, v)``, ``f_and_g_prod``;
        ``h`` (prior drift) for ``logqp``; attributes ``noise_type`` (diagonal / additive / scalar /
        general) and ``sde_type`` (ito / stratonovich). ``t`` reaches it as a 0-dim tensor.
    y0 : tensor ``(batch, d)``
    ts : increasing 1-D tensor (or list of floats); ``ts[0]`` is the time of ``y0``.
    bm
        A Brownian object of size ``(batch, m)``; default a fresh :class:`BrownianInterval` (with the
        Lévy area the method needs).
    method
        ``euler``, ``milstein``, ``srk`` (Itô); ``midpoint``, ``heun``, ``euler_heun``, ``milstein``,
        ``log_ode``, ``reversible_heun`` (Stratonovich). Default: ``srk`` for Itô (``euler`` for general
        noise), ``midpoint`` for Stratonovich.
    dt : the step (fixed-step) or the first step (adaptive). Fixed steps land on every output time.
    adaptive, rtol, atol, dt_min
        Step doubling with the PI controller; steps never shorter than ``dt_min``.
    options : ``{"grad_free": True}`` for derivative-free Milstein.
    names : other names for the SDE's methods, e.g. ``{"drift": "f_aug"}``.
    logqp : also return the increments of the log-ratio ``½∫‖u‖² dt``, ``g u = f - h``, shape ``(T-1, batch)``.
    extra, extra_solver_state : return / start from the solver's extra state (reversible Heun: ``(f, g, z)``).
    batch : ``"joint"`` (torchsde's: one step size for all paths) or ``"independent"`` (adaptive only:
        every path its own step size and time; ``t`` then reaches ``f``/``g`` as a ``(batch, 1)`` tensor).
    jumps : a :class:`~sciml.integrate.sde.jumps.CompoundPoisson` jump term, simulated at its jump times.

    Returns
    -------
    ``(len(ts), batch, d)``; with ``logqp`` also the log-ratio increments; with ``extra`` also the extra state.
    """
    _check_unused(unused_kwargs, "sdeint")
    p = prepare(sde, y0, ts, bm, method, dt, adaptive, rtol, atol, dt_min, options, names, logqp, batch, jumps)
    extra0 = initial_extra(p, extra_solver_state)
    ys, extra_state, _ = solve(p, p.y0, extra0)
    return parse_return(p, ys, extra_state, extra)


def solve_sde(sde, y0, ts, *, bm=None, method=None, dt=1e-3, adaptive=False, rtol=1e-5, atol=1e-4, dt_min=1e-5,
              options=None, names=None, logqp=False, batch="joint", jumps=None, extra_solver_state=None) -> Solution:
    """:func:`sdeint`'s solve returned as a :class:`~sciml.integrate.Solution`, with its statistics.

    ``sol.ys`` is ``(len(ts), batch, d)``; ``sol.stats``: ``n_steps`` and ``n_rejected`` (one per path with
    ``batch="independent"``), ``method``, ``extra_solver_state`` and, with ``logqp``, ``log_ratio``
    (the increments, ``(len(ts) - 1, batch)``).
    """
    p = prepare(sde, y0, ts, bm, method, dt, adaptive, rtol, atol, dt_min, options, names, logqp, batch, jumps)
    ys, extra, loop_stats = solve(p, p.y0, initial_extra(p, extra_solver_state))
    stats = {"n_steps": 0 if loop_stats is None else loop_stats.n_steps,
             "n_rejected": 0 if loop_stats is None else loop_stats.n_rejected,
             "method": p.method, "extra_solver_state": extra}
    if p.logqp:
        ys, stats["log_ratio"] = parse_return(p, ys, extra, False)
    B = p.y0.shape[0]
    independent = p.batch == "independent"
    status = torch.zeros(B, dtype=torch.long) if independent else Status.SUCCESS
    t_reached = p.ts[-1].expand(B) if independent else float(p.ts_list[-1])
    return Solution(ts=p.ts, ys=ys, stats=stats, status=status, t_reached=t_reached)
