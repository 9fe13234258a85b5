"""The algebraically reversible adjoint of reversible Heun (Kidger, Foster, Li & Lyons, NeurIPS 2021).

One reversible Heun step maps ``(y0, z0, f0, g0)`` to ``(y1, z1, f1, g1)``:

    z1 = 2 y0 - z0 + f0 dt + g0 dW,   (f1, g1) = (f, g)(t1, z1),   y1 = y0 + ½(f0 + f1) dt + ½(g0 + g1) dW,

and it can be run backwards exactly: ``z0 = 2 y1 - z1 - f1 dt - g1 dW``, ``(f0, g0) = (f, g)(t0, z0)``,
``y0 = y1 - ½(f0 + f1) dt - ½(g0 + g1) dW``. The backward pass walks the forward grid from the end,
rebuilding each earlier state and pulling the adjoints of ``(y, z, f, g)`` back through the step by
hand; the only automatic differentiation is one vector–Jacobian product of ``(f, g)`` per step, at the
state whose evaluation the reconstruction has just made (so each step costs one evaluation and one
vjp). The result is the gradient of the discrete forward solve up to round-off, with memory for the
outputs only.
"""

from __future__ import annotations

import torch

from sciml.integrate.sde.api import solve
from sciml.integrate.sde.loop import grid_increments
from sciml.integrate.sde.names import NOISE_TYPES

__all__ = ["reversible_adjoint"]


def _prod_adjoint(noise_type: str):
    """The adjoint of ``g ↦ prod(g, v)`` with respect to ``g``, given the cotangent of the product."""
    if noise_type == NOISE_TYPES.diagonal:
        return lambda a, v: a * v
    return lambda a, v: a.unsqueeze(-1) * v.unsqueeze(-2)


def _vjp(outputs, inputs, cotangents):
    """``Σ cotangentᵀ ∂output/∂inputs``, skipping outputs that depend on nothing (a constant drift, say)."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [None] * len(inputs)
    return torch.autograd.grad([o for o, _ in pairs], inputs, [c for _, c in pairs], allow_unused=True)


class _ReversibleAdjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p, y0, f0, g0, z0, *params):
        with torch.no_grad():
            ys, (fT, gT, zT), stats = solve(p, y0.detach(), (f0.detach(), g0.detach(), z0.detach()))
        ctx.p, ctx.stats = p, stats
        ctx.save_for_backward(ys, fT, gT, zT, *params)
        return ys, fT, gT, zT

    @staticmethod
    def backward(ctx, grad_ys, grad_f, grad_g, grad_z):
        create_graph = torch.is_grad_enabled()
        ys, f1, g1, z1, *params = ctx.saved_tensors
        p, stats = ctx.p, ctx.stats
        term = p.term
        grid = stats.grid
        out_at = {grid.index(t): i for i, t in enumerate(p.ts_list)}
        prod, prod_adj = term.prod, _prod_adjoint(term.noise_type)
        W, _, _ = grid_increments(p.bm, grid, False, False)
        times = torch.tensor(grid, dtype=p.ts.dtype, device=ys.device).unbind(0)
        inputs_params = list(params)
        y1 = ys[-1]
        a_y, a_z, a_f, a_g = grad_ys[-1], grad_z, grad_f, grad_g
        a_params = [torch.zeros_like(x) for x in params]
        with torch.enable_grad():
            z_leaf = z1.detach().requires_grad_(True)
            fg = term.f_and_g(times[-1], z_leaf)
        for k in range(len(grid) - 2, -1, -1):
            dt = grid[k + 1] - grid[k]
            dW = W[k]
            with torch.no_grad():
                # rebuild the state at grid[k] (one evaluation, kept with its graph for the next vjp)
                z0 = 2 * y1 - z1 - f1 * dt - prod(g1, dW)
            with torch.enable_grad():
                z0_leaf = z0.detach().requires_grad_(True)
                fg0 = term.f_and_g(times[k], z0_leaf)
            with torch.no_grad():
                f0, g0 = fg0[0].detach(), fg0[1].detach()
                y0 = y1 - (f0 + f1) * (0.5 * dt) - prod(g0 + g1, 0.5 * dW)
                # pull (a_y, a_z, a_f, a_g) at grid[k+1] back through the step
                bar_f1 = a_f + (0.5 * dt) * a_y
                bar_g1 = a_g + prod_adj(a_y, 0.5 * dW)
            vjp = _vjp(fg, [z_leaf, *inputs_params], (bar_f1, bar_g1))
            with torch.no_grad():
                a_z_tot = a_z + (torch.zeros_like(z1) if vjp[0] is None else vjp[0])
                for j, gp in enumerate(vjp[1:]):
                    if gp is not None:
                        a_params[j] = a_params[j] + gp
                a_f = (0.5 * dt) * a_y + dt * a_z_tot
                a_g = prod_adj(a_y, 0.5 * dW) + prod_adj(a_z_tot, dW)
                a_y, a_z = a_y + 2 * a_z_tot, -a_z_tot
                if k in out_at and k > 0:
                    a_y = a_y + grad_ys[out_at[k]]
            y1, z1, f1, g1 = y0, z0, f0, g0
            fg, z_leaf = fg0, z0_leaf
        a_y = a_y + grad_ys[0]
        out = (a_y, a_f, a_g, a_z, *a_params)
        if create_graph:
            from sciml.integrate.sde.adjoint import first_order_only

            out = first_order_only(out)
        return (None, *out)


def reversible_adjoint(p, extra0, params):
    """Forward reversible Heun solve whose backward pass is the reversible adjoint; ``(ys, (f, g, z))``."""
    f0, g0, z0 = extra0
    ys, fT, gT, zT = _ReversibleAdjoint.apply(p, p.y0, f0, g0, z0, *params)
    return ys, (fT, gT, zT)
