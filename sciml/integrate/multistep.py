"""The variable-order, quasi-constant-step BDF/NDF stepper (joint mode).

The method's memory is the array ``D`` of backward differences ``∇ʲy_n`` (``j = 0..k+2``)
at the current spacing ``h``. A step predicts ``y⁽⁰⁾ = Σ_{j≤k} ∇ʲy_n``, solves
``d = (h/α_k) f(t_{n+1}, y⁽⁰⁾ + d) − ψ`` by simplified Newton with the matrix ``I − (h/α_k) J``,
and returns the new differences as its stages (see :mod:`sciml.integrate.tableaus.bdf`), so
the loop's error test, dense output and events apply unchanged. Unlike the one-step methods
it chooses its own step size *and* order (:meth:`BDFStepper.propose`): a step size or order
change rescales ``D`` to the new spacing (Shampine & Reichelt's quasi-constant step size),
and after ``k + 1`` steps of one size the error estimates of orders ``k − 1``, ``k`` and
``k + 1`` pick the order that allows the largest next step.

The Jacobian is evaluated once and reused for as long as Newton converges (a failure with
an old Jacobian re-evaluates it and retries the same step; with a fresh one the step is
halved); the LU factorisation is renewed only when ``h/α_k`` or the Jacobian changes. So a
step costs about one to three evaluations of ``f`` and no Jacobian — what makes BDF the
method of choice for large stiff systems (method-of-lines PDEs, kinetics networks).

Gradients (``gradient="direct"``): the Newton iterations are not differentiated; the
converged ``y_{n+1}`` is attached to the graph by the implicit-function theorem
(:class:`sciml.integrate.implicit._StageSolve`, the same node as an ESDIRK stage), and the
difference updates are plain tensor algebra, so autograd yields the exact derivative of
the discrete solution with respect to ``y0`` and the parameters of ``f``.

References: Shampine & Reichelt, The MATLAB ODE suite, SIAM J. Sci. Comput. 18 (1997) 1–22;
Hairer & Wanner, Solving ODEs II, IV.8 (Newton's stopping rule).
"""

from __future__ import annotations

import math

import torch

from sciml.integrate.implicit import _ImplicitBase, _lu_solve, _newton_kappa, _StageSolve, simplified_newton
from sciml.integrate.tableaus.bdf import rescale_matrix

__all__ = ["BDFStepper"]

_MIN_FACTOR = 0.2
_MAX_FACTOR = 10.0
_BDF_NEWTON_ITER = 4  # more iterations rarely converge where four did not; a smaller step is cheaper
# Up to this size the Newton matrix is inverted once and each iteration is a matrix-vector product:
# for small systems an LU solve costs ten times a product in call overhead alone. Newton corrects
# any rounding of the inverse (the residual is always evaluated exactly), so this trades nothing.
_INVERT_UP_TO = 64


