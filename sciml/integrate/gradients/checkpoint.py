"""Checkpoint gradients: store each accepted step, recompute it in the backward pass.

The backward pass re-runs one step at a time from its stored start state with
autograd on and pulls the adjoint through it, so the result is the exact gradient of
the discrete solution (Zhuang, Dvornek, Li, Tatikonda, Papademetris & Duncan,
"Adaptive checkpoint adjoint method for gradient estimation in neural ODE", ICML 2020),
with memory for one state per step instead of every stage of every step.
"""

from __future__ import annotations

import torch

from sciml.integrate.loop import replay_independent, replay_joint
from sciml.integrate.runner import Runner

__all__ = ["solve_checkpoint"]


class _CheckpointSolve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, runner: Runner, k1, y0, *params):
        ys = runner.forward(y0, k1=k1, record=True)
        ctx.runner = runner
        ctx.params = params
        return ys

    @staticmethod
    def backward(ctx, grad_ys):
        runner: Runner = ctx.runner
        params = tuple(ctx.params)
        if runner.independent:
            grad_y0, grad_params = _backward_independent(runner, params, grad_ys)
        else:
            grad_y0, grad_params = _backward_joint(runner, params, grad_ys)
        return (None, None, grad_y0, *grad_params)


def retain_for(func, params) -> bool:
    """Whether each backward call must keep the graph it walks: yes when parameters are computed tensors,
    or when ``func`` says its evaluations lead into a graph built before the solve (``shares_graph``:
    a CDE's spline coefficients computed from learnable data), which every call walks again."""
    return any(p.grad_fn is not None for p in params) or bool(getattr(func, "shares_graph", False))


def _accumulate(total, new):
    return [t if n is None else (n if t is None else t + n) for t, n in zip(total, new)]


def _backward_joint(runner: Runner, params, grad_ys):
    res = runner.result
    term, opts = runner.term, runner.opts
    a = torch.zeros_like(grad_ys[0])
    grad_params = [None] * len(params)
    n_out = len(res.ys)  # rows after these are the states at events
    for rec in reversed(res.records):
        y = rec.y.detach().requires_grad_(True)
        with torch.enable_grad():
            y1, values, event_values = replay_joint(term, opts, rec, y)
            g_end = a
            outs, gouts = [y1], []
            for (index, theta), v in zip(rec.outputs, values):
                if theta is None:
                    g_end = g_end + grad_ys[index]
                else:
                    outs.append(v)
                    gouts.append(grad_ys[index])
            for (row, _theta), v in zip(rec.events, event_values):
                outs.append(v)
                gouts.append(grad_ys[n_out + row])
            grads = torch.autograd.grad(outs, (y, *params), [g_end, *gouts], allow_unused=True,
                                        retain_graph=retain_for(term.func, params))
        a = grads[0] if grads[0] is not None else torch.zeros_like(a)
        grad_params = _accumulate(grad_params, grads[1:])
    for index, t in enumerate(res.ts):
        if t == runner.t0:
            a = a + grad_ys[index]
    return a, grad_params


def _backward_independent(runner: Runner, params, grad_ys):
    res = runner.result
    term, opts = runner.term, runner.opts
    B = grad_ys.shape[1]
    arange = torch.arange(B, device=grad_ys.device)
    a = torch.zeros_like(grad_ys[0])
    grad_params = [None] * len(params)
    for rec in reversed(res.records):
        y = rec.y.detach().requires_grad_(True)
        with torch.enable_grad():
            y_next, values = replay_independent(term, opts, rec, y)
            outs, gouts = [y_next], [a]
            for (index, mask, _theta, _end), v in zip(rec.outputs, values):
                outs.append(v)
                gouts.append(grad_ys[index, arange] * mask[:, None].to(grad_ys.dtype))
            grads = torch.autograd.grad(outs, (y, *params), gouts, allow_unused=True,
                                        retain_graph=retain_for(term.func, params))
        a = grads[0] if grads[0] is not None else torch.zeros_like(a)
        grad_params = _accumulate(grad_params, grads[1:])
    at_start = (runner.t_out == runner.t0[None, :]).to(grad_ys.dtype)  # (T, B)
    a = a + (grad_ys * at_start[..., None]).sum(0)
    return a, grad_params


def solve_checkpoint(runner: Runner, y0: torch.Tensor, params: tuple, k1=None) -> torch.Tensor:
    return _CheckpointSolve.apply(runner, k1, y0, *params)
