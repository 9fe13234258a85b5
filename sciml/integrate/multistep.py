"""The multistep steppers (joint mode): variable-order BDF/NDF, and fixed-grid Adams.

Both keep a history of the solution instead of starting afresh each step, so they share the
pieces that follow from that (:class:`_Multistep`): a step cannot be replayed on its own (so no
checkpoint gradients, no independent batches), and :meth:`restart` drops the history when the
loop crosses a discontinuity (``jump_t``), after which the method starts up again as at ``t0``.
Their steps return "stages" in the loop's layout, so error tests, dense output and events are
the loop's generic ones. Adams: see :class:`AdamsStepper` and :mod:`sciml.integrate.tableaus.adams`.

BDF/NDF, variable order and quasi-constant step.

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
import warnings

import torch

from sciml.integrate.implicit import _ImplicitBase, _lu_solve, _newton_kappa, _StageSolve, simplified_newton
from sciml.integrate.stepper import rk_step
from sciml.integrate.tableaus.adams import adams_weights
from sciml.integrate.tableaus.bdf import rescale_matrix

__all__ = ["BDFStepper", "AdamsStepper"]

_MIN_FACTOR = 0.2
_MAX_FACTOR = 10.0
_BDF_NEWTON_ITER = 4  # more iterations rarely converge where four did not; a smaller step is cheaper
# Up to this size the Newton matrix is inverted once and each iteration is a matrix-vector product:
# for small systems an LU solve costs ten times a product in call overhead alone. Newton corrects
# any rounding of the inverse (the residual is always evaluated exactly), so this trades nothing.
_INVERT_UP_TO = 64


class _Multistep:
    """What a stepper with a history shares: no replay, and a restart that forgets the past."""

    def restart(self) -> None:
        """Forget the history (the loop crossed a discontinuity): the next step starts up afresh."""
        raise NotImplementedError

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        raise RuntimeError(f"{self.method.name} steps depend on the solution's history and cannot be replayed one "
                           "by one; use gradient='direct'")


class BDFStepper(_Multistep, _ImplicitBase):
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
    def restart(self) -> None:
        self.D = None  # the next step starts again at order 1 from f(t, y)
        self.need_jac = True

    def step(self, t, y, h, h_vec, k1):
        if self.D is None:
            if k1 is None:
                k1 = self.term(t, y)
            self._start(y, h, k1)
        if h != self.h_D:
            self._rescale(h / self.h_D)
            self.h_D = h
        self.k1 = k1
        k, coef = self.order, self.coef
        P = coef.history[k] @ self.D[:k + 1]  # predictor, predictor − ψ, partial sums (see BDFTensors)
        y_pred, base, sums = P[0], P[1], P[2:]
        c = h / coef.alpha[k]
        t_new = self.term.at(t + h_vec)  # one time tensor for every Newton iteration (inside the step at a jump)
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


class AdamsStepper(_Multistep):
    """Fixed-grid Adams–Bashforth (and –Moulton) steps over an :class:`~sciml.integrate.tableaus.adams.AdamsMethod`.

    The history is the slopes ``f_n, f_{n−1}, …`` at the last grid points (most recent first).
    A step with fewer than three of them is a Runge–Kutta step (the ramp of
    :mod:`sciml.integrate.tableaus.adams`); otherwise the predictor weights come from the actual
    node spacing, so an uneven grid (stepping from output time to output time) keeps the order.
    The corrector iterates ``dy = h β*_0 f(t_{n+1}, y_n + dy) + h Σ β*_j f_{n+1−j}`` at most
    ``max_iters`` times, until successive ``dy`` agree to ``rtol``/``atol`` (max norm, relative to
    ``dy``: torchdiffeq's test); when they do not, a warning is given and the oldest slope is
    dropped, lowering the next step's order. Gradients: autograd through every operation.
    """

    implicit = False

    def __init__(self, term, method, opts, dtype, device):
        self.term = term
        self.method = method
        self.opts = opts
        self.tab = method.tensors(dtype, device)
        self.start_tab = method.start.tensors(dtype, device)
        self.dtype, self.device = dtype, device
        self.times: list = []
        self.slopes: list = []
        self.pending = None
        self.k1 = None
        self.retry = 1.0
        self.n_unconverged = 0
        self._weights_cache: dict = {}

    def restart(self) -> None:
        self.times, self.slopes = [], []

    def step(self, t, y, h, h_vec, k1):
        if k1 is None:
            k1 = self.term(t, y)
        self.k1 = k1
        limit = self.method.max_order - 1
        times = ([t] + self.times)[:limit]
        slopes = ([k1] + self.slopes)[:limit]
        dropped = False
        if len(slopes) < 3:
            y1, _ = rk_step(self.term, self.start_tab, False, t, y, h, h_vec, k1)
        else:
            nodes = tuple((tj - t) / h for tj in times)
            # the weights sum to one, so y + h Σ β_j f_j = y + h (f_n + Σ_{j≥1} β_j (f_{n−j} − f_n)): the large,
            # alternating high-order weights then multiply small differences, and their rounding (in a float32
            # solve) no longer biases every step by h f δΣβ
            F = torch.stack(slopes).T  # (N, k)
            D = F[:, 1:] - F[:, :1]
            y1 = torch.addmv(k1, D, self._weights(nodes)[1:]).mul_(h).add_(y)
            if self.method.corrector:
                y1, converged = self._correct(t + h_vec, y, h, y1, k1, D, nodes)
                dropped = not converged
        self.pending = (times[:-1], slopes[:-1]) if dropped else (times, slopes)
        return y1, [k1, (y1 - y) / h], None

    def _correct(self, t1, y, h, y_pred, f_n, D, nodes):
        """Adams–Moulton by functional iteration from the predictor: ``(y1, converged)``.

        ``dy = h (f_n + β*_0 (f(t1, y + dy) − f_n) + Σ_{j≥2} β*_j (f_{n+1−j} − f_n))``, the weights
        ``β*`` (new node first) summing to one, in the same difference form as the predictor.
        """
        beta = self._weights((1.0,) + nodes)
        delta = torch.addmv(f_n, D, beta[2:]) if D.shape[1] else f_n
        gain = float(beta[0])
        rtol, atol = self.opts.rtol, self.opts.atol
        dy = y_pred - y
        converged = False
        for _ in range(self.method.max_iters):
            new = torch.add(delta, self.term(t1, y + dy) - f_n, alpha=gain).mul_(h)
            with torch.no_grad():
                scale = torch.maximum(dy.abs(), new.abs()).mul_(rtol).add_(atol)
                converged = bool(((new - dy).abs() / scale).max() < 1.0)
            dy = new
            if converged:
                break
        if not converged:
            self.n_unconverged += 1
            warnings.warn(f"{self.method.name}: the Adams–Moulton iteration did not converge in "
                          f"{self.method.max_iters} iterations at t={t1:.6g}; the solution may be inaccurate "
                          "(use a smaller step)", RuntimeWarning, stacklevel=2)
        return y + dy, converged

    def _weights(self, nodes) -> torch.Tensor:
        key = tuple(round(s, 12) for s in nodes)  # a uniform grid always hits
        w = self._weights_cache.get(key)
        if w is None:
            if len(self._weights_cache) > 64:
                self._weights_cache.clear()
            w = torch.as_tensor(adams_weights(nodes), dtype=self.dtype, device=self.device)
            self._weights_cache[key] = w
        return w

    def after(self, accepted, h, t=None):
        if accepted:
            self.times, self.slopes = self.pending
        self.pending = None

    def stats(self) -> dict:
        return {"n_corrector_unconverged": self.n_unconverged} if self.method.corrector else {}
