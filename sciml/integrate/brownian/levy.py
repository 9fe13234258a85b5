"""Lévy areas: the space-time area ``H`` and its ``U`` form, Davie's and Foster's approximations of the
full area, and how increments and areas of adjacent intervals combine (Chen's relation).

For an interval of length ``h``: ``W ~ N(0, h)``, the space-time Lévy area
``H = (1/h) ∫ (W_s - W_a - (s-a)/h · W) ds ~ N(0, h/12)``, independent of ``W``; torchsde's
``U = ∫ (W_s - W_a) ds = h (H + W/2)``. The Lévy area ``A_ij = ½ ∫ (W^i dW^j - W^j dW^i)`` is not
Gaussian; Davie (2014, "KMT theory applied to approximations of SDE") approximates it from ``(W, H)``
as ``H_i W_j - W_i H_j + √(h²/12) (N - Nᵀ)``, Foster (2020, thesis, §7) with the state-dependent
standard deviation ``√(h/10 (h/10 + H_i² + H_j²))``.
"""

from __future__ import annotations

import math

import torch

__all__ = ["h_to_u", "levy_area", "combine", "conditional_split"]

_R12 = 1.0 / 12.0


def h_to_u(W, H, h):
    return h * (0.5 * W + H)


def levy_area(W, H, h, noise, kind: str, batch_only: bool):
    """Davie's or Foster's approximation from ``(W, H)``; ``h`` a float or a tensor broadcasting
    against ``W[..., None, None]``. Zero when the shape has no channel dimension (``batch_only``)."""
    if batch_only:
        return torch.zeros_like(W)
    A = H.unsqueeze(-1) * W.unsqueeze(-2) - W.unsqueeze(-1) * H.unsqueeze(-2)
    noise = noise - noise.transpose(-1, -2)  # skew-symmetric, entries of variance 2
    if kind == "foster":
        tenth = 0.1 * h
        H2 = H * H
        std = (tenth * (tenth + H2.unsqueeze(-1) + H2.unsqueeze(-2))).sqrt()
    else:
        std = math.sqrt(_R12) * h
    return A + std * noise


def combine(pieces, start: float, end: float, have_H: bool, have_A: bool, batch_only: bool):
    """Increment, space-time and Lévy area of ``[start, end]`` from those of its consecutive pieces
    ``[(W, H, A, a, b), ...]``: ``W = ΣW_k``, ``H = Σ (h_k/h) H_k + Σ W_k (c - m_k)/h`` (``c``, ``m_k`` the
    midpoints), ``A = ΣA_k + ½ Σ_{j<k} (W_j⊗W_k - W_k⊗W_j)``."""
    if len(pieces) == 1:
        W, H, A, _, _ = pieces[0]
        return W, H, A
    h = end - start
    c = 0.5 * (start + end)
    W = pieces[0][0]
    H = A = None
    if have_H:
        H = sum((b - a) / h * Hk + ((c - 0.5 * (a + b)) / h) * Wk for Wk, Hk, _, a, b in pieces)
    if have_A:
        A = pieces[0][2]
    for Wk, _, Ak, _, _ in pieces[1:]:
        if have_A:
            if batch_only:
                A = A + Ak
            else:
                A = A + Ak + 0.5 * (W.unsqueeze(-1) * Wk.unsqueeze(-2) - Wk.unsqueeze(-1) * W.unsqueeze(-2))
        W = W + Wk
    return W, H, A


def conditional_split(W, H, lengths, offsets, h, Z):
    """Increments (and space-time areas) of consecutive pieces of an interval, given the interval's own.

    ``lengths`` ``h_k`` and ``offsets`` ``(c - m_k)/h`` (``c``, ``m_k`` the midpoints of the interval and of
    piece ``k``) broadcast against ``Z[0]`` (pieces along the first axis); ``Z``: standard normals, two
    stacks (W, H) or one (W only). Draws the pieces unconditioned and adds the regression on the
    residual of the interval's values: exact conditional sampling, ``Cov(ΣW_k, H) = 0``,
    ``Var = (h, h/12)``.
    """
    Wn = Z[0] * lengths.sqrt()
    Wk = Wn + (lengths / h) * (W - Wn.sum(0))
    if H is None:
        return Wk, None
    Hn = Z[1] * (lengths / 12).sqrt()
    rH = H - ((lengths / h) * Hn).sum(0) - (offsets * Wn).sum(0)
    return Wk + (12.0 / h) * lengths * offsets * rH, Hn + (lengths / h) ** 2 * rH
