"""The stochastic adjoint: gradients by solving an SDE backwards on the same Brownian path.

For a Stratonovich SDE ``dY = f dt + Σ_k σ_k ∘ dW^k`` the augmented state ``Z = (y, a, a_θ)`` satisfies,
in reversed time ``s = -t`` and driven by the same increments (Li, Wong, Chen & Duvenaud, "Scalable
gradients for stochastic differential equations", AISTATS 2020),

    dy = -f ds - Σ σ_k ∘ dW^k,   da = aᵀ∂f/∂y ds + Σ aᵀ∂σ_k/∂y ∘ dW^k,   da_θ = aᵀ∂f/∂θ ds + Σ aᵀ∂σ_k/∂θ ∘ dW^k.

For an Itô SDE (drift ``b``) the same system is solved in Itô form, with drift
``(-b + Σ J_k σ_k,  aᵀ∂b/∂(y,θ) - ∂/∂(y,θ)[aᵀ J_k σ_k]|_{σ_k fixed})`` (``J_k = ∂σ_k/∂y``): the Stratonovich
correction of the forward SDE and the Itô correction of the backward one combined (it agrees with
torchsde's formulas term by term). Between output times the state ``y`` is reset to the stored forward
value, and without ``adjoint_adaptive`` the backward solve retraces the forward step grid exactly.
The backward method is any of euler / milstein (Itô), midpoint / heun / euler_heun / milstein
(Stratonovich); Milstein's derivative term for the augmented system (diagonal or scalar forward noise)
is computed in closed form from ``g``, ``∂g/∂y`` and one more vector–Jacobian product.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from sciml.errors import InputError
from sciml.integrate.brownian import ReverseBrownian
from sciml.integrate.sde import checks
from sciml.integrate.sde.api import _check_unused, initial_extra, parse_return, prepare, solve
from sciml.integrate.sde.derivatives import diagonal_derivative, jvp, vjp
from sciml.integrate.sde.loop import grid_increments, integrate_adaptive
from sciml.integrate.sde.names import NOISE_TYPES, SDE_TYPES
from sciml.integrate.sde.solvers import make_stepper

__all__ = ["sdeint_adjoint", "AdjointTerm", "default_adjoint_method"]


class AdjointTerm:
    """The augmented backward SDE on a flat state ``[y, a, a_θ]``, for the generic steppers."""

    def __init__(self, forward, params, y_shape):
        self.forward = forward
        self.params = list(params)
        self.noise_type = forward.noise_type
        self.sde_type = forward.sde_type
        self.shape = y_shape
        self.n = y_shape[0] * y_shape[1]
        self.has_g = False
        self.ito = forward.sde_type == SDE_TYPES.ito and forward.noise_type != NOISE_TYPES.additive

    def _split(self, z):
        n = self.n
        y = z[:n].view(self.shape).detach().requires_grad_(True)
        a = z[n:2 * n].view(self.shape)
        return y, a

    def _pack(self, y_part, grads):
        return torch.cat([y_part.reshape(-1), *[g.reshape(-1) for g in grads]])

    def _ito_correction(self, y, g):
        """``Σ_k J_k σ_k`` with ``σ_k`` held fixed (so its derivative is that of ``J_k`` only), graph kept."""
        if self.noise_type == NOISE_TYPES.diagonal:
            return diagonal_derivative(g, y) * g.detach()
        return sum(jvp(g[..., k], y, g[..., k].detach()) for k in range(g.shape[-1]))

    def f(self, s, z):
        y, a = self._split(z)
        t = -s
        with torch.enable_grad():
            if self.ito:
                b, g = self.forward.f_and_g(t, y)
                corr = self._ito_correction(y, g)
                grads = vjp(b - corr, [y, *self.params], a)
                return self._pack(corr.detach() - b.detach(), grads)
            b = self.forward.f(t, y)
            return self._pack(-b.detach(), vjp(b, [y, *self.params], a))

    def g_prod(self, s, z, v):
        y, a = self._split(z)
        with torch.enable_grad():
            gp = self.forward.g_prod(-s, y, v)
            return self._pack(-gp.detach(), vjp(gp, [y, *self.params], a))

    def f_and_g_prod(self, s, z, v):
        return self.f(s, z), self.g_prod(s, z, v)

    def gdg_prod(self, s, z, v1, v2):
        """Milstein's ``Σ_k (∂G_k/∂Z) G_k v2_k`` for the augmented diffusion ``G``, with ``G·v1``."""
        if self.noise_type == NOISE_TYPES.additive:
            return self.g_prod(s, z, v1), 0.0
        y, a = self._split(z)
        inputs = [y, *self.params]
        with torch.enable_grad():
            g = self.forward.g(-s, y)
            if self.noise_type == NOISE_TYPES.diagonal:
                dg = diagonal_derivative(g, y)
                gp = g * v1
                prod_part = vjp(gp, inputs, a)
                c1 = (a * v2 * dg).detach()
                c2 = (a * v2 * g).detach()
                q = vjp((c1 * g - c2 * dg).sum(), inputs, None)
                y_part = (g * dg * v2).detach()
            else:  # scalar: one channel per path, all state components
                column = g.squeeze(-1)
                gp = column * v1
                prod_part = vjp(gp, inputs, a)
                w = v2 * column.detach()  # σ v2 held fixed
                jsig = jvp(column, y, w)  # J σ v2 with graph through J
                (a_jac,) = vjp(column, [y], a)  # aᵀJ
                hess = vjp((a * jsig).sum(), inputs, None)  # ∂[aᵀ J σ v2]
                vjp_sigma = vjp(column, inputs, (a_jac * v2).detach())  # (aᵀJ v2) ∂σ
                q = [vs - h for vs, h in zip(vjp_sigma, hess)]
                y_part = jsig.detach()
        return self._pack(-gp.detach(), prod_part), self._pack(y_part, q)


