"""The past of a DDE solve: the initial history for ``t ≤ t0``, then the accepted steps' continuous extensions.

The loop hands every accepted step to :meth:`History.append` (its ``dense`` recorder), so a delayed
value ``y(t − τ)`` is one evaluation of the method's own interpolant on the step that holds
``t − τ`` — the method of steps on the dense output (Bellen & Zennaro 2003, ch. 4). The stored
tensors keep their autograd graph in direct mode, so gradients reach earlier steps, the history's
parameters and the delays (through the interpolation variable θ). For checkpoint gradients the
store can replay: lookups return leaf copies of the stored tensors, whose gradients the backward
pass then carries to the steps they came from.
"""

from __future__ import annotations

import bisect

import torch

__all__ = ["History"]


class History:
    """Initial history ``history(t)`` (a callable or a constant tensor) and the steps accepted so far."""

    def __init__(self, history, packer, t0: float, t_dtype, tab):
        self.history = history
        self.packer = packer
        self.t0 = t0
        self.t_dtype = t_dtype
        self.tab = tab
        self._exponents = torch.arange(1, tab.dense_degree + 1, dtype=tab.dense_p.dtype, device=tab.dense_p.device)
        self.starts: list[float] = []
        self.steps: list[tuple] = []  # (h, y, K): step size, start state (N,), stages (N, S)
        self.limit = None  # in a replay: only the steps before the one being replayed exist
        self.leaves: dict | None = None

    # -- the loop's dense-output interface
    def append(self, t: float, h: float, y: torch.Tensor, ks: list[torch.Tensor], tab=None) -> None:
        self.starts.append(t)
        self.steps.append((h, y, torch.stack(ks, dim=-1)))

    def detach_(self) -> None:
        """Keep values only (checkpoint mode stores the solve without its graph)."""
        self.steps = [(h, y.detach(), K.detach()) for h, y, K in self.steps]

    # -- delayed values
    def initial(self, s: torch.Tensor) -> torch.Tensor:
        """The initial history at ``s ≤ t0``, flat."""
        if callable(self.history):
            return self.packer.pack(self.history(s))
        return self.packer.pack(self.history)

    def __call__(self, s: torch.Tensor, t: float | None = None) -> torch.Tensor:
        """``y(s)``, flat: the history before ``t0``, else the interpolant of the step holding ``s``.

        ``t``: the time of the evaluation asking (``s = t − τ``). At ``s = t0`` exactly, where the
        derivative of ``y`` may jump, an evaluation at the end of the current step takes the history's
        side and one at its start the solution's, so that every step sees one smooth piece.
        """
        s_float = float(s.detach())
        n = len(self.steps) if self.limit is None else self.limit
        if s_float < self.t0 or (s_float == self.t0 and t is not None and t > self._current_start(n)):
            return self.initial(s)
        if n == 0:  # the first step and a delay shorter than it: hold y(t0) (the lags bound the step otherwise)
            return self.initial(torch.full_like(s, self.t0))
        m = min(max(bisect.bisect_right(self.starts, s_float, 0, n) - 1, 0), n - 1)
        h, y, K = self._step(m)
        theta = ((s - self.starts[m]) / h).to(y.dtype)  # beyond the last step: extrapolated (θ > 1)
        # the continuous extension y + h Σ_i b_i(θ) k_i, with b_i(θ) = Σ_j p_ij θ^(j+1)
        return torch.addmv(y, K, torch.mv(self.tab.dense_p, theta.pow(self._exponents)), alpha=h)

    def _current_start(self, n: int) -> float:
        return self.t0 if n == 0 else self.starts[n - 1] + self.steps[n - 1][0]

    def evaluate(self, t) -> torch.Tensor:
        """The solution (or the history, before ``t0``) at the times ``t``: ``(len(t), *shape)``."""
        tq = torch.as_tensor(t, dtype=self.t_dtype).reshape(-1)
        return self.packer.unpack_series(torch.stack([self(s) for s in tq]))

    # -- checkpoint replays
    def begin_replay(self, n: int) -> None:
        self.limit, self.leaves = n, {}

    def end_replay(self) -> dict:
        leaves, self.limit, self.leaves = self.leaves, None, None
        return leaves

    def _step(self, m: int):
        if self.leaves is None:
            return self.steps[m]
        if m not in self.leaves:
            h, y, K = self.steps[m]
            self.leaves[m] = (h, y.detach().requires_grad_(True), K.detach().requires_grad_(True))
        return self.leaves[m]
