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

import time

import torch
from torch import nn

from sciml.errors import InputError
from sciml.pde.problem import Problem
from sciml.pde.sampling import make_rng
from sciml.pinn.adaptive import make_strategy
from sciml.pinn.constraints import build_constraints
from sciml.pinn.derivatives import ENGINES
from sciml.pinn.loss import PINNLoss
from sciml.pinn.networks import MLP, NETWORKS, build_network
from sciml.pinn.points import PointCounts, build_groups
from sciml.pinn.result import Result
from sciml.pinn.training import AnnealingUpdate, PointSets, Resampling, SelfAdaptiveAscent, problem_fingerprint
from sciml.pinn.weighting import Annealing, SelfAdaptive, make_weighting
from sciml.train import LBFGS, Adam, KeepBest, StepDecay, Trainer, distributed, on_log, resolve_device, resolve_dtype

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
          log_every: int = 100, callback=None, compile: bool = False, parameter_lr: float | None = None,
          checkpoint=None, resume=None) -> Result:
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
    checkpoint : a directory (or :class:`sciml.train.Checkpoints`) for checkpoints of the whole training
        state; resume : a checkpoint directory to continue from (bit-identical on CPU in float64), or True.

    Training runs through :class:`sciml.train.Trainer`; launched by ``torchrun`` it shares the points
    among the processes (the loss and its gradient are those of all points, as in one process).
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
    if callback is not None and not callable(callback):
        raise InputError("callback", "a callable (iteration, loss, terms) -> bool", type(callback).__name__)
    dtype, device = resolve_dtype(dtype), resolve_device(device)
    context = distributed.setup(device)
    device = context.device
    rng = make_rng(seed)
    strategy = make_strategy(resample)
    weighting = make_weighting(weighting)
    if context.active and weighting is not None:
        raise InputError("weighting", "None (fixed weights) when training in several processes",
                         type(weighting).__name__, "adaptive weighting is not yet shared among processes")
    counts = PointCounts(problem, points)
    constraints = build_constraints(problem, hard)
    skip = [c for hc in constraints.values() for c in hc.conditions]
    net = make_network(problem, network, seed).to(device=device, dtype=dtype)
    loss_mod = PINNLoss(problem, net, constraints, derivatives, dtype, device,
                        self_adaptive=isinstance(weighting, SelfAdaptive)).to(device)
    loss_mod.set_shard(context.rank, context.world)
    loss_mod.set_groups(build_groups(problem, counts, sampler, rng, skip, weights))
    start = time.monotonic()
    if compile:
        if hasattr(net, "jet") and derivatives == "auto":
            loss_mod.force_engine("jet")
        loss_mod.enable_compile()
    engine = loss_mod.choose_engine()
    if context.active:  # timings differ between ranks; all take rank 0's choice
        engine = ENGINES[context.broadcast_index(ENGINES.index(engine), "the derivative engine choice")]
        loss_mod.force_engine(engine)

    def rebuild():
        pde = loss_mod.groups[0]
        X = strategy.update(problem, pde.X[:getattr(pde, "free", len(pde.X))], loss_mod.pde_residual, rng)
        new = build_groups(problem, counts, sampler, rng, skip, weights, domain_points=X)
        for g_old, g_new in zip(loss_mod.groups, new):
            g_new.weights = g_old.weights
        loss_mod.set_groups(new)

    best = KeepBest(net, loss_mod.raw, restore=("lbfgs",))
    ascent = SelfAdaptiveAscent(weighting, loss_mod) if isinstance(weighting, SelfAdaptive) else None
    callbacks = [cb for cb in (ascent, best) if cb is not None]
    if callback is not None:
        callbacks.append(on_log(callback))
    if strategy.every:
        callbacks.append(Resampling(strategy, rebuild, best, ascent))
    if isinstance(weighting, Annealing):
        callbacks.append(AnnealingUpdate(weighting, loss_mod, net))
    phases = [Adam(iterations, lr, schedule=None if lr_decay is None else StepDecay(1000, lr_decay),
                   until=adam_share if time_budget is not None and lbfgs > 0 else 1.0)]
    if lbfgs > 0:
        phases.append(LBFGS(lbfgs, history=lbfgs_history, tolerance_grad=tolerance_grad,
                            tolerance_change=tolerance_change,
                            restart_every=strategy.lbfgs_every if strategy.every else None))
    groups = [{"params": list(net.parameters())}]
    if len(loss_mod.raw):
        groups.append({"params": list(loss_mod.raw.values()), "lr": lr if parameter_lr is None else parameter_lr})
    fingerprint = problem_fingerprint(problem, net, {
        "points": [len(g.X) for g in loss_mod.groups], "hard": _hard_spec(hard), "dtype": str(dtype),
        "resample": strategy.spec(), "weighting": None if weighting is None else weighting.spec(),
        "sampler": sampler, "seed": seed})

    def parameters():
        return {"parameters": {k: float(v.detach()) for k, v in loss_mod.parameter_values().items()}}

    trainer = Trainer(loss_mod, loss_mod, phases=phases, params=groups, callbacks=callbacks,
                      state={"points": PointSets(loss_mod, rng)}, budget=time_budget, started=start,
                      checkpoint=checkpoint, resume=resume, progress=progress, log_every=log_every, desc="pinn",
                      log_values=parameters, distributed=context, fingerprint=fingerprint)
    out = trainer.fit()
    history = out.history
    history.setdefault("parameters", {})
    adam, lbfgs_info = out.phase("adam"), out.phase("lbfgs")
    reports = lbfgs_info["reasons"]
    info = {"adam_iterations": adam["iterations"], "lbfgs_iterations": lbfgs_info["iterations"],
            "lbfgs_stop": reports, "wall_s": time.monotonic() - start, "engine": loss_mod.engine,
            "points": int(sum(len(g.X) for g in loss_mod.groups)),
            "collocation_points": int(len(loss_mod.groups[0].X)), "dtype": str(dtype).replace("torch.", ""),
            "device": str(device), "seed": seed, "hard": sorted(problem.fields[k].func.__name__ for k in constraints),
            "compiled": bool(compile), "resample": strategy.spec(),
            "weighting": None if weighting is None else weighting.spec(), "processes": context.world,
            "checkpoint": out.info["checkpoint"], "resumed_from": out.info["resumed_from"]}
    if progress and context.is_main:
        for r in reports:
            print(f"L-BFGS: {r}")
    return Result(problem, net, constraints, history, info, loss_mod, hard_spec=_hard_spec(hard))


def _hard_spec(hard):
    if hard is True:
        return True
    if not hard:
        return False
    return "custom"
