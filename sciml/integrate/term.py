"""The vector field as the solver sees it: flat state in, flat derivative out, evaluations counted."""

from __future__ import annotations

from collections.abc import Callable

import torch

from sciml.integrate.state import StatePacker

__all__ = ["ODETerm"]


class ODETerm:
    """Wraps ``func(t, y)``: unflattens the state, turns a float time into a tensor, counts calls.

    In joint mode ``t`` reaches ``func`` as a 0-dim tensor; in independent-batch
    mode as a tensor of shape ``(batch,)``, one time per system.
    """

    __slots__ = ("func", "packer", "t_dtype", "device", "nfe")

    def __init__(self, func: Callable, packer: StatePacker, t_dtype: torch.dtype, device: torch.device):
        self.func = func
        self.packer = packer
        self.t_dtype = t_dtype
        self.device = device
        self.nfe = 0

    def time(self, t) -> torch.Tensor:
        if isinstance(t, torch.Tensor):
            return t
        return torch.full((), t, dtype=self.t_dtype, device=self.device)

    def __call__(self, t, y: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        packer = self.packer
        return packer.pack(self.func(self.time(t), packer.unpack(y)))
