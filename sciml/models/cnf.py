"""Continuous normalising flows (FFJORD): densities through a neural ODE and the instantaneous change of variables.

W. Grathwohl, R. T. Q. Chen, J. Bettencourt, I. Sutskever, D. Duvenaud, "FFJORD: free-form
continuous dynamics for scalable reversible generative models", ICLR 2019; the continuous change
of variables is from Chen et al. (NeurIPS 2018). Samples are ``x = z(t1)`` with ``z(t0) ~ N(0, I)``
and ``dz/dt = f(t, z)``; along the flow ``d log p(z(t)) / dt = −tr(∂f/∂z)``, so

    log p(x) = log N(z(t0); 0, I) − ∫_{t0}^{t1} tr(∂f/∂z) dt,

with ``z(t0)`` and the integral from one solve backwards from ``z(t1) = x``. The trace is exact
(one vector–Jacobian product per dimension) up to ``exact_max`` dimensions, else Hutchinson's
unbiased estimate ``εᵀ (∂f/∂z) ε`` with one probe per solve (FFJORD). The regularisers of
Finlay et al. (2020) ride along as two more channels.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sciml.errors import InputError
from sciml.models.fields import as_field
from sciml.models.regularization import Regularization, per_sample_sum, probe
from sciml.models.solver import SolveOptions

__all__ = ["CNF", "exact_trace", "hutchinson_trace"]


def exact_trace(f: torch.Tensor, z: torch.Tensor, create_graph: bool) -> torch.Tensor:
    """``tr(∂f/∂z)`` per sample for ``f, z (B, d)``: one vector–Jacobian product per dimension."""
    trace = torch.zeros(z.shape[0], dtype=z.dtype, device=z.device)
    for i in range(z.shape[1]):
        g = torch.autograd.grad(f[:, i].sum(), z, create_graph=create_graph, retain_graph=True,
                                allow_unused=True)[0]
        if g is not None:
            trace = trace + g[:, i]
    return trace


def hutchinson_trace(f, z, e, create_graph: bool):
    """``(εᵀ ∂f/∂z ε, εᵀ ∂f/∂z)`` per sample: the trace estimate and the vector–Jacobian product."""
    vjp = torch.autograd.grad(f, z, e, create_graph=create_graph, allow_unused=True)[0]
    if vjp is None:
        vjp = torch.zeros_like(z)
    return (vjp * e).sum(-1), vjp


class _FlowField:
    """``(t, (z, l[, r])) -> (f, −tr ∂f/∂z[, penalties])`` for one solve (probe fixed)."""

    def __init__(self, field, exact: bool, reg: Regularization, noise):
        self.field, self.exact, self.reg, self.noise = field, exact, reg, noise

    def __call__(self, t, state):
        z = state[0]
        create = torch.is_grad_enabled()
        with torch.enable_grad():
            if not z.requires_grad:
                z = z.detach().requires_grad_(True)
            f = self.field(t, z)
            vjp = None
            if self.exact:
                trace = exact_trace(f, z, create)
            else:
                trace, vjp = hutchinson_trace(f, z, self.noise, create)
            extra = []
            if self.reg.kinetic > 0:
                extra.append(per_sample_sum(f))
            if self.reg.jacobian > 0:
                if vjp is None:
                    vjp = torch.autograd.grad(f, z, self.noise, create_graph=create, allow_unused=True)[0]
                extra.append(per_sample_sum(torch.zeros_like(z) if vjp is None else vjp))
        out = [f, -trace]
        if extra:
            out.append(torch.stack(extra, -1))
        if not create:
            out = [o.detach() for o in out]
        return tuple(out)


class CNF(nn.Module):
    """A continuous normalising flow on ``R^d`` with a standard normal base: ``log_prob(x)``, ``sample(n)``.

    Parameters
    ----------
    vector_field : ``f(t, z)`` or ``f(z)`` on ``(B, d)`` (a module: its parameters are learned).
    dim : the data dimension ``d``.
    trace : ``"exact"``, ``"hutchinson"`` or ``"auto"`` (exact up to ``exact_max`` dimensions).
    noise : Hutchinson probe, ``"rademacher"`` (lower variance) or ``"gaussian"``.
    t1 : the flow runs over ``[0, t1]``.
    regularization : :class:`~sciml.models.Regularization` (kinetic energy, Jacobian norm; RNODE).
    solver and **solve_options : as :class:`~sciml.models.NeuralODE` (default ``dopri5``, tolerances 1e-5).
    """

    def __init__(self, vector_field, dim: int, solver="dopri5", *, trace: str = "auto", exact_max: int = 8,
                 noise: str = "rademacher", t1: float = 1.0, regularization: Regularization | None = None,
                 **solve_options):
        super().__init__()
        self.vf = as_field(vector_field)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise InputError("dim", "a positive integer", repr(dim))
        if trace not in ("auto", "exact", "hutchinson"):
            raise InputError("trace", "'auto', 'exact' or 'hutchinson'", repr(trace))
        if noise not in ("gaussian", "rademacher"):
            raise InputError("noise", "'gaussian' or 'rademacher'", repr(noise))
        if not (isinstance(t1, (int, float)) and t1 > 0):
            raise InputError("t1", "a positive end time", repr(t1))
        if regularization is not None and not isinstance(regularization, Regularization):
            raise InputError("regularization", "a sciml.models.Regularization", type(regularization).__name__)
        solve_options.setdefault("rtol", 1e-5)
        solve_options.setdefault("atol", 1e-5)
        self.options = SolveOptions(solver=solver, **solve_options)
        self.dim, self.t1, self.noise = dim, float(t1), noise
        self.exact = trace == "exact" or (trace == "auto" and dim <= exact_max)
        self.regularization = regularization or Regularization()
        self.penalties: dict = {}
        self.stats: dict = {}

    def _check(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != self.dim or not x.is_floating_point():
            got = f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError("x", f"a floating tensor of samples (B, {self.dim})", got)

    def base_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return -0.5 * (z * z).sum(-1) - 0.5 * self.dim * math.log(2 * math.pi)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` per sample ``(B,)``; sets ``penalties`` and ``stats``."""
        self._check(x)
        reg = self.regularization
        need_probe = not self.exact or reg.jacobian > 0
        e = probe(x, self.noise if not self.exact else reg.noise) if need_probe else None
        func = _FlowField(self.vf, self.exact, reg, e)
        zeros = x.new_zeros(x.shape[0])
        y0 = (x, zeros) if not reg.active else (x, zeros, x.new_zeros(x.shape[0], len(reg.names)))
        t = torch.tensor([self.t1, 0.0], dtype=x.dtype, device=x.device)
        params = tuple(p for p in self.vf.parameters() if p.requires_grad)
        sol = self.options.solve(func, t, y0, params)
        self.stats = sol.stats
        z0, integral = sol.ys[0][-1], sol.ys[1][-1]  # integral = ∫_{t0}^{t1} tr(∂f/∂z) dt
        self.penalties = reg.terms(-sol.ys[2][-1]) if reg.active else {}  # solved from t1 back to 0
        return self.base_log_prob(z0) - integral

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``log_prob(x)``."""
        return self.log_prob(x)

    def transform(self, z: torch.Tensor, t=None) -> torch.Tensor:
        """Push base samples ``z (B, d)`` through the flow: ``z(t1)``, or the states at the times ``t``."""
        self._check(z)
        times = torch.tensor([0.0, self.t1], dtype=z.dtype, device=z.device) if t is None else t
        params = tuple(p for p in self.vf.parameters() if p.requires_grad)
        ys = self.options.solve(self.vf, times, z, params).ys
        return ys[-1] if t is None else ys

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples of the model density ``(n, d)``."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError("n", "a positive number of samples", repr(n))
        p = next(self.vf.parameters(), None)
        dtype, device = (p.dtype, p.device) if p is not None else (torch.get_default_dtype(), torch.device("cpu"))
        z = torch.randn(n, self.dim, dtype=dtype, device=device, generator=generator)
        return self.transform(z)
