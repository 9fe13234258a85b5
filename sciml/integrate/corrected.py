"""A fixed-step explicit method plus a learned correction per step: the stepping rule of hypersolvers.

``y1 = y0 + h ψ(t, y0) + h^{p+1} g(t, y0, ψ)``, where ``ψ = Σ b_i k_i`` is the increment of the
base method of order ``p`` (Euler, midpoint, RK4, ...) and ``g`` a network trained to predict
the base method's local error (M. Poli, S. Massaroli, A. Yamashita, H. Asama, J. Park,
"Hypersolvers: toward fast continuous-depth models", NeurIPS 2020). The correction is data of
the method, so a corrected solve runs in the one time loop like any other method; pass
``method=Corrected("rk4", g)`` to :func:`sciml.integrate.solve_ivp`.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError
from sciml.integrate.stepper import ExplicitStepper
from sciml.integrate.tableaus import METHODS
from sciml.integrate.tableaus.base import ButcherTableau, DenseOutput
from sciml.integrate.tableaus.symplectic import LinearStageTensors

__all__ = ["Corrected", "CorrectedStepper"]


class Corrected:
    """The method ``base`` (a fixed-step explicit method's name or tableau) corrected by ``correction``.

    ``correction(t, y, psi)`` returns a tensor shaped like ``y``; ``psi`` is the base increment
    ``(y1_base − y0) / h`` in the state's layout. Outputs between steps are interpolated linearly.
    """

    kind = "corrected"
    implicit = False
    adaptive = False
    fsal = False
    b_error = None
    error_order = None
    stability_bound = None

    def __init__(self, base, correction):
        tab = METHODS.get(base) if isinstance(base, str) else base
        if not isinstance(tab, ButcherTableau) or tab.adaptive:
            fixed = ", ".join(n for n, m in METHODS.items() if isinstance(m, ButcherTableau) and not m.adaptive)
            raise InputError("base", f"a fixed-step explicit method ({fixed})", repr(base))
        if not callable(correction):
            raise InputError("correction", "a callable correction(t, y, psi)", type(correction).__name__)
        self.base, self.correction = tab, correction
        self.name = f"{tab.name}+correction"
        self.order = tab.order
        self.weights = tuple(tab.b) + (1.0,)
        self.dense = DenseOutput(order=1, coefficients=tuple((w,) for w in self.weights))
        self._cache: dict = {}

    @property
    def controller_order(self) -> int:
        return self.order + 1

    def tensors(self, dtype: torch.dtype, device: torch.device):
        key = (dtype, device)
        if key not in self._cache:
            self._cache[key] = LinearStageTensors(self.weights, dtype, device)
        return self._cache[key]

    def __repr__(self):
        return f"Corrected({self.base.name!r}, {type(self.correction).__name__})"


class CorrectedStepper:
    """The base method's step, then the correction as one more stage ``h^p g`` with weight 1."""

    implicit = False

    def __init__(self, term, method: Corrected, dtype, device):
        self.term, self.method = term, method
        self.base = ExplicitStepper(term, method.base, dtype, device)
        self.b = self.base.tab.b
        self.tab = method.tensors(dtype, device)
        self.k1 = None
        self.retry = 1.0

    def _correct(self, t, y, y1, h, ks):
        psi = (torch.stack(ks, dim=-1) * self.b).sum(-1)  # not matmul: same rounding at any batch size
        packer = self.term.packer
        g = packer.pack(self.method.correction(self.term.time(t), packer.unpack(y), packer.unpack(psi)))
        kc = g * h ** self.method.order
        y1 = torch.add(y1, kc, alpha=h) if isinstance(h, float) else y1 + h * kc
        return y1, [*ks, kc]

    def step(self, t, y, h, h_vec, k1):
        y1, ks, _ = self.base.step(t, y, h, h_vec, k1)
        self.k1 = self.base.k1
        y1, ks = self._correct(t, y, y1, h, ks)
        return y1, ks, None

    def after(self, accepted, h, t=None):
        return None

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        y1, ks = self.base.replay(t, y, h, h_vec, saved)
        return self._correct(t, y, y1, h, ks)

    def stats(self) -> dict:
        return {}
