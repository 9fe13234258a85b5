"""One generic step of a symplectic splitting method (:mod:`sciml.integrate.tableaus.symplectic`).

The state is split into positions ``q`` and momenta ``p`` by a mask over the flat state, so
the same routine serves joint and independent-batch mode and any state layout: a tuple
``(q, p)`` of two tensors of one shape, or one tensor whose last dimension holds ``q`` then
``p`` (the Hamiltonian-network convention ``x = [q, p]``). A kick adds ``d h f(t, y)`` on the
momentum entries only, a drift ``c h f(t, y)`` on the position entries only; for a separable
field (``dq/dt`` independent of ``q``, ``dp/dt`` of ``p``) this is exactly the splitting
method, symplectic and of the method's order.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError
from sciml.integrate.stepper import stage_time
from sciml.integrate.tableaus.symplectic import DRIFT

__all__ = ["PartitionedStepper", "position_mask"]


def position_mask(packer, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """1 on the position entries of one system's flat state, 0 on the momenta."""
    shapes = packer.shapes
    if packer.is_tuple:
        if len(shapes) != 2 or shapes[0] != shapes[1]:
            raise InputError("y0", "(q, p): two tensors of one shape for a symplectic method",
                             f"a tuple of {len(shapes)} tensors of shapes {shapes}",
                             "pass the positions and the momenta as y0=(q, p)")
        n = packer.sizes[0]
        return torch.cat([torch.ones(n, dtype=dtype, device=device), torch.zeros(n, dtype=dtype, device=device)])
    shape = shapes[0]
    if not shape or shape[-1] % 2:
        raise InputError("y0", "a state whose last dimension is even (positions, then momenta) for a symplectic "
                               "method", f"per-system shape {shape}", "or pass y0=(q, p)")
    mask = torch.zeros(shape, dtype=dtype, device=device)
    mask[..., : shape[-1] // 2] = 1.0
    return mask.reshape(-1)


class PartitionedStepper:
    """A splitting method behind the steppers' common interface (``step``, ``after``, ``replay``)."""

    implicit = False

    def __init__(self, term, method, dtype, device):
        self.term = term
        self.method = method
        self.tab = method.tensors(dtype, device)
        self.mask_q = position_mask(term.packer, dtype, device)
        self.mask_p = 1.0 - self.mask_q
        self.k1 = None
        self.retry = 1.0
        self._last = None  # (end state, its reusable evaluation) of the last step

    def _advance(self, t, y, h, h_vec, first):
        ks = []
        y_i = y
        elapsed = 0.0  # drifts move time with the positions
        k = None
        for i, (part, coef) in enumerate(self.method.steps):
            k = first if i == 0 and first is not None else self.term(stage_time(t, elapsed, h_vec), y_i)
            masked = k * (self.mask_q if part == DRIFT else self.mask_p)
            ks.append(masked)
            y_i = torch.add(y_i, masked, alpha=coef * h) if isinstance(h, float) else y_i + (coef * h) * masked
            if part == DRIFT:
                elapsed += coef
        return y_i, ks, k

    def step(self, t, y, h, h_vec, k1):
        first = k1
        if first is None and self._last is not None and self._last[0] is y:
            first = self._last[1]
        y1, ks, last = self._advance(t, y, h, h_vec, first)
        self._last = (y1, last) if self.method.reuses_last else None
        return y1, ks, None

    def after(self, accepted, h, t=None):
        return None

    def record(self):
        return None

    def replay(self, t, y, h, h_vec, saved):
        y1, ks, _ = self._advance(t, y, h, h_vec, None)
        return y1, ks

    def stats(self) -> dict:
        return {}
