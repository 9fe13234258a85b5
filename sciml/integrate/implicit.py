"""The implicit steps: diagonally implicit (ESDIRK) with simplified Newton, and Rosenbrock.

Both keep the explicit stepper's interface (:class:`sciml.integrate.stepper.ExplicitStepper`):
``step(t, y, h, h_vec, k1) -> (y1, stages, failed)`` where the stages ``k_i`` are slopes
(``y1 = y0 + h Σ b_i k_i``), so the loop's error estimate ``h Σ e_i k_i``, the dense output
``y0 + h Σ b_i(θ) k_i``, the checkpoint records and events are shared with the explicit
methods. One routine per family, driven by the tableau (:mod:`sciml.integrate.tableaus`).

ESDIRK (Kværnø 2004): every implicit stage solves ``Y = R + hγ f(t_i, Y)`` by simplified
Newton with ``M = I − hγJ``, one LU factorisation (``torch.linalg.lu_factor``) shared by all
stages and reused across steps while ``hγ`` and ``J`` are unchanged. The Jacobian is kept
from step to step while Newton contracts fast and recomputed when it does not (or after
a failure); the convergence test is Hairer & Wanner's (Solving ODEs II, IV.8):
``η ‖ΔY‖ ≤ κ`` with ``η = θ/(1 − θ)``, ``θ`` the observed contraction rate, in the
solver's scaled norm. A failed Newton solve rejects the step: with a stale Jacobian the
step is retried at the same size with a fresh one, otherwise at half the size.

Rosenbrock (Hairer & Wanner II, IV.7): ``(I/(hγ) − J) u_i = f(Y_i) + Σ_j C_ij u_j / h + h d_i f_t``,
one Jacobian and one LU per step, no iteration (and so no host synchronisation).

Gradients. Newton iterations are never differentiated. Each ESDIRK stage value ``Y*`` is
attached to the graph by the implicit-function theorem: with ``r = R + hγ f(t_i, sg(Y*))``
(differentiable in ``R`` and in the parameters of ``f``), :class:`_StageSolve` returns ``Y*``
and maps an incoming gradient ``g`` to ``(I − hγ J(Y*))⁻ᵀ g`` — the exact derivative of
the stage equation's root. Rosenbrock steps are explicit functions of ``J`` and LU solves,
so autograd differentiates them directly (the Jacobian is built with ``create_graph``).
Both give the exact gradient of the discrete solution for ``direct`` and ``checkpoint``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sciml.integrate.jacobian import JacobianEvaluator
from sciml.integrate.stepper import combine, stage_time

__all__ = ["ImplicitOptions", "DIRKStepper", "RosenbrockStepper", "simplified_newton"]


@dataclass
class ImplicitOptions:
    """Settings of the implicit methods (see :func:`sciml.integrate.solve_ivp`)."""

    jac: object = None  # user Jacobian jac(t, y) of the flattened state
    newton_tol: float | None = None  # κ; default Hairer's max(10 ε/rtol, min(0.03, √rtol))
    max_newton_iter: int | None = None  # None: the method's own default (ESDIRK 10, BDF 4)
    jac_reuse: float = 0.1  # keep J for the next step when Newton contracted at least this fast


def _newton_kappa(opts, dtype) -> float:
    if opts.implicit.newton_tol is not None:
        return float(opts.implicit.newton_tol)
    rtol = opts.rtol
    r = float(rtol.min()) if isinstance(rtol, torch.Tensor) else float(rtol)
    if r <= 0:
        return 0.03
    eps = torch.finfo(dtype).eps
    return max(10 * eps / r, min(0.03, math.sqrt(r)))


class _StageSolve(torch.autograd.Function):
    """Identity in value (``Y*``); backward ``g ↦ (I − hγ J(Y*))⁻ᵀ g`` (implicit-function theorem)."""

    @staticmethod
    def forward(ctx, r, y_star, stepper, t_i, hg):
        ctx.stepper, ctx.t_i, ctx.hg = stepper, t_i, hg
        ctx.save_for_backward(y_star)
        return y_star.clone()

    @staticmethod
    def backward(ctx, grad):
        (y_star,) = ctx.saved_tensors
        stepper = ctx.stepper
        J, _, _ = stepper.jac(ctx.t_i, y_star, with_time=False, differentiable=False)
        hg = ctx.hg
        if isinstance(hg, torch.Tensor):
            hg = hg[..., None]  # (B, 1, 1)
        M = stepper._eye(J.shape[-1]) - hg * J
        lam = torch.linalg.solve(M.transpose(-1, -2), grad.unsqueeze(-1)).squeeze(-1)
        return lam, None, None, None, None


class _ImplicitBase:
    """What both implicit families share: the term, Jacobian evaluator, statistics."""

    implicit = True

    def __init__(self, term, method, opts, dtype, device, independent: bool, differentiable: bool):
        self.term = term
        self.method = method
        self.tab = method.tensors(dtype, device)
        self.opts = opts
        self.independent = independent
        self.differentiable = differentiable
        user_jac = opts.implicit.jac if opts.implicit is not None else None
        self.jac = JacobianEvaluator(term, independent, user_jac)
        self.dtype, self.device = dtype, device
        self.eye = None
        self.k1 = None
        self.saved = None
        self.retry = 1.0
        self.n_lu = 0
        self.n_newton = 0
        self.n_newton_failures = 0
        self.J = None

    def _eye(self, n: int) -> torch.Tensor:
        if self.eye is None or self.eye.shape[-1] != n:
            self.eye = torch.eye(n, dtype=self.dtype, device=self.device)
        return self.eye

    def stats(self) -> dict:
        return {"n_jac_evals": self.jac.n_evals, "n_lu": self.n_lu, "n_newton_iters": self.n_newton,
                "n_newton_failures": self.n_newton_failures}

    def spectral_bound(self) -> float:
        """``min(‖J‖∞, ‖J‖₁)`` at the last Jacobian: an upper bound of its spectral radius (stiffness estimate)."""
        if self.J is None:
            return 0.0
        with torch.no_grad():
            J = self.J.detach()
            return float(torch.minimum(torch.linalg.matrix_norm(J, ord=math.inf),
                                       torch.linalg.matrix_norm(J, ord=1)).max())

    def _scale(self, y):
        with torch.no_grad():
            return torch.abs(y.detach()).mul_(self.opts.rtol).add_(self.opts.atol)


def _lu_solve(LU, piv, b):
    return torch.linalg.lu_solve(LU, piv, b.unsqueeze(-1)).squeeze(-1)


def simplified_newton(term, t, R, Y, hg, solve, scale, norm, kappa: float, max_iter: int, eta: float,
                      lookahead: bool = False):
    """Solve ``Y = R + hg·f(t, Y)`` (one flat state) by simplified Newton from the guess ``Y``.

    ``solve(b)`` applies ``(I − hg·J)⁻¹``. Converged when ``η‖ΔY‖ ≤ κ`` in the scaled norm, with
    ``η = θ/(1 − θ)`` from the observed contraction ``θ`` (at the first iteration the previous
    solve's ``η^0.8``); failed on NaN/Inf, on ``θ ≥ 0.99`` (``θ ≥ 1`` with ``lookahead``), or, with
    ``lookahead``, when ``θ`` is too slow to reach ``κ`` in the iterations left (Hairer & Wanner II,
    IV.8). Returns ``(Y, converged, η, iterations, largest θ)``.
    """
    prev = None
    theta_max = 0.0
    limit = 1.0 if lookahead else 0.99
    for it in range(max_iter):
        dY = solve(torch.add(R - Y, term(t, Y), alpha=hg))
        nrm = float(norm(dY / scale))
        if not math.isfinite(nrm):
            return Y, False, eta, it + 1, theta_max
        if prev is not None:
            theta = nrm / prev if prev > 0 else 0.0
            theta_max = max(theta_max, theta)
            if theta >= limit or (lookahead and theta ** (max_iter - it) / (1.0 - theta) * nrm > kappa):
                return Y, False, eta, it + 1, theta_max
            eta = theta / (1.0 - theta)
        else:
            eta = max(eta, 1e-16) ** 0.8
        Y = Y + dY
        if eta * nrm <= kappa or nrm == 0.0:
            return Y, True, eta, it + 1, theta_max
        prev = nrm
    return Y, False, eta, max_iter, theta_max


class DIRKStepper(_ImplicitBase):
    """ESDIRK steps over a :class:`~sciml.integrate.tableaus.esdirk.DIRKTableau`."""

    def __init__(self, term, method, opts, dtype, device, independent, differentiable):
        super().__init__(term, method, opts, dtype, device, independent, differentiable)
        self.kappa = _newton_kappa(opts, dtype)
        self.max_iter = opts.implicit.max_newton_iter or 10
        self.reuse = opts.implicit.jac_reuse
        self.LU = self.piv = None
        self.lu_hg = None
        self.fresh = None  # J evaluated at the current step's start (joint: bool; independent: (B,))
        self.need_jac = None
        self.eta = 1.0  # Hairer's FACCON: the last contraction factor θ/(1 − θ)
        self.theta_max = 0.0

    # ----------------------------------------------------------------------------- joint and batch
    def step(self, t, y, h, h_vec, k1):
        if k1 is None:
            k1 = self.term(t, y)
        self.k1 = k1
        if self.independent:
            return self._step_batch(t, y, h, h_vec, k1)
        return self._step_joint(t, y, h, h_vec, k1)

    def _prepare_joint(self, t, y, hg):
        n = y.shape[-1]
        eye = self._eye(n)
        if self.J is None or self.need_jac:
            with torch.no_grad():
                self.J, _, _ = self.jac(t, y, with_time=False, differentiable=False)
            self.fresh, self.need_jac = True, False
            self.lu_hg = None
        if self.lu_hg != hg:
            with torch.no_grad():
                self.LU, self.piv = torch.linalg.lu_factor(eye - hg * self.J)
            self.lu_hg = hg
            self.n_lu += 1

    def _step_joint(self, t, y, h, h_vec, k1):
        hg = h * self.tab.gamma
        self._prepare_joint(t, y, hg)
        scale = self._scale(y)
        self.theta_max = 0.0

        def solve(t_i, R, guess, failed):
            Y_star, ok = self._newton_joint(t_i, R, guess, hg, scale)
            return Y_star, (not ok)

        Y, ks, failed = self._stages(t, y, h, h_vec, k1, hg, hg, solve, stop_on_failure=True)
        if failed:
            self.n_newton_failures += 1
            if not self.fresh:
                self.need_jac, self.retry = True, 1.0  # retry the same step with a fresh Jacobian
            else:
                self.retry = 0.5
            return y, ks, True
        return Y, ks, False

    def _stages(self, t, y, h, h_vec, k1, hg, hg_div, solve, stop_on_failure):
        """The stage loop: ``R_i`` explicitly, ``Y_i`` by ``solve`` (Newton), ``k_i = (Y_i − R_i)/(hγ)``."""
        tab = self.tab
        ks = [k1]
        Ys = [y.detach()]
        Y = y
        failed = False
        for i in range(1, len(tab.c)):
            t_i = stage_time(t, tab.c[i], h_vec)
            R = combine(y, ks, tab.a[i], h)
            with torch.no_grad():
                guess = combine(R.detach(), [k.detach() for k in ks], tab.predictor[i], hg)
                Y_star, fail = solve(t_i, R.detach(), guess, failed)
            failed = failed | fail
            if stop_on_failure and failed:
                return y, ks, True
            Y = self._attach(t_i, R, Y_star, hg) if self.differentiable else Y_star
            ks.append((Y - R) / hg_div)
            Ys.append(Y_star)
        self.saved = torch.stack(Ys)
        return Y, ks, failed

    def _newton_joint(self, t_i, R, Y, hg, scale):
        Y, ok, eta, iters, theta_max = simplified_newton(
            self.term, t_i, R, Y, hg, lambda b: _lu_solve(self.LU, self.piv, b), scale, self.opts.norm, self.kappa,
            self.max_iter, self.eta)
        self.n_newton += iters
        self.theta_max = max(self.theta_max, theta_max)
        if ok:
            self.eta = eta
        return Y, ok

    def _attach(self, t_i, R, Y_star, hg):
        t_i = self.term.at(t_i)  # the backward pass's Jacobian at the time the stage saw (jump_t, perturb)
        r = R + hg * self.term(t_i, Y_star)
        return _StageSolve.apply(r, Y_star, self, t_i, hg)

    def restart(self) -> None:
        """Past a discontinuity (``jump_t``) the Jacobian of the step before says nothing."""
        self.need_jac = True

    def after(self, accepted, h, t=None):
        """Jacobian bookkeeping once the loop has accepted or rejected the step."""
        if self.independent:
            acc = accepted
            self.fresh = self.fresh & ~acc
            self.need_jac = self.need_jac | (acc & (self.theta_max_b > self.reuse))
            return None
        if accepted:
            self.fresh = False
            self.need_jac = self.theta_max > self.reuse
        return None

    def _prepare_batch(self, t, y, hg):
        B, n = y.shape
        eye = self._eye(n)
        if self.J is None:
            self.need_jac = torch.ones(B, dtype=torch.bool, device=y.device)
            self.fresh = torch.zeros(B, dtype=torch.bool, device=y.device)
            self.eta_b = torch.ones(B, dtype=y.dtype, device=y.device)
        if bool(self.need_jac.any()):
            with torch.no_grad():
                J_new, _, _ = self.jac(t, y, with_time=False, differentiable=False)
            self.J = J_new if self.J is None else torch.where(self.need_jac[:, None, None], J_new, self.J)
            self.fresh = self.fresh | self.need_jac
            self.need_jac = torch.zeros_like(self.need_jac)
        with torch.no_grad():
            self.LU, self.piv = torch.linalg.lu_factor(eye - hg[..., None] * self.J)
        self.n_lu += 1

    def _step_batch(self, t, y, h, h_vec, k1):
        frozen = (h_vec == 0)
        hg = h * self.tab.gamma  # (B, 1)
        hg_div = torch.where(frozen[:, None], torch.ones_like(hg), hg)
        self._prepare_batch(t, y, hg)
        scale = self._scale(y)
        self.theta_max_b = torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)

        def solve(t_i, R, guess, failed):
            return self._newton_batch(t_i, R, guess, hg, scale, ~(frozen | failed))

        Y, ks, failed = self._stages(t, y, h, h_vec, k1, hg, hg_div, solve, stop_on_failure=False)
        if bool(failed.any()):
            self.n_newton_failures += int(failed.sum())
            stale = failed & ~self.fresh
            self.need_jac = self.need_jac | stale
            self.retry = torch.where(stale, 1.0, 0.5).to(y.dtype)
            return Y, ks, failed
        return Y, ks, None

    def _newton_batch(self, t_i, R, Y, hg, scale, active):
        norm, kappa, max_iter = self.opts.norm, self.kappa, self.max_iter
        B = Y.shape[0]
        conv = ~active
        fail = torch.zeros(B, dtype=torch.bool, device=Y.device)
        eta = self.eta_b
        prev = torch.ones(B, dtype=Y.dtype, device=Y.device)
        zero = torch.zeros((), dtype=Y.dtype, device=Y.device)
        for it in range(max_iter):
            todo = ~conv & ~fail
            if not bool(todo.any()):
                break
            res = R - Y + hg * self.term(t_i, Y)
            dY = torch.where(todo[:, None], _lu_solve(self.LU, self.piv, res), zero)
            Y = Y + dY
            self.n_newton += 1
            nrm = norm(dY / scale)
            finite = torch.isfinite(nrm)
            if it > 0:
                theta = torch.where(prev > 0, nrm / prev, zero)
                self.theta_max_b = torch.where(todo, torch.maximum(self.theta_max_b, theta), self.theta_max_b)
                bad = ~finite | (theta >= 0.99)
                eta_new = theta.clamp(max=0.99) / (1 - theta.clamp(max=0.99))
            else:
                bad = ~finite
                eta_new = eta.clamp(min=1e-16) ** 0.8
            bad = todo & bad
            ok = todo & ~bad & ((eta_new * nrm <= kappa) | (nrm == 0))
            eta = torch.where(ok, eta_new, eta)
            fail = fail | bad
            conv = conv | ok
            prev = torch.where(todo, nrm, prev)
        self.eta_b = eta
        return Y, fail | ~conv

    def record(self):
        return self.saved

    def replay(self, t, y, h, h_vec, saved):
        """Recompute a stored step differentiably from its start ``y`` and stored stage values."""
        tab = self.tab
        hg = h * tab.gamma
        if self.independent:
            hg_div = torch.where(h_vec[:, None] == 0, torch.ones_like(hg), hg)
        else:
            hg_div = hg
        ks = [self.term(t, y)]
        Y = y
        for i in range(1, len(tab.c)):
            t_i = stage_time(t, tab.c[i], h_vec)
            R = combine(y, ks, tab.a[i], h)
            Y = self._attach(t_i, R, saved[i], hg)
            ks.append((Y - R) / hg_div)
        return Y, ks


class RosenbrockStepper(_ImplicitBase):
    """Rosenbrock steps over a :class:`~sciml.integrate.tableaus.rosenbrock.RosenbrockTableau`."""

    def __init__(self, term, method, opts, dtype, device, independent, differentiable):
        super().__init__(term, method, opts, dtype, device, independent, differentiable)
        self.stale = True
        self.ft = None

    def step(self, t, y, h, h_vec, k1):
        if self.J is None or self.stale:
            J, ft, f = self.jac(t, y, with_time=True, differentiable=self.differentiable)
            self.J, self.ft, self.stale = J, ft, False
            if k1 is None:
                k1 = f
        if k1 is None:
            k1 = self.term(t, y)
        self.k1 = k1
        y1, ks = self._stages(t, y, h, h_vec, k1, self.J, self.ft)
        return y1, ks, None

    def _stages(self, t, y, h, h_vec, k1, J, ft):
        tab = self.tab
        n = y.shape[-1]
        eye = self._eye(n)
        if self.independent:
            h = torch.where(h_vec[:, None] == 0, torch.ones_like(h), h)  # frozen systems: any finite step
            W = eye / (h * tab.gamma)[..., None] - J
        else:
            W = eye / (h * tab.gamma) - J
        LU, piv = torch.linalg.lu_factor(W)
        self.n_lu += 1
        us = []
        for i in range(len(tab.c)):
            if i == 0:
                rhs = k1
            else:
                U = torch.stack(us, dim=-1)  # (..., N, i)
                if self.independent:
                    comb = (U[..., None] * tab.ac[i]).sum(-2)  # (B, N, 2): same rounding at any batch size
                else:
                    comb = U @ tab.ac[i]  # (N, 2)
                Yi = y + comb[..., 0]
                rhs = self.term(stage_time(t, tab.c[i], h_vec), Yi) + comb[..., 1] / h
            if tab.d[i] != 0.0 and ft is not None:
                rhs = rhs + (h * tab.d[i]) * ft
            us.append(_lu_solve(LU, piv, rhs))
        ks = [u / h for u in us]
        y1 = combine(y, ks, tab.b, h)
        return y1, ks

    def restart(self) -> None:
        self.stale = True

    def after(self, accepted, h, t=None):
        if self.independent:
            if bool(accepted.any()):
                self.stale = True
        elif accepted:
            self.stale = True
        return None

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        J, ft, k1 = self.jac(t, y, with_time=True, differentiable=True)
        return self._stages(t, y, h, h_vec, k1, J, ft)
