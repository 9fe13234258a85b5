"""What a solve returns: saved states, statistics, status, and the dense interpolant."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import torch

from sciml.errors import InputError

__all__ = ["Status", "Solution", "DenseJoint", "DenseIndependent"]


class Status(enum.IntEnum):
    """Why a solve (or one system of an independent batch) stopped."""

    SUCCESS = 0
    MAX_STEPS = 1
    STEP_UNDERFLOW = 2
    NON_FINITE = 3
    EVENT = 4
    NEWTON_FAILURE = 5
    RUNNING = -1

    def describe(self) -> str:
        return {
            Status.SUCCESS: "reached the end of the interval",
            Status.MAX_STEPS: "reached the maximum number of steps",
            Status.STEP_UNDERFLOW: "the step size underflowed (the problem may be stiff or singular here)",
            Status.NON_FINITE: "the vector field produced NaN or Inf",
            Status.EVENT: "a terminal event occurred",
            Status.NEWTON_FAILURE: "the implicit stage equations did not converge (Newton), even for tiny steps",
            Status.RUNNING: "still running",
        }[self]


@dataclass
class Solution:
    """The result of :func:`sciml.integrate.solve_ivp`.

    ``ts``: the saved times, shape ``(T,)`` (joint) or ``(T, B)`` (independent batch).
    ``ys``: the states at ``ts``, shape ``(T, *y0.shape)`` (a tuple for tuple states).
    ``stats``: ``n_f_evals`` (calls of the vector field, a batch counting once),
    ``n_steps`` (accepted), ``n_rejected``; per system in independent mode.
    Implicit methods add ``n_jac_evals``, ``n_lu`` (LU factorisations), ``n_newton_iters`` and
    ``n_newton_failures``; ``method="auto"`` adds ``n_switches`` and ``switches`` (a list of
    ``(time, method switched to)``).
    ``status``: a :class:`Status` (joint) or an integer tensor ``(B,)``; ``Status.EVENT`` when a
    terminal event ended the solve (that counts as success).
    ``t_reached``: where each solve stopped (the end unless it failed or an event stopped it).
    ``t_events`` / ``y_events``: with ``events=``, one entry per event function: the times of
    its crossings ``(n_i,)`` and the states there ``(n_i, *y0.shape)``; the times carry
    gradients (implicit-function theorem) with ``gradient="direct"`` or ``"checkpoint"``.
    """

    ts: torch.Tensor
    ys: torch.Tensor | tuple[torch.Tensor, ...]
    stats: dict
    status: Status | torch.Tensor
    t_reached: float | torch.Tensor
    message: str = ""
    dense_output: DenseJoint | DenseIndependent | None = field(default=None, repr=False)
    t_events: list | None = None
    y_events: list | None = None

    @property
    def success(self) -> bool:
        if isinstance(self.status, torch.Tensor):
            return bool(((self.status == Status.SUCCESS) | (self.status == Status.EVENT)).all())
        return self.status in (Status.SUCCESS, Status.EVENT)

    def evaluate(self, t) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """The solution at any times in the solved interval, from the method's own continuous extension.

        ``t``: a scalar or 1-D tensor (joint mode; result ``(len(t), *y0.shape)``), or in
        independent mode a ``(M,)`` tensor shared by all systems or ``(M, B)``.
        Requires ``solve_ivp(..., dense=True)``.
        """
        if self.dense_output is None:
            raise InputError("dense", "solve_ivp(..., dense=True) before calling evaluate()", False)
        return self.dense_output.evaluate(t)


class DenseJoint:
    """Per accepted step: start time, step size, start state, stages and method (joint mode)."""

    def __init__(self, tab, packer, t_dtype, direction):
        self.tab = tab
        self.packer = packer
        self.t_dtype = t_dtype
        self.direction = direction
        self.t0, self.h, self.y, self.ks, self.tabs = [], [], [], [], []
        self.t_end = None  # where the solve stopped, when a terminal event cut its last step

    def append(self, t: float, h: float, y: torch.Tensor, ks: list[torch.Tensor], tab=None):
        self.t0.append(t)
        self.h.append(h)
        self.y.append(y)
        self.ks.append(torch.stack(ks, dim=-1))
        self.tabs.append(self.tab if tab is None else tab)

    def evaluate(self, t):
        from sciml.integrate.stepper import dense_weights

        y_ref = self.y[0]
        tq = torch.as_tensor(t, dtype=torch.float64).reshape(-1).cpu()
        starts = torch.tensor(self.t0, dtype=torch.float64)
        steps = torch.tensor(self.h, dtype=torch.float64)
        end = (starts[-1] + steps[-1]).item() if self.t_end is None else self.t_end
        lo, hi = sorted((starts[0].item(), end))
        if bool(((tq < lo - 1e-12 * max(1.0, abs(lo))) | (tq > hi + 1e-12 * max(1.0, abs(hi)))).any()):
            raise InputError("t", f"times within the solved interval [{lo:.10g}, {hi:.10g}]",
                             f"values from {tq.min().item():.10g} to {tq.max().item():.10g}")
        key = self.direction * starts
        idx = (torch.searchsorted(key, self.direction * tq, right=True) - 1).clamp(0, len(self.t0) - 1)
        theta = ((tq - starts[idx]) / steps[idx]).clamp(0.0, 1.0)
        out = None
        for tab in {id(tb): tb for tb in self.tabs}.values():  # one group per method (several with "auto")
            rows = [i for i, tb in enumerate(self.tabs) if tb is tab]
            if len(rows) == len(self.tabs):
                sel = torch.arange(len(tq))
            else:
                member = torch.zeros(len(self.tabs), dtype=torch.bool)
                member[rows] = True
                sel = member[idx].nonzero().reshape(-1)
                if len(sel) == 0:
                    continue
            idx_d = idx[sel].to(y_ref.device)
            Y = torch.stack(self.y)[idx_d] if len(rows) == len(self.tabs) else \
                torch.stack([self.y[i] for i in idx[sel].tolist()])
            K = torch.stack([self.ks[i] for i in idx[sel].tolist()])  # (M, N, S)
            H = steps[idx[sel]].to(device=y_ref.device, dtype=y_ref.dtype)
            W = dense_weights(tab, theta[sel].to(device=y_ref.device, dtype=y_ref.dtype))  # (M, S)
            vals = Y + H[:, None] * torch.einsum("mns,ms->mn", K, W)
            if out is None:
                out = vals.new_empty((len(tq), vals.shape[-1]))
            out[sel.to(y_ref.device)] = vals
        return self.packer.unpack_series(out)


class DenseIndependent:
    """Dense records of an independent batch: every loop iteration with its acceptance mask."""

    def __init__(self, tab, packer, direction):
        self.tab = tab
        self.packer = packer
        self.direction = direction  # (B,)
        self.t0, self.h, self.y, self.ks, self.accepted, self.tabs = [], [], [], [], [], []

    def append(self, t, h, y, ks, accepted, tab=None):
        self.t0.append(t)
        self.h.append(h)
        self.y.append(y)
        self.ks.append(torch.stack(ks, dim=-1))
        self.accepted.append(accepted)
        self.tabs.append(self.tab if tab is None else tab)

    def evaluate(self, t):
        from sciml.integrate.stepper import dense_weights

        acc = torch.stack(self.accepted)  # (R, B)
        R, B = acc.shape
        y_ref = self.y[0]
        tq = torch.as_tensor(t, device=acc.device)
        if tq.dim() == 0:
            tq = tq.reshape(1)
        if tq.dim() == 1:
            tq = tq[:, None].expand(-1, B)
        if tq.dim() != 2 or tq.shape[1] != B:
            raise InputError("t", f"a scalar, a (M,) tensor or an (M, {B}) tensor", tuple(tq.shape))
        t0 = torch.stack(self.t0)  # (R, B)
        tq = tq.to(t0.dtype)
        # compress each system's accepted steps to the front, in order
        pos = torch.cumsum(acc.long(), dim=0) - 1
        n_acc = acc.sum(0)
        Rmax = max(int(n_acc.max()), 1)
        big = torch.finfo(t0.dtype).max
        key = torch.full((Rmax, B), big, dtype=t0.dtype, device=t0.device)
        src = torch.full((Rmax, B), -1, dtype=torch.long, device=t0.device)
        r_idx, b_idx = acc.nonzero(as_tuple=True)
        key[pos[r_idx, b_idx], b_idx] = (self.direction[b_idx] * t0[r_idx, b_idx])
        src[pos[r_idx, b_idx], b_idx] = r_idx
        q = (self.direction[None, :] * tq).T.contiguous()  # (B, M)
        j = torch.searchsorted(key.T.contiguous(), q, right=True) - 1  # (B, M)
        j = torch.minimum(j.clamp(min=0), (n_acc - 1).clamp(min=0)[:, None])
        r = src.T.gather(1, j).clamp(min=0)  # (B, M) record index
        b = torch.arange(B, device=t0.device)[:, None].expand_as(r)
        start = t0[r, b]
        step = torch.stack(self.h)[r, b]
        theta = ((tq.T - start) / torch.where(step == 0, torch.ones_like(step), step)).clamp(0, 1)
        Y = torch.stack(self.y)[r, b]  # (B, M, N)
        H = step.to(y_ref.dtype)[..., None]
        out = None
        for tab in {id(tb): tb for tb in self.tabs}.values():  # one group per method (several with "auto")
            rows = [i for i, tb in enumerate(self.tabs) if tb is tab]
            where = torch.full((R,), -1, dtype=torch.long, device=t0.device)
            where[rows] = torch.arange(len(rows), device=t0.device)
            pos = where[r]  # (B, M): the record's place among this method's records, −1 if not one
            K = torch.stack([self.ks[i] for i in rows])[pos.clamp(min=0), b]  # (B, M, N, S)
            W = dense_weights(tab, theta.to(y_ref.dtype))  # (B, M, S)
            vals = Y + H * torch.einsum("bmns,bms->bmn", K, W)
            out = vals if out is None else torch.where((pos >= 0)[..., None], vals, out)
        return self.packer.unpack_series(out.transpose(0, 1))
