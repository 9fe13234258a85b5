"""``solve``: train a physics-informed network on a ``sciml.pde.Problem``.

The method is that of Raissi, Perdikaris & Karniadakis (2019): a network is trained so
that the residuals of the equations vanish at collocation points and the conditions
hold at their points. Training runs Adam, then L-BFGS with a strong-Wolfe line search
(which runs to its iteration limit unless given tolerances stop it; the reason it
stopped is logged), with optional adaptive resampling (Wu et al. 2023), loss weighting
(Wang, Teng & Perdikaris 2021; McClenny & Braga-Neto 2020), hard constraints and a
wall-clock budget.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from sciml.errors import InputError, SolverError
from sciml.pde.problem import Problem
from sciml.pde.sampling import make_rng
from sciml.pinn.adaptive import make_strategy
from sciml.pinn.constraints import build_constraints
from sciml.pinn.loss import PINNLoss
from sciml.pinn.networks import MLP, NETWORKS, build_network
from sciml.pinn.points import PointCounts, build_groups
from sciml.pinn.result import Result
from sciml.pinn.weighting import Annealing, SelfAdaptive, make_weighting
from sciml.train import Progress, resolve_device, resolve_dtype, run_lbfgs

__all__ = ["solve", "make_network"]


def make_network(problem, network=None, seed=0):
    """The network for ``problem``: None -> MLP (3 x 64 tanh); a dict spec, a class name, or a Module."""
    d, n = len(problem.variables), len(problem.fields)
    torch.manual_seed(seed)
    if network is None:
        net = MLP(d, n)
    elif isinstance(network, str):
        if network not in NETWORKS:
            raise InputError("network", f"one of {', '.join(NETWORKS)}, a spec dict or a torch Module", repr(network))
        net = NETWORKS[network](d, n)
    elif isinstance(network, dict):
        spec = {"type": "MLP", "inputs": d, "outputs": n, **network}
        net = build_network(spec)
    elif isinstance(network, nn.Module):
        net = network
    else:
        raise InputError("network", "None, a network name, a spec dict or a torch Module", type(network).__name__)
    if getattr(net, "inputs", d) != d or getattr(net, "outputs", n) != n:
        raise InputError("network", f"{d} inputs and {n} outputs for this problem",
                         f"{getattr(net, 'inputs', '?')} inputs, {getattr(net, 'outputs', '?')} outputs")
    if hasattr(net, "set_bounds"):
        lo, hi = problem.domain.bounds
        net.set_bounds(torch.as_tensor(lo), torch.as_tensor(hi))
    return net


def _check(name, value, kind=int, minimum=0):
    if isinstance(value, bool) or not isinstance(value, kind) or value < minimum:
        raise InputError(name, f"a {kind.__name__} >= {minimum}", repr(value))
    return value


def solve(problem, network=None, *, iterations: int = 5000, lbfgs: int = 0, lr: float = 1e-3,
          points=None, sampler: str = "sobol", resample=None, weights=None, weighting=None, hard=False,
          derivatives: str = "auto", dtype=None, device=None, seed: int = 0, time_budget=None,
          adam_share: float = 0.3, lbfgs_history: int = 100, tolerance_grad: float = 0.0,
          tolerance_change: float = 0.0, lr_decay: float | None = None, progress: bool = True,
          log_every: int = 100, callback=None, compile: bool = False, parameter_lr: float | None = None) -> Result:
    """Train a physics-informed network on ``problem`` and return a :class:`Result`.

    Parameters
    ----------
    network : None (MLP 3 x 64 tanh), "MLP" | "FourierMLP" | "ModifiedMLP", a spec dict such as
        ``{"type": "ModifiedMLP", "hidden": [64] * 4}``, or any torch Module (N, d) -> (N, fields).
    iterations, lbfgs : Adam steps, then L-BFGS iterations.
    points : collocation count, or ``{"domain": n, "boundary": n, "initial": n, "data": bool}``; ``data=True``
        adds collocation points at the observation points of Data conditions (kept through resampling).
    sampler : "sobol" (default), "halton", "lhs" or "uniform".
    resample : None, "rar", "rard", "rad" or a strategy of :mod:`sciml.pinn.adaptive`.
    weights : {term label: weight}; weighting : None, "annealing", "self-adaptive" or an object.
    hard : impose initial/Dirichlet conditions exactly: True, a list of conditions, or {field: (G, phi)}.
    derivatives : "auto" (time both engines, keep the faster), "jet" or "autograd".
    dtype, device : float64 and CPU by default.
    time_budget : wall-clock seconds for the whole run; with L-BFGS, Adam gets ``adam_share`` of it.
    lr_decay : multiply the Adam learning rate by this factor every 1000 steps.
    tolerance_grad, tolerance_change : L-BFGS tolerances (0: run to the iteration limit).
    callback : ``callback(iteration, loss, terms)`` called at every log; return True to stop.
    parameter_lr : Adam learning rate of the learnable problem parameters (their log for positive ones);
        None: ``lr``. Inverse problems often need a larger one, since Adam moves each raw parameter by
        about ``lr`` per step.
    compile : evaluate the loss through ``torch.compile`` with forward-mode derivatives (fused kernels:
        faster iterations after a compilation of some seconds, cached on disk by torch between runs).
    """
    if not isinstance(problem, Problem):
        raise InputError("problem", "a sciml.pde.Problem", type(problem).__name__)
    _check("iterations", iterations)
    _check("lbfgs", lbfgs)
    _check("log_every", log_every, minimum=1)
    _check("lbfgs_history", lbfgs_history, minimum=1)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise InputError("lr", "a positive learning rate", repr(lr))
    if time_budget is not None and not (isinstance(time_budget, (int, float)) and time_budget > 0):
        raise InputError("time_budget", "a positive number of seconds or None", repr(time_budget))
    if not 0 < adam_share <= 1:
        raise InputError("adam_share", "a fraction in (0, 1]", repr(adam_share))
    if parameter_lr is not None and not (isinstance(parameter_lr, (int, float)) and parameter_lr > 0):
        raise InputError("parameter_lr", "a positive learning rate or None", repr(parameter_lr))
    if lr_decay is not None and not 0 < lr_decay <= 1:
        raise InputError("lr_decay", "a factor in (0, 1] or None", repr(lr_decay))
    dtype, device = resolve_dtype(dtype), resolve_device(device)
    rng = make_rng(seed)
    strategy = make_strategy(resample)
    weighting = make_weighting(weighting)
    counts = PointCounts(problem, points)
    constraints = build_constraints(problem, hard)
    skip = [c for hc in constraints.values() for c in hc.conditions]
    net = make_network(problem, network, seed).to(device=device, dtype=dtype)
    loss_mod = PINNLoss(problem, net, constraints, derivatives, dtype, device,
                        self_adaptive=isinstance(weighting, SelfAdaptive)).to(device)
    groups = build_groups(problem, counts, sampler, rng, skip, weights)
    loss_mod.set_groups(groups)
    start = time.monotonic()
    if compile:
        if hasattr(net, "jet") and derivatives == "auto":
            loss_mod._derivs.engine, loss_mod._derivs._auto = "jet", False
        loss_mod.enable_compile()
    engine = loss_mod.choose_engine()
    params = list(net.parameters()) + list(loss_mod.raw.values())
    deadline = None if time_budget is None else start + float(time_budget)
    adam_deadline = deadline
    if deadline is not None and lbfgs > 0:
        adam_deadline = start + adam_share * float(time_budget)

    history = _History(loss_mod)
    state = {"best": None, "best_loss": np.inf, "stop": False}

    def log(it, phase, total, terms):
        value = float(total)
        history.add(it, phase, time.monotonic() - start, value, terms)
        if np.isfinite(value) and value < state["best_loss"]:
            state["best_loss"] = value
            state["best"] = copy.deepcopy({"net": net.state_dict(), "raw": loss_mod.raw.state_dict()})
        if callback is not None and callback(it, value, {k: float(v) for k, v in terms.items()}):
            state["stop"] = True
        return value

    def resample_points():
        pde = loss_mod.groups[0]
        X = strategy.update(problem, pde.X[:getattr(pde, "free", len(pde.X))], loss_mod.pde_residual, rng)
        new = build_groups(problem, counts, sampler, rng, skip, weights, domain_points=X)
        for g_old, g_new in zip(loss_mod.groups, new):
            g_new.weights = g_old.weights
        loss_mod.set_groups(new)
        state["best"], state["best_loss"] = None, np.inf  # losses on new points are not comparable

    bar = Progress(iterations + lbfgs, enabled=progress, desc="pinn")
    adam_done = 0
    try:
        opt = _adam(list(net.parameters()), lr, list(loss_mod.raw.values()), parameter_lr)
        sa_opt = None
        if isinstance(weighting, SelfAdaptive):
            sa_opt = torch.optim.Adam(loss_mod.adaptive.parameters(), lr=weighting.lr, maximize=True)
        for it in range(1, iterations + 1):
            if adam_deadline is not None and time.monotonic() >= adam_deadline or state["stop"]:
                break
            opt.zero_grad(set_to_none=True)
            if sa_opt is not None:
                sa_opt.zero_grad(set_to_none=True)
            total, terms = loss_mod()
            if isinstance(weighting, Annealing) and it % weighting.every == 0:
                weighting.update(loss_mod, terms, list(net.parameters()))
                total = sum(w * terms[lbl] for g in loss_mod.groups for lbl, w in zip(g.labels, g.weights))
            total.backward()
            opt.step()
            if sa_opt is not None:
                sa_opt.step()
            adam_done = it
            if not torch.isfinite(total):
                raise SolverError(f"the loss became {float(total)} at Adam step {it}",
                                  hint="lower lr, use float64, or normalise the problem")
            if it % log_every == 0 or it == 1:
                value = log(it, "adam", total.detach(), {k: v.detach() for k, v in terms.items()})
                bar.update(log_every if it > 1 else 1, loss=value)
            if lr_decay is not None and it % 1000 == 0:
                for group in opt.param_groups:
                    group["lr"] *= lr_decay
            if strategy.every and it % strategy.every == 0 and it < iterations:
                resample_points()
                if sa_opt is not None:
                    sa_opt = torch.optim.Adam(loss_mod.adaptive.parameters(), lr=weighting.lr, maximize=True)
        reports = []
        lbfgs_done = 0
        if lbfgs > 0 and not state["stop"]:
            if loss_mod.self_adaptive:
                for p in loss_mod.adaptive.parameters():
                    p.requires_grad_(False)
            round_size = strategy.lbfgs_every if strategy.every else lbfgs
            while lbfgs_done < lbfgs and not state["stop"]:
                if deadline is not None and time.monotonic() >= deadline:
                    reports.append(f"time budget reached after {lbfgs_done} L-BFGS iterations")
                    break
                n = min(round_size, lbfgs - lbfgs_done)
                offset = lbfgs_done

                last = {}

                def closure(last=last):
                    opt_params_zero(params)
                    total, terms = loss_mod()
                    total.backward()
                    last["total"], last["terms"] = total.detach(), {k: v.detach() for k, v in terms.items()}
                    return total

                def on_chunk(done, loss, offset=offset, last=last):
                    value = log(adam_done + offset + done, "lbfgs", last["total"], last["terms"])
                    bar.update(0, loss=value)
                    return state["stop"]

                report = run_lbfgs(params, closure, n, history_size=lbfgs_history, tolerance_grad=tolerance_grad,
                                   tolerance_change=tolerance_change, deadline=deadline, on_chunk=on_chunk)
                lbfgs_done += report.iterations
                bar.update(report.iterations)
                reports.append(report.reason)
                if report.iterations < n:
                    break
                if strategy.every and lbfgs_done < lbfgs:
                    resample_points()
            if state["best"] is not None:
                total = loss_mod()[0].detach()
                if not torch.isfinite(total) or float(total) > state["best_loss"]:
                    net.load_state_dict(state["best"]["net"])
                    loss_mod.raw.load_state_dict(state["best"]["raw"])
                    reports.append("restored the parameters with the lowest logged loss")
        total, terms = loss_mod()
        log(adam_done + lbfgs_done, "final", total.detach(), {k: v.detach() for k, v in terms.items()})
    finally:
        bar.close()
    wall = time.monotonic() - start
    info = {"adam_iterations": adam_done, "lbfgs_iterations": lbfgs_done, "lbfgs_stop": reports,
            "wall_s": wall, "engine": engine, "points": int(sum(len(g.X) for g in loss_mod.groups)),
            "collocation_points": int(len(loss_mod.groups[0].X)), "dtype": str(dtype).replace("torch.", ""),
            "device": str(device), "seed": seed, "hard": sorted(problem.fields[k].func.__name__ for k in constraints),
            "compiled": bool(compile), "resample": strategy.spec(),
            "weighting": None if weighting is None else weighting.spec()}
    if progress:
        for r in reports:
            print(f"L-BFGS: {r}")
    return Result(problem, net, constraints, history.finish(), info, loss_mod, hard_spec=_hard_spec(hard))


def _adam(params, lr, extra=(), extra_lr=None):
    """Adam (fused where torch has it for these tensors); ``extra`` parameters get ``extra_lr``."""
    groups = [{"params": list(params)}]
    if extra:
        groups.append({"params": list(extra), "lr": lr if extra_lr is None else extra_lr})
    try:
        return torch.optim.Adam(groups, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(groups, lr=lr)


def opt_params_zero(params):
    for p in params:
        p.grad = None


def _hard_spec(hard):
    if hard is True:
        return True
    if not hard:
        return False
    return "custom"


class _History:
    def __init__(self, loss_mod):
        self.loss_mod = loss_mod
        self.data = {"iteration": [], "phase": [], "time": [], "loss": [], "terms": {}, "parameters": {}}

    def add(self, it, phase, t, value, terms):
        d = self.data
        d["iteration"].append(int(it))
        d["phase"].append(phase)
        d["time"].append(float(t))
        d["loss"].append(float(value))
        for k, v in terms.items():
            d["terms"].setdefault(k, []).append(float(v))
        for k, v in self.loss_mod.parameter_values().items():
            d["parameters"].setdefault(k, []).append(float(v.detach()))

    def finish(self):
        return self.data
