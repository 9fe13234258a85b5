"""The continuous (backsolve) adjoint.

Between consecutive output times the augmented system

    dy/dt = f(t, y),   da/dt = −aᵀ ∂f/∂y,   dg/dt = −aᵀ ∂f/∂θ

is integrated backwards from the final state, with its own tolerances and method
(Chen, Rubanova, Bettencourt & Duvenaud, Neural ordinary differential equations,
NeurIPS 2018; as in torchdiffeq's ``odeint_adjoint``). Memory does not grow with the
number of steps. With ``seminorm=True`` the parameter integrals ``g`` are left out of
error control (Kidger, Chen & Lyons, ICML 2021), which typically saves a third of
the backward evaluations. The error norm of the backward solve is, by default, the largest
of the forward norm of ``y`` and of ``a`` and the RMS of each parameter integral (torchdiffeq's
default adjoint norm), or a user's norm of the tuple ``(t, y, a, *g)`` in torchdiffeq's layout.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from sciml.errors import SolverError
from sciml.integrate.callbacks import StepCallbacks
from sciml.integrate.gradients.checkpoint import retain_for
from sciml.integrate.loop import integrate_joint
from sciml.integrate.norms import mixed_rms_norm
from sciml.integrate.runner import Runner
from sciml.integrate.solution import Status
from sciml.integrate.state import StatePacker
from sciml.integrate.term import ODETerm

__all__ = ["solve_backsolve", "AdjointOptions"]


class AdjointOptions:
    """Tolerances, method and norm of the backward solve.

    ``norm``: a user's norm of ``(t, y, a, *g)`` (see :func:`sciml.integrate.solve_ivp`'s
    ``adjoint_norm``); ``state_norm``: the forward solve's own (user) norm of a flat state, used
    on ``y`` and ``a`` by the default norm; ``callbacks_of``: the object whose ``*_adjoint``
    step callbacks to call.
    """

    def __init__(self, rtol, atol, tableau, seminorm: bool = False, step_size=None, norm=None, state_norm=None,
                 callbacks_of=None):
        self.rtol, self.atol, self.tableau = rtol, atol, tableau
        self.seminorm = seminorm
        self.step_size = step_size
        self.norm = norm
        self.state_norm = state_norm
        self.callbacks_of = callbacks_of


class _AugmentedDynamics:
    """``(t, [y, a, g]) -> [f, −aᵀ∂f/∂y, −aᵀ∂f/∂θ]`` on one flat vector."""

    def __init__(self, flat_func, n: int, params: tuple, retain: bool = False):
        self.flat_func = flat_func
        self.n = n
        self.params = params
        self.retain = retain  # see checkpoint.retain_for: graphs every evaluation's backward walks again

    def __call__(self, t, z):
        n = self.n
        y, a = z[:n], z[n:2 * n]
        with torch.enable_grad():
            y = y.detach().requires_grad_(True)
            f = self.flat_func(t, y)
            # a field that depends on neither y nor the parameters (f(t) only) has nothing to propagate
            grads = torch.autograd.grad(f, (y, *self.params), -a, allow_unused=True, retain_graph=self.retain) \
                if f.requires_grad else (None,) * (1 + len(self.params))
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

        aug = _AugmentedDynamics(flat_func, n, params, retain_for(term.func, params))
        aug_packer = StatePacker(torch.zeros(2 * n + sum(n_params), dtype=ys.dtype, device=ys.device), 0)
        aug_term = ODETerm(aug, aug_packer, term.t_dtype, term.device)
        unpack = _augmented_unpacker(packer, n, params)
        callbacks = None
        if adjoint.callbacks_of is not None:
            callbacks = StepCallbacks.of(adjoint.callbacks_of, adjoint.tableau, aug_term, unpack, adjoint=True)
        opts = replace(runner.opts, tableau=adjoint.tableau, rtol=adjoint.rtol, atol=adjoint.atol,
                       norm=_adjoint_norm(adjoint, packer, n, n_params, unpack), first_step=None,
                       step_size=adjoint.step_size, progress=False, callbacks=callbacks)
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
                                  hint="loosen adjoint_rtol/adjoint_atol or raise max_steps "
                                       "(options['max_num_steps'] with odeint_adjoint)")
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


def _augmented_unpacker(packer, n: int, params: tuple):
    """Flat ``[y, a, g]`` to ``(y, a, *g)``: ``y`` and ``a`` in the state's layout, each ``g`` its parameter's shape."""
    sizes = [p.numel() for p in params]

    def unpack(z):
        parts = [packer.unpack(z[:n]), packer.unpack(z[n:2 * n])]
        out = []
        for part in parts:
            out.extend(part if isinstance(part, tuple) else (part,))
        start = 2 * n
        for p, m in zip(params, sizes):
            out.append(z[start:start + m].view(p.shape))
            start += m
        return tuple(out)

    return unpack


def _adjoint_norm(adjoint: AdjointOptions, packer, n: int, n_params: list, unpack):
    """The backward solve's error norm of the flat augmented vector (see the module docstring)."""
    if adjoint.norm is not None:
        user = adjoint.norm

        def norm(z):
            return user((z.new_zeros(()), *unpack(z)))

        return norm
    if adjoint.state_norm is not None:
        state_norm = adjoint.state_norm
        params_norm = mixed_rms_norm(_param_segments(2 * n, n_params)) \
            if not adjoint.seminorm and sum(n_params) else None

        def norm(z):
            values = [torch.as_tensor(state_norm(z[:n])), torch.as_tensor(state_norm(z[n:2 * n]))]
            if params_norm is not None:
                values.append(params_norm(z))
            return torch.stack([v.to(z.dtype).reshape(()) for v in values]).max()

        return norm
    parts = packer.segments()
    segments = parts + [(a + n, b + n) for a, b in parts]
    if not adjoint.seminorm:
        segments += _param_segments(2 * n, n_params)
    return mixed_rms_norm(segments)


def _param_segments(start: int, n_params: list) -> list:
    out = []
    for m in n_params:
        out.append((start, start + m))
        start += m
    return out


def solve_backsolve(runner: Runner, adjoint: AdjointOptions, y0: torch.Tensor, params: tuple, k1=None):
    return _Backsolve.apply(runner, adjoint, k1, y0, *params)