class BDFStepper(_ImplicitBase):
    """Variable-order BDF/NDF steps over a :class:`~sciml.integrate.tableaus.bdf.BDFMethod`."""

    def __init__(self, term, method, opts, dtype, device, independent, differentiable):
        self.order = 1
        super().__init__(term, method, opts, dtype, device, independent, differentiable)
        self.kappa = _newton_kappa(opts, dtype)
        asked = opts.implicit.max_newton_iter
        self.max_iter = _BDF_NEWTON_ITER if asked is None else asked
        self.D = None
        self.h_D = None  # the spacing of D
        self.n_equal = 0  # steps taken with the current size and order
        self.LU = self.piv = self.inverse = None
        self.lu_c = None
        self.fresh = False  # J was evaluated at the current step's start
        self.need_jac = True
        self.eta = 1.0
        self.n_iter = 0
        self.max_step = opts.max_step
        self.pending = None

    @property
    def tab(self):
        """The current order's error and dense-output weights (what the loop reads after a step)."""
        return self.coef.orders[self.order]

    @tab.setter
    def tab(self, value):  # the base class stores method.tensors(...): every order's coefficients
        self.coef = value

    # ---------------------------------------------------------------------------------- a step
    def step(self, t, y, h, h_vec, k1):
        if self.D is None:
            self._start(y, h, k1)
        if h != self.h_D:
            self._rescale(h / self.h_D)
            self.h_D = h
        self.k1 = k1
        k, coef = self.order, self.coef
        P = coef.history[k] @ self.D[:k + 1]  # predictor, predictor − ψ, partial sums (see BDFTensors)
        y_pred, base, sums = P[0], P[1], P[2:]
        c = h / coef.alpha[k]
        t_new = self.term.time(t + h_vec)  # one time tensor for every Newton iteration
        self._prepare(t, y, c)
        with torch.no_grad():
            scale = torch.abs(y_pred.detach()).mul_(self.opts.rtol).add_(self.opts.atol)
            y_star, ok = self._newton(t_new, y_pred.detach(), base.detach(), c, scale)
        if not ok:
            self.n_newton_failures += 1
            if not self.fresh:
                self.need_jac, self.retry = True, 1.0  # retry the same step with a fresh Jacobian
            else:
                self.retry = 0.5
            return y, [], True
        if self.differentiable:  # y = (y⁽⁰⁾ − ψ) + c f(t, y): the stage equation of an ESDIRK, hγ = c
            y_new = _StageSolve.apply(base + c * self.term(t_new, y_star), y_star, self, t_new, c)
        else:
            y_new = y_star
        d = y_new - y_pred
        new = torch.cat([sums + d, d[None]])  # ∇ʲy_{n+1} = d + Σ_{m=j..k} ∇ᵐy_n (j = 1..k), then ∇^{k+1} = d
        self.pending = (y_new, new, d)
        return y_new, list(new.div(h).unbind(0)), False

    def _start(self, y, h, k1):
        K = self.coef.max_order
        D = y.new_zeros((K + 3, y.shape[-1]))
        self.D = torch.cat([y[None], (h * k1)[None], D[2:]])
        self.h_D = h
        self.order = 1
        self.n_equal = 0

    def _rescale(self, rho: float) -> None:
        """Re-express ``D`` at the spacing ``ρh`` (a new step size); the count of equal steps restarts."""
        k = self.order
        T = torch.as_tensor(rescale_matrix(k, rho), dtype=self.dtype, device=self.device)
        self.D = torch.cat([T @ self.D[:k + 1], self.D[k + 1:]])
        self.n_equal = 0

    def _prepare(self, t, y, c: float) -> None:
        """A Jacobian when asked for, and the LU of ``I − cJ`` when ``c`` or ``J`` changed."""
        if self.J is None or self.need_jac:
            with torch.no_grad():
                self.J, _, _ = self.jac(t, y.detach(), with_time=False, differentiable=False)
            self.fresh, self.need_jac = True, False
            self.lu_c = None
        if self.lu_c != c:
            with torch.no_grad():
                M = self._eye(y.shape[-1]) - c * self.J
                if M.shape[-1] <= _INVERT_UP_TO:
                    self.inverse = torch.linalg.inv(M)
                else:
                    self.inverse = None
                    self.LU, self.piv = torch.linalg.lu_factor(M)
            self.lu_c = c
            self.n_lu += 1

    def _solve(self, b):
        if self.inverse is not None:
            return torch.mv(self.inverse, b)
        return _lu_solve(self.LU, self.piv, b)

    def _newton(self, t_new, y_pred, base, c, scale):
        """``y = (y⁽⁰⁾ − ψ) + c f(t, y)`` from ``y⁽⁰⁾``, giving up early when it will not converge in time."""
        y, ok, eta, iters, _ = simplified_newton(self.term, t_new, base, y_pred, c, self._solve, scale,
                                                 self.opts.norm, self.kappa, self.max_iter, self.eta, lookahead=True)
        self.n_newton += iters
        if ok:
            self.eta, self.n_iter = eta, iters
        return y, ok

    # ------------------------------------------------------------------- after the loop's verdict
    def after(self, accepted, h, t=None):
        if not accepted:
            return None
        y_new, new, d = self.pending
        k, D = self.order, self.D
        self.D = torch.cat([y_new[None], new, (d - D[k + 1])[None], D[k + 3:]])
        self.n_equal += 1
        self.fresh = False
        self.pending = None
        return None

    def propose(self, h: float, ratio: float, accepted: bool) -> float:
        """The next step size, and (after ``k + 1`` equal steps) the next order."""
        k = self.order
        # fewer Newton iterations than the maximum leave room for a larger step (Shampine & Reichelt)
        safety = 0.9 * (2 * self.max_iter + 1) / (2 * self.max_iter + max(self.n_iter, 1))
        if not accepted:
            if not ratio < math.inf:
                factor = _MIN_FACTOR
            else:
                factor = max(_MIN_FACTOR, safety * max(ratio, 1e-10) ** (-1.0 / (k + 1)))
            return self._clip(h * factor)
        if self.n_equal < k + 1:
            return h
        coef = self.coef
        with torch.no_grad():
            scale = torch.abs(self.D[0].detach()).mul_(self.opts.rtol).add_(self.opts.atol)
            norm = self.opts.norm
            err_down = float(norm(coef.error_const[k - 1] * self.D[k].detach() / scale)) if k > 1 else math.inf
            err_up = float(norm(coef.error_const[k + 1] * self.D[k + 2].detach() / scale)) \
                if k < coef.max_order else math.inf
        factors = [max(e, 1e-10) ** (-1.0 / (q + 1)) for e, q in ((err_down, k - 1), (ratio, k), (err_up, k + 1))]
        best = max(range(3), key=lambda i: factors[i])
        self.order = k + best - 1
        self.n_equal = 0
        return self._clip(h * min(_MAX_FACTOR, safety * factors[best]))

    def _clip(self, h: float) -> float:
        if abs(h) > self.max_step:
            return math.copysign(self.max_step, h)
        return h

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        raise RuntimeError("BDF steps depend on the solution's history and cannot be replayed one by one; "
                           "use gradient='direct'")
