"""The continuous (backsolve) adjoint.

Between consecutive output times the augmented system

    dy/dt = f(t, y),   da/dt = −aᵀ ∂f/∂y,   dg/dt = −aᵀ ∂f/∂θ

is integrated backwards from the final state, with its own tolerances and method
(Chen, Rubanova, Bettencourt & Duvenaud, Neural ordinary differential equations,
NeurIPS 2018; as in torchdiffeq's ``odeint_adjoint``). Memory does not grow with the
number of steps. With ``seminorm=True`` the parameter integrals ``g`` are left out of
error control (Kidger, Chen & Lyons, ICML 2021), which typically saves a third of
the backward evaluations.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from sciml.errors import SolverError
from sciml.integrate.loop import integrate_joint
from sciml.integrate.norms import mixed_rms_norm
from sciml.integrate.runner import Runner
from sciml.integrate.solution import Status
from sciml.integrate.state import StatePacker
from sciml.integrate.term import ODETerm

__all__ = ["solve_backsolve", "AdjointOptions"]


class AdjointOptions:
    """Tolerances, method and norm of the backward solve."""

    def __init__(self, rtol, atol, tableau, seminorm: bool = False, step_size=None):
        self.rtol, self.atol, self.tableau = rtol, atol, tableau
        self.seminorm = seminorm
        self.step_size = step_size


class _AugmentedDynamics:
    """``(t, [y, a, g]) -> [f, −aᵀ∂f/∂y, −aᵀ∂f/∂θ]`` on one flat vector."""

    def __init__(self, flat_func, n: int, params: tuple):
        self.flat_func = flat_func
        self.n = n
        self.params = params

    def __call__(self, t, z):
        n = self.n
        y, a = z[:n], z[n:2 * n]
        with torch.enable_grad():
            y = y.detach().requires_grad_(True)
            f = self.flat_func(t, y)
            # retain the graph: parameters may be computed tensors (a CDE's spline coefficients) whose
            # upstream nodes every evaluation's gradient passes through again
            grads = torch.autograd.grad(f, (y, *self.params), -a, allow_unused=True, retain_graph=True)
        parts = [f.detach()]
        for g, ref in zip(grads, (y, *self.params)):
            parts.append(torch.zeros(ref.numel(), dtype=z.dtype, device=z.device) if g is None
                         else g.reshape(-1).to(z.dtype))
        return torch.cat(parts)


class _Backsolve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, runner: Runner, adjoint: AdjointOptions, k1, y0, *params):
        ys = runner.forward(y0, k1=k1)
        ctx.runner, ctx.adjoint, ctx.params = runner, adjoint, params
        ctx.save_for_backward(ys)
        return ys

    @staticmethod
    def backward(ctx, grad_ys):
        runner: Runner = ctx.runner
        adjoint: AdjointOptions = ctx.adjoint
        params = tuple(ctx.params)
        (ys,) = ctx.saved_tensors
        term = runner.term
        packer = term.packer
        n = ys.shape[-1]
        n_params = [p.numel() for p in params]

        def flat_func(t, y):
            return packer.pack(term.func(t, packer.unpack(y)))

        aug = _AugmentedDynamics(flat_func, n, params)
        aug_packer = StatePacker(torch.zeros(2 * n + sum(n_params), dtype=ys.dtype, device=ys.device), 0)
        aug_term = ODETerm(aug, aug_packer, term.t_dtype, term.device)
        segments = [(0, n), (n, 2 * n)]
        if not adjoint.seminorm:
            start = 2 * n
            for m in n_params:
                segments.append((start, start + m))
                start += m
        opts = replace(runner.opts, tableau=adjoint.tableau, rtol=adjoint.rtol, atol=adjoint.atol,
                       norm=mixed_rms_norm(segments), first_step=None, step_size=adjoint.step_size,
                       progress=False)
        ts = list(runner.ts)
        a = grad_ys[-1].clone()
        g = torch.zeros(sum(n_params), dtype=ys.dtype, device=ys.device)
        for i in range(len(ts) - 1, 0, -1):
            if ts[i] == ts[i - 1]:
                a = a + grad_ys[i - 1]
                continue
            z = torch.cat([ys[i], a, g])
            res = integrate_joint(aug_term, z, ts[i], ts[i - 1], [ts[i - 1]], opts)
            if res.status != Status.SUCCESS:
                raise SolverError(f"the adjoint (backward) solve failed: {res.status.describe()}",
                                  t=res.t, step_size=res.h, status=res.status,
                                  hint="loosen adjoint_rtol/adjoint_atol or raise max_steps")
            z = res.ys[0]
            a = z[n:2 * n] + grad_ys[i - 1]
            g = z[2 * n:]
        stats = getattr(runner, "stats", None)
        if stats is not None:
            stats["n_f_evals_backward"] = stats.get("n_f_evals_backward", 0) + aug_term.nfe
        grad_params = []
        start = 0
        for p, m in zip(params, n_params):
            grad_params.append(g[start:start + m].view_as(p).to(p.dtype))
            start += m
        return (None, None, None, a, *grad_params)


def solve_backsolve(runner: Runner, adjoint: AdjointOptions, y0: torch.Tensor, params: tuple, k1=None):
    return _Backsolve.apply(runner, adjoint, k1, y0, *params)
