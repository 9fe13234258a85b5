"""From a method to a stepper: explicit tableaus, implicit tableaus, and ``method="auto"``.

``auto`` starts with an explicit pair (tsit5) and switches to an L-stable Rosenbrock
method (rodas5p) when the problem turns stiff, and back when it stops being stiff, as
LSODA (Petzold 1983) and OrdinaryDiffEq.jl's ``AutoTsit5(Rodas5P())`` do. Stiffness is
detected with Shampine's estimate of the dominant eigenvalue from two stages evaluated
at the same time ``t0 + h`` (L. F. Shampine, Stiffness and nonstiff differential equation
solvers II: detecting stiffness with Runge–Kutta methods, ACM TOMS 3 (1977) 44–53;
Hairer & Wanner II, IV.2):

    ρ ≈ ‖f(t1, y1) − f(t1, Y_{s−1})‖ / ‖y1 − Y_{s−1}‖,

in the norm scaled by the tolerances (``atol + rtol |y|``, the error control's), so that a
stiff component living at a tiny scale (Robertson's ``y2 ~ 1e-5``) is not drowned by the
slow ones (with the plain norm of Hairer's DOPRI5 detection it is),
and the explicit method is judged stability-limited when ``|h| ρ`` exceeds 9/10 of the
method's stability boundary on the negative real axis for ``max_stiff`` accepted steps in
a row. In the implicit method the estimate is ``‖J‖∞`` (an upper bound of the spectral
radius), and the explicit method takes over again when ``|h| ‖J‖∞`` stays below 9/10 of that
boundary for ``max_nonstiff`` accepted steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from sciml.integrate.implicit import DIRKStepper, RosenbrockStepper
from sciml.integrate.multistep import AdamsStepper, BDFStepper
from sciml.integrate.stepper import ExplicitStepper
from sciml.integrate.tableaus import METHODS

__all__ = ["AutoSwitch", "AUTO", "make_stepper"]


@dataclass(frozen=True)
class AutoSwitch:
    """``method="auto"``: a non-stiff and a stiff method and the switching thresholds."""

    nonstiff: str = "tsit5"
    stiff: str = "rodas5p"
    max_stiff: int = 10
    max_nonstiff: int = 3
    stiff_tol: float = 0.9
    nonstiff_tol: float = 0.9
    name: str = "auto"
    kind: str = "auto"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    adaptive = True
    implicit = True
    fsal = False

    @property
    def first(self):
        return METHODS[self.nonstiff]

    @property
    def controller_order(self) -> int:
        return self.first.controller_order

    @property
    def order(self) -> int:
        return min(METHODS[self.nonstiff].order, METHODS[self.stiff].order)

    def tensors(self, dtype, device):
        return self.first.tensors(dtype, device)


AUTO = AutoSwitch()


class AutoStepper:
    """Switches between an explicit and an implicit stepper; switches are in ``stats``.

    Independent batches switch as a group: to the stiff method as soon as one system has
    been stiff for ``max_stiff`` steps in a row, back once every running system has been
    non-stiff for ``max_nonstiff`` steps. A batch pays for its most expensive member at
    every iteration anyway (the vector field is evaluated for all systems at once), and the
    L-stable method is accurate on the non-stiff members too; each system keeps its own
    step size throughout.
    """

    implicit = True

    def __init__(self, term, opts, dtype, device, independent, differentiable):
        spec: AutoSwitch = opts.tableau
        self.spec = spec
        self.independent = independent
        self.explicit = ExplicitStepper(term, METHODS[spec.nonstiff], dtype, device)
        stiff = METHODS[spec.stiff]
        cls = RosenbrockStepper if stiff.kind == "rosenbrock" else DIRKStepper
        self.stiff = cls(term, stiff, opts, dtype, device, independent, differentiable)
        self.current = self.explicit
        bound = self.explicit.method.stability_bound
        if bound is None:
            raise ValueError(f"{spec.nonstiff}: auto switching needs the method's stability bound")
        self.bound = bound
        tab = self.explicit.tab
        # y1 − Y_{s−1} = h Σ_j (b_j − a_{s−1,j}) k_j
        b = tab.b
        a_prev = torch.cat([tab.a[len(tab.c) - 2], b.new_zeros(2)])
        self.w = b - a_prev
        self.rtol, self.atol = opts.rtol, opts.atol
        self.count = 0  # joint: an int; independent: one count per system
        self.switches: list = []
        self.k1 = None
        self.retry = 1.0
        self._ks = None

    @property
    def method(self):
        return self.current.method

    @property
    def tab(self):
        return self.current.tab

    def step(self, t, y, h, h_vec, k1):
        y1, ks, failed = self.current.step(t, y, h, h_vec, k1)
        if self.current is self.explicit:
            with torch.no_grad():
                self._scale = torch.abs(y.detach()).mul_(self.rtol).add_(self.atol)
        self.k1 = self.current.k1
        self.retry = self.current.retry
        self._ks = ks
        self._t = t
        return y1, ks, failed

    def after(self, accepted, h, t=None):
        self.current.after(accepted, h)
        if self.independent:
            return self._after_batch(accepted, h)
        if not accepted:
            return
        spec = self.spec
        if self.current is self.explicit:
            stiff = float(self._h_rho()) > spec.stiff_tol * self.bound
            self.count = self.count + 1 if stiff else 0
            if self.count >= spec.max_stiff:
                self._switch(self.stiff, t)
        else:
            rho = self.stiff.spectral_bound()
            nonstiff = abs(h) * rho < spec.nonstiff_tol * self.bound
            self.count = self.count + 1 if nonstiff else 0
            if self.count >= spec.max_nonstiff:
                self._switch(self.explicit, t)

    def _h_rho(self):
        """Shampine's ``|h| ρ`` of the explicit step just taken (one value, or one per system)."""
        with torch.no_grad():
            ks, scale = self._ks, self._scale
            num = torch.linalg.vector_norm((ks[-1] - ks[-2]) / scale, dim=-1)
            den = torch.linalg.vector_norm(torch.stack(ks, dim=-1) @ self.w / scale, dim=-1)  # (y1 − Y_{s−1}) / h
            return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(den))

    def _after_batch(self, accepted, h):
        spec = self.spec
        if not isinstance(self.count, torch.Tensor):
            self.count = torch.zeros(accepted.shape, dtype=torch.long, device=accepted.device)
        running = h.reshape(-1) != 0  # frozen (finished or failed) systems stand still with h = 0
        if self.current is self.explicit:
            flag = self._h_rho() > spec.stiff_tol * self.bound
        else:
            with torch.no_grad():
                J = self.stiff.J.detach()
                rho = torch.minimum(torch.linalg.matrix_norm(J, ord=math.inf), torch.linalg.matrix_norm(J, ord=1))
            flag = h.reshape(-1).abs().to(rho.dtype) * rho < spec.nonstiff_tol * self.bound
        self.count = torch.where(accepted, torch.where(flag, self.count + 1, 0), self.count)
        if self.current is self.explicit:
            if bool((running & (self.count >= spec.max_stiff)).any()):
                self._switch(self.stiff, float(self._t[running].min()))
        elif bool(running.any()) and bool((self.count[running] >= spec.max_nonstiff).all()):
            self._switch(self.explicit, float(self._t[running].min()))

    def _switch(self, to, t):
        self.current = to
        self.count = 0
        self.switches.append((t, to.method.name))
        if to is self.stiff:
            self.stiff.stale = True

    def restart(self) -> None:
        for stepper in (self.explicit, self.stiff):
            if hasattr(stepper, "restart"):
                stepper.restart()

    def record(self):
        return self.current.record()

    def stats(self) -> dict:
        out = dict(self.stiff.stats())
        out["n_switches"] = len(self.switches)
        out["switches"] = list(self.switches)
        return out


def make_stepper(term, opts, dtype, device, independent: bool, differentiable: bool):
    """The stepper of ``opts.tableau`` for one solve."""
    method = opts.tableau
    kind = getattr(method, "kind", "explicit")
    if kind == "auto":
        return AutoStepper(term, opts, dtype, device, independent, differentiable)
    if kind == "dirk":
        return DIRKStepper(term, method, opts, dtype, device, independent, differentiable)
    if kind == "rosenbrock":
        return RosenbrockStepper(term, method, opts, dtype, device, independent, differentiable)
    if kind == "bdf":
        return BDFStepper(term, method, opts, dtype, device, independent, differentiable)
    if kind == "adams":
        return AdamsStepper(term, method, opts, dtype, device)
    return ExplicitStepper(term, method, dtype, device)