def default_adjoint_method(method: str, sde_type: str, noise_type: str) -> str:
    if method == "reversible_heun":
        return "adjoint_reversible_heun"
    if sde_type == SDE_TYPES.ito:
        return "milstein" if noise_type == NOISE_TYPES.diagonal else "euler"
    return "midpoint"


def _check_adjoint_method(adjoint_method, method, sde_type, noise_type, options):
    stepper = checks.check_method(adjoint_method, sde_type, noise_type, "adjoint_method", adjoint=True)
    if adjoint_method == "adjoint_reversible_heun":
        if method != "reversible_heun":
            raise InputError("adjoint_method", "'adjoint_reversible_heun' only with method='reversible_heun'",
                             repr(adjoint_method))
        return stepper
    options = checks.check_options(options, adjoint_method, "adjoint_options")
    stepper = make_stepper(adjoint_method, sde_type, noise_type, options)
    if not stepper.adjoint_ok:
        hint = "use adjoint_options=dict(grad_free=False)" if adjoint_method == "milstein" else \
            "use euler or milstein (Itô) or midpoint / heun (Stratonovich) for the backward solve"
        raise InputError("adjoint_method", "a method that needs only products g·v (the adjoint SDE offers no "
                                           "diffusion matrix)", repr(adjoint_method), hint)
    if adjoint_method == "milstein" and noise_type == NOISE_TYPES.general:
        raise InputError("adjoint_method", "a method for general noise", repr(adjoint_method))
    return stepper


class _Adjoint(torch.autograd.Function):
    """Forward: the solve without a graph. Backward: the augmented SDE from the last output time to the first."""

    @staticmethod
    def forward(ctx, p, cfg, n_extra, y0, *extra_and_params):
        extra0 = tuple(x.detach() for x in extra_and_params[:n_extra])
        params = extra_and_params[n_extra:]
        with torch.no_grad():
            ys, extra_T, stats = solve(p, y0.detach(), extra0)
        ctx.p, ctx.cfg, ctx.n_extra, ctx.stats = p, cfg, n_extra, stats
        ctx.save_for_backward(ys, *params)
        return (ys, *extra_T)

    @staticmethod
    def backward(ctx, grad_ys, *grad_extra):
        ys, *params = ctx.saved_tensors
        p, cfg, stats = ctx.p, ctx.cfg, ctx.stats
        term = AdjointTerm(p.term, params, tuple(ys.shape[1:]))
        n = term.n
        a = grad_ys[-1].reshape(-1)
        a_params = torch.cat([torch.zeros(x.numel(), dtype=ys.dtype, device=ys.device) for x in params]) \
            if params else ys.new_zeros(0)
        grid = stats.grid if stats is not None else p.ts_list
        out_index = [grid.index(t) for t in p.ts_list] if stats is not None else [0]
        t_dtype = p.ts.dtype
        with torch.no_grad():
            for i in range(len(p.ts_list) - 1, 0, -1):
                z = torch.cat([ys[i].reshape(-1), a, a_params])
                if cfg["adaptive"]:
                    s_grid = [-p.ts_list[i], -p.ts_list[i - 1]]
                    zs, _, _ = integrate_adaptive(cfg["stepper"], term, z, (), s_grid, ReverseBrownian(p.bm), p.dt,
                                                  cfg["rtol"], cfg["atol"], p.dt_min, t_dtype, p.term.noise_type)
                    z = zs[-1]
                else:
                    z = _retrace(cfg["stepper"], term, z, grid[out_index[i - 1]:out_index[i] + 1], p.bm, t_dtype)
                a = z[n:2 * n] + grad_ys[i - 1].reshape(-1)
                a_params = z[2 * n:]
        grads = list(torch.split(a_params, [x.numel() for x in params])) if params else []
        grads = [g.view_as(x) for g, x in zip(grads, params)]
        with torch.enable_grad():
            out = first_order_only((a.view_as(ys[0]), *grads))
        return (None, None, None, out[0], *([None] * ctx.n_extra), *out[1:])


class _FirstOrderOnly(torch.autograd.Function):
    """Passes gradients through; differentiating them again raises instead of silently giving zero."""

    @staticmethod
    def forward(ctx, _anchor, *grads):
        return tuple(g.clone() for g in grads)

    @staticmethod
    def backward(ctx, *_):
        raise InputError("create_graph", "first derivatives only from sdeint_adjoint", "a second derivative",
                         "for higher derivatives backpropagate through sdeint")


