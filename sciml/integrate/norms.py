"""Error norms of a scaled error vector ``err / (atol + rtol·max(|y0|, |y1|))``.

Every norm maps a flat ``(N,)`` (joint) or ``(B, N)`` (independent) tensor to a
scalar, or one value per system.
"""

from __future__ import annotations

import math

import torch

__all__ = ["rms_norm", "max_norm", "mixed_rms_norm", "seminorm"]


def rms_norm(x: torch.Tensor) -> torch.Tensor:
    """Hairer's root-mean-square norm (Hairer, Nørsett & Wanner I, II.4)."""
    return torch.linalg.vector_norm(x, dim=-1) / math.sqrt(x.shape[-1])


def max_norm(x: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(x, ord=math.inf, dim=-1)


def mixed_rms_norm(segments: list[tuple[int, int]]):
    """The largest RMS over the parts of a tuple state (torchdiffeq's default for tuples).

    One ``index_add`` of the squares sums every part at once: the backsolve adjoint calls this
    once per step on a state with one part per parameter tensor.
    """
    segments = [(a, b) for a, b in segments if b > a]
    cache = {}

    def layout(x: torch.Tensor):
        key = (x.device, x.dtype, x.shape[-1])
        if key not in cache:
            ids = torch.full((x.shape[-1],), len(segments), dtype=torch.long)  # last slot: not controlled
            for i, (a, b) in enumerate(segments):
                ids[a:b] = i
            sizes = torch.tensor([b - a for a, b in segments], dtype=x.dtype)
            cache[key] = (ids.to(x.device), sizes.to(x.device))
        return cache[key]

    def norm(x: torch.Tensor) -> torch.Tensor:
        ids, sizes = layout(x)
        sums = x.new_zeros(*x.shape[:-1], len(segments) + 1).index_add_(-1, ids, x.square())
        return (sums[..., :-1] / sizes).sqrt().amax(dim=-1)

    return norm


def seminorm(n_controlled: int):
    """RMS over the first ``n_controlled`` components only.

    Used by the backsolve adjoint to leave the parameter-adjoint integrals out of
    error control (Kidger, Chen & Lyons, "Hey, that's not an ODE": faster ODE
    adjoints via seminorms, ICML 2021).
    """

    def norm(x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x[..., :n_controlled])

    return norm
