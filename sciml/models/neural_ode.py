"""Neural ordinary differential equations: ``dx/dt = f_θ(t, x)`` as a layer (Chen et al. 2018).

R. T. Q. Chen, Y. Rubanova, J. Bettencourt, D. Duvenaud, "Neural ordinary differential
equations", NeurIPS 2018. The second-order form is that of A. Norcliffe, C. Bodnar, B. Day,
N. Simidjievski, P. Liò, "On second order behaviour in augmented neural ODEs", NeurIPS 2020;
augmentation (ANODE), depth-variant and data-controlled fields are in :mod:`sciml.models.fields`,
the regularisers of Finlay et al. (2020) in :mod:`sciml.models.regularization`.
"""

from __future__ import annotations

import torch
from torch import nn

from sciml.errors import InputError
from sciml.models.fields import DataControl, as_field
from sciml.models.regularization import PenalizedField, Regularization, probe
from sciml.models.solver import SolveOptions, as_times

__all__ = ["NeuralODE"]


class _SecondOrder:
    """``x = [q, v] -> [v, a(t, x)]``: the field gives the acceleration."""

    def __init__(self, field):
        self.field = field

    def __call__(self, t, x):
        n = x.shape[-1] // 2
        return torch.cat([x[..., n:], self.field(t, x)], -1)


class NeuralODE(nn.Module):
    """``x(t1)`` from ``x(t0) = x`` under the learned field: ``forward(x)`` → end state,
    ``trajectory(x, t)`` → the states at the times ``t`` (time first, ``(T, *x.shape)``).

    Parameters
    ----------
    vector_field : ``nn.Module`` or callable, ``f(t, x)`` or ``f(x)`` (the signature decides).
    solver : a method name of :data:`sciml.integrate.METHODS` (default ``tsit5``).
    order : 1, or 2 for a second-order field: the state is ``[q, v]`` (last dimension even)
        and the field returns the acceleration ``d²q/dt²`` (Norcliffe et al. 2020).
    t_span : the interval of ``forward`` (default ``(0, 1)``).
    batch : ``"joint"`` (one step size for the whole batch) or ``"independent"`` (one per sample).
    regularization : :class:`~sciml.models.Regularization`; after each solve ``self.penalties``
        holds the weighted integrals (``{"kinetic": ..., "jacobian": ...}``), which
        :func:`sciml.models.fit` adds to the loss.
    **solve_options : :class:`~sciml.models.solver.SolveOptions` fields: ``rtol``, ``atol``
        (default 1e-3, as torchdyn), ``sensitivity`` (``direct`` | ``backsolve`` | ``checkpoint`` or
        torchdyn's ``autograd`` | ``adjoint`` | ``interpolated_adjoint``), ``step_size``,
        ``solver_adjoint``, ``rtol_adjoint``, ``atol_adjoint``, ``seminorm``, ``max_steps``, ``extra``;
        or ``options=SolveOptions(...)`` in their place.

    After a solve, ``self.stats`` holds the solver's statistics (``n_f_evals``, ``n_steps``, and
    ``n_f_evals_backward`` after a backsolve backward pass) and ``self.nfe`` the forward count.
    """

    def __init__(self, vector_field, solver="tsit5", *, order: int = 1, t_span=(0.0, 1.0), batch: str = "joint",
                 regularization: Regularization | None = None, **solve_options):
        super().__init__()
        self.vf = as_field(vector_field)
        if order not in (1, 2):
            raise InputError("order", "1 or 2", repr(order))
        if batch not in ("joint", "independent"):
            raise InputError("batch", "'joint' or 'independent'", repr(batch))
        if regularization is not None and not isinstance(regularization, Regularization):
            raise InputError("regularization", "a sciml.models.Regularization", type(regularization).__name__)
        self.options = solve_options.pop("options", None) or SolveOptions(solver=solver, **solve_options)
        if batch == "independent" and self.options.gradient == "backsolve":
            raise InputError("sensitivity", "'direct' or 'checkpoint' with batch='independent'", "'backsolve'",
                             "the backsolve adjoint integrates the batch jointly; checkpoint is exact and lean")
        self.order, self.batch = order, batch
        self.t_span = _check_span(t_span)
        self.regularization = regularization or Regularization()
        self.penalties: dict = {}
        self.stats: dict = {}

    @property
    def nfe(self) -> int:
        return int(self.stats.get("n_f_evals", 0))

    def dynamics(self):
        """The right-hand side the solver sees (second-order form applied)."""
        return _SecondOrder(self.vf) if self.order == 2 else self.vf

    def _prepare(self, x):
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise InputError("x", "a floating-point tensor", type(x).__name__ if not isinstance(x, torch.Tensor)
                             else x.dtype)
        if self.order == 2 and (x.dim() == 0 or x.shape[-1] % 2):
            raise InputError("x", "a state [q, v] whose last dimension is even (order=2)", f"shape {tuple(x.shape)}")
        for module in self.vf.modules():
            if isinstance(module, DataControl):
                module.control = x.detach()

    def solve(self, x: torch.Tensor, t=None):
        """The states at the times ``t`` (default ``t_span``), time first; sets ``penalties`` and ``stats``."""
        self._prepare(x)
        t = torch.tensor(self.t_span, dtype=x.dtype, device=x.device) if t is None else as_times(t, x)
        func = self.dynamics()
        reg = self.regularization
        params = tuple(p for p in self.vf.parameters() if p.requires_grad)
        if reg.active:
            func = PenalizedField(func, reg)
            func.noise = probe(x, reg.noise) if reg.jacobian > 0 else None
            y0 = (x, func.initial(x))
        else:
            y0 = x
        sol = self.options.solve(func, t, y0, params, batch=self.batch)
        self.stats = sol.stats
        if reg.active:
            ys, r = sol.ys
            direction = torch.sign(t[-1] - t[0]).to(r.dtype)  # the integrals run forward in time
            self.penalties = reg.terms(r[-1] * (direction[:, None] if direction.dim() else direction))
            return ys
        self.penalties = {}
        return sol.ys

    def forward(self, x: torch.Tensor, t_span=None) -> torch.Tensor:
        """The state at the end of ``t_span`` (default the model's)."""
        t = None if t_span is None else as_times(t_span, x, "t_span")
        if t is not None and t.dim() == 1 and len(t) > 2:
            t = t[[0, -1]]
        return self.solve(x, t)[-1]

    def trajectory(self, x: torch.Tensor, t) -> torch.Tensor:
        """The states at the times ``t`` (``(T,)``, or ``(T, B)`` one column per sample): ``(T, *x.shape)``."""
        return self.solve(x, t)

    def extra_repr(self) -> str:
        o = self.options.describe()
        return ", ".join(f"{k}={v!r}" for k, v in o.items()) + f", order={self.order}"


def _check_span(t_span):
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise InputError("t_span", "a pair (t0, t1) of numbers", repr(t_span)) from None
    if t0 == t1:
        raise InputError("t_span", "t0 != t1", repr(t_span))
    return (t0, t1)