def first_order_only(grads: tuple) -> tuple:
    """Under ``create_graph=True`` the first derivatives are still right, but a second one would need the
    adjoint of the adjoint: mark them so that asking for it fails loudly."""
    if not torch.is_grad_enabled():
        return grads
    live = [i for i, g in enumerate(grads) if g is not None]
    anchor = torch.zeros((), requires_grad=True)
    out = list(grads)
    for i, g in zip(live, _FirstOrderOnly.apply(anchor, *[grads[i] for i in live])):
        out[i] = g
    return tuple(out)


def _retrace(stepper, term, z, segment, bm, t_dtype):
    """The forward grid's cells of one output interval, last to first, on the same increments."""
    W, _, _ = grid_increments(bm, segment, False, False)
    times = torch.tensor([-t for t in segment], dtype=t_dtype, device=z.device).unbind(0)
    for k in range(len(segment) - 2, -1, -1):
        z, _ = stepper.step(term, times[k + 1], times[k], segment[k + 1] - segment[k], z, W[k], None, None, ())
    return z


def sdeint_adjoint(sde, y0, ts, bm=None, method=None, adjoint_method=None, dt=1e-3, adaptive=False,
                   adjoint_adaptive=False, rtol=1e-5, adjoint_rtol=1e-5, atol=1e-4, adjoint_atol=1e-4, dt_min=1e-5,
                   options=None, adjoint_options=None, adjoint_params=None, names=None, logqp=False, extra=False,
                   extra_solver_state=None, **unused_kwargs):
    """:func:`~sciml.integrate.sde.api.sdeint` with gradients by the stochastic adjoint (torchsde's
    ``sdeint_adjoint``): memory for the outputs only, not for every step.

    ``adjoint_method`` (default: ``milstein`` for Itô diagonal noise, ``euler`` for other Itô noise,
    ``midpoint`` for Stratonovich, ``adjoint_reversible_heun`` for ``method='reversible_heun'``) solves the
    backward SDE; ``adjoint_reversible_heun`` is the algebraically reversible adjoint of Kidger et al.
    (2021): the exact gradient of the discrete forward solve. ``adjoint_params``: the tensors to
    differentiate (default ``sde.parameters()``; ``sde`` must then be an ``nn.Module``).
    """
    _check_unused(unused_kwargs, "sdeint_adjoint")
    if adjoint_params is None and not isinstance(sde, nn.Module):
        raise InputError("sde", "an nn.Module so that its parameters can be found", type(sde).__name__,
                         "or pass adjoint_params=(...) (adjoint_params=() when there are none)")
    p = prepare(sde, y0, ts, bm, method, dt, adaptive, rtol, atol, dt_min, options, names, logqp)
    params = _adjoint_params(sde, adjoint_params)
    noise, kind = p.term.noise_type, p.term.sde_type
    adjoint_method = default_adjoint_method(p.method, kind, noise) if adjoint_method is None else adjoint_method
    stepper = _check_adjoint_method(adjoint_method, p.method, kind, noise, adjoint_options)
    if not isinstance(adjoint_adaptive, bool):
        raise InputError("adjoint_adaptive", "True or False", repr(adjoint_adaptive))
    if p.method == "reversible_heun" and adjoint_method != "adjoint_reversible_heun":
        warnings.warn(f"method='reversible_heun', but adjoint_method={adjoint_method!r} (not the exact "
                      "'adjoint_reversible_heun').", stacklevel=2)
    if kind == SDE_TYPES.ito and noise != NOISE_TYPES.additive and not p.term.has_g:
        raise InputError("sde", "the diffusion matrix g (or f_and_g) for the adjoint of an Itô SDE", "only g_prod",
                         "the Itô–Stratonovich correction differentiates g itself")
    extra0 = initial_extra(p, extra_solver_state)
    if adjoint_method == "adjoint_reversible_heun":
        from sciml.integrate.sde.reversible import reversible_adjoint

        ys, extra_T = reversible_adjoint(p, extra0, params)
    else:
        cfg = {"stepper": stepper, "adaptive": adjoint_adaptive,
               "rtol": checks.check_positive(adjoint_rtol, "adjoint_rtol", allow_zero=True),
               "atol": checks.check_positive(adjoint_atol, "adjoint_atol", allow_zero=True)}
        ys, *extra_T = _Adjoint.apply(p, cfg, len(extra0), p.y0, *extra0, *params)
        extra_T = tuple(extra_T)
    return parse_return(p, ys, extra_T, extra)


def _adjoint_params(sde, adjoint_params) -> tuple:
    params = tuple(sde.parameters()) if adjoint_params is None else tuple(adjoint_params)
    seen, unique = set(), []
    for i, x in enumerate(params):
        if not isinstance(x, torch.Tensor):
            raise InputError(f"adjoint_params[{i}]", "a tensor", type(x).__name__)
        if x.requires_grad and id(x) not in seen:
            seen.add(id(x))
            unique.append(x)
    return tuple(unique)
