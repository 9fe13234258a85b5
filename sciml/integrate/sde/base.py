"""Base classes for user SDEs (torchsde's): an ``nn.Module`` that declares its noise and SDE type."""

from __future__ import annotations

import abc

from torch import nn

from sciml.errors import InputError
from sciml.integrate.sde.names import NOISE_TYPES, SDE_TYPES

__all__ = ["BaseSDE", "SDEIto", "SDEStratonovich"]


class BaseSDE(abc.ABC, nn.Module):
    """An SDE ``dY = f(t, Y) dt + g(t, Y) dW``: subclasses define ``f`` and ``g`` (or ``f_and_g``, ``g_prod``,
    ``f_and_g_prod``; ``h``, the prior drift, for ``logqp``). ``noise_type`` ∈ diagonal / additive / scalar /
    general, ``sde_type`` ∈ ito / stratonovich."""

    def __init__(self, noise_type, sde_type):
        super().__init__()
        if noise_type not in NOISE_TYPES:
            raise InputError("noise_type", f"one of {', '.join(NOISE_TYPES.all())}", repr(noise_type))
        if sde_type not in SDE_TYPES:
            raise InputError("sde_type", f"one of {', '.join(SDE_TYPES.all())}", repr(sde_type))
        self.noise_type = noise_type
        self.sde_type = sde_type


class SDEIto(BaseSDE):
    def __init__(self, noise_type):
        super().__init__(noise_type=noise_type, sde_type=SDE_TYPES.ito)


class SDEStratonovich(BaseSDE):
    def __init__(self, noise_type):
        super().__init__(noise_type=noise_type, sde_type=SDE_TYPES.stratonovich)
