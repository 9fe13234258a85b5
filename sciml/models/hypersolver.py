"""Hypersolvers: a cheap fixed-step method plus a network that learns its local error.

M. Poli, S. Massaroli, A. Yamashita, H. Asama, J. Park, "Hypersolvers: toward fast
continuous-depth models", NeurIPS 2020. For a trained field ``f`` and a base method of order
``p`` with increment ``ψ``, the step ``x_{k+1} = x_k + h ψ(t_k, x_k) + h^{p+1} g_ω(t_k, x_k, ψ)``
is accurate when ``g_ω`` predicts the scaled local error; ``g_ω`` is fitted to the residuals
``(x(t_{k+1}) − x_k − h ψ) / h^{p+1}`` along accurately solved trajectories ("residual fitting").
The step runs in the core's time loop as the method :class:`sciml.integrate.Corrected`.
"""

from __future__ import annotations

import torch
from torch import nn

from sciml.errors import InputError
from sciml.integrate import Corrected, solve_ivp
from sciml.models.fields import as_field
from sciml.models.solver import SolveOptions, as_times

__all__ = ["Hypersolver", "CorrectionNet"]


class CorrectionNet(nn.Module):
    """``g(t, x, ψ) = MLP([x, ψ])`` on the last dimension: the usual hypersolver correction."""

    def __init__(self, dim: int, hidden: int = 32, layers: int = 2, activation=nn.Softplus):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise InputError("dim", "a positive integer", repr(dim))
        mods, width = [], 2 * dim
        for _ in range(layers):
            mods += [nn.Linear(width, hidden), activation()]
            width = hidden
        mods.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*mods)

    def forward(self, t, x, psi):
        return self.net(torch.cat([x, psi], -1))


class Hypersolver(nn.Module):
    """Integrate ``vector_field`` with ``base`` steps of size ``step_size`` plus the learned ``correction``.

    ``forward(x)`` → the state at ``t_span[1]``, ``trajectory(x, t)`` → the states at ``t``
    (fixed steps of ``step_size``; outputs between steps interpolated linearly), ``base_trajectory``
    the same without the correction. Train the correction with ``fit(hs, data,
    objective=hs.residual_objective(t), params=hs.correction.parameters())``.
    """

    def __init__(self, vector_field, correction: nn.Module, *, base: str = "euler", step_size: float = 0.1,
                 t_span=(0.0, 1.0)):
        super().__init__()
        self.vf = as_field(vector_field)
        if not callable(correction):
            raise InputError("correction", "a module correction(t, x, psi)", type(correction).__name__)
        self.correction = correction
        self.method = Corrected(base, self.correction)
        if not (isinstance(step_size, (int, float)) and step_size > 0):
            raise InputError("step_size", "a positive number", repr(step_size))
        self.base, self.step_size = self.method.base.name, float(step_size)
        self.options = SolveOptions(solver=self.method, step_size=self.step_size)
        self.t_span = tuple(float(v) for v in t_span)
        self.stats: dict = {}

    @property
    def order(self) -> int:
        return self.method.order

    def _params(self):
        return tuple(p for p in self.parameters() if p.requires_grad)

    def trajectory(self, x: torch.Tensor, t) -> torch.Tensor:
        sol = self.options.solve(self.vf, as_times(t, x), x, self._params())
        self.stats = sol.stats
        return sol.ys

    def base_trajectory(self, x: torch.Tensor, t) -> torch.Tensor:
        """The same fixed steps without the correction."""
        sol = self.options.solve(self.vf, as_times(t, x), x, self._params(), solver=self.base)
        self.stats = sol.stats
        return sol.ys

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trajectory(x, torch.tensor(self.t_span, dtype=x.dtype, device=x.device))[-1]

    def residuals(self, t: torch.Tensor, xs: torch.Tensor):
        """``(prediction, target)`` of the correction along an accurate trajectory ``xs (T, B, d)`` at ``t (T,)``.

        Each interval ``[t_k, t_{k+1}]`` is one base step from ``x_k`` (one core solve over all of
        them, independent systems); the target is ``(x_{k+1} − x_k − h ψ) / h^{p+1}``."""
        if not isinstance(xs, torch.Tensor) or xs.dim() < 2 or xs.shape[0] != len(t) or len(t) < 2:
            raise InputError("xs", f"states (T={len(t)}, ..., d) along t", getattr(xs, "shape", type(xs).__name__))
        t = as_times(t, xs)
        T, d = xs.shape[0], xs.shape[-1]
        x_k = xs[:-1].reshape(-1, d)
        per = x_k.shape[0] // (T - 1)
        t0 = t[:-1].repeat_interleave(per)
        t1 = t[1:].repeat_interleave(per)
        h = (t1 - t0)[:, None]
        with torch.no_grad():  # the field is given; only the correction learns
            base_end = solve_ivp(self.vf, (t0, t1), x_k, t_eval=torch.stack([t0, t1]), method=self.base,
                                 batch="independent").ys[-1]
        psi = (base_end - x_k) / h
        target = (xs[1:].reshape(-1, d) - base_end) / h ** (self.order + 1)
        pred = self.correction(t0, x_k, psi)
        return pred, target

    def residual_objective(self, t: torch.Tensor):
        """``objective(model, batch)`` for :func:`sciml.models.fit`: batches of trajectories ``(B, T, d)``."""

        def objective(model, batch):
            y = batch[-1] if isinstance(batch, tuple) else batch
            pred, target = model.residuals(t.to(y.device), y.movedim(1, 0))
            loss = torch.mean((pred - target) ** 2)
            return loss, {"residual": loss}

        return objective
