"""Truncated signatures and log-signatures of piecewise-linear paths, in torch (any device, differentiable).

The signature of a path is the sequence of its iterated integrals, an element of the tensor
algebra; for a straight segment with increment ``Δ`` it is ``exp(Δ) = (1, Δ, Δ⊗Δ/2!, …)``, and
for a concatenation it is the tensor product of the pieces' signatures (Chen's identity). Here the
products are taken as a balanced tree over the segments, so a path of ``L`` points costs
``log₂ L`` batched rounds rather than ``L`` sequential ones. The log-signature is the logarithm in
the truncated tensor algebra, ``log(1 + X) = Σ (−1)^{n+1} Xⁿ / n``, reported by default as the
coefficients of the Lyndon words (signatory's ``mode="words"``, its default): as many numbers as
the free Lie algebra's dimension, no information lost (Reutenauer, *Free Lie algebras*, 1993;
Kidger & Lyons, "Signatory", ICLR 2021; Morrill et al., "Neural rough differential equations for
long time series", ICML 2021).

Layout (signatory's): levels ``1 … depth`` flattened and concatenated, the word ``(i₁ … i_k)`` at
position ``Σ i_p C^{k−p}`` of level ``k``; Lyndon words ordered by length, then lexicographically.
"""

from __future__ import annotations

import functools
from numbers import Integral

import torch

from sciml.errors import InputError

__all__ = ["signature", "logsignature", "signature_channels", "logsignature_channels", "lyndon_words",
           "exp_levels", "tensor_product", "tensor_log", "signature_of_increments"]

MODES = ("words", "expand")


@functools.cache
def lyndon_words(channels: int, depth: int) -> tuple[tuple[int, ...], ...]:
    """The Lyndon words of length ≤ ``depth`` over ``0 … channels − 1``: by length, then lexicographic.

    Generated with Duval's algorithm (Duval, "Génération d'une section des classes de conjugaison
    et arbre des mots de Lyndon de longueur bornée", Theoret. Comput. Sci., 1988).
    """
    words, w = [], [-1]
    while w:
        w[-1] += 1
        words.append(tuple(w))
        m = len(w)
        while len(w) < depth:
            w.append(w[-m])
        while w and w[-1] == channels - 1:
            w.pop()
    return tuple(sorted(words, key=lambda v: (len(v), v)))


def signature_channels(channels: int, depth: int) -> int:
    """Entries of a depth-``depth`` signature of a ``channels``-dimensional path: ``Σ_k channels^k``."""
    return sum(channels ** k for k in range(1, depth + 1))


def logsignature_channels(channels: int, depth: int) -> int:
    """Entries of a log-signature in the Lyndon-word basis (the free Lie algebra's dimension, Witt's formula)."""
    return len(lyndon_words(channels, depth))


def _outer(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.unsqueeze(-1) * b.unsqueeze(-2)).flatten(-2)


def exp_levels(delta: torch.Tensor, depth: int) -> list[torch.Tensor]:
    """``exp(Δ)`` in the truncated tensor algebra, levels ``1 … depth`` (the signature of one segment)."""
    levels = [delta]
    for k in range(2, depth + 1):
        levels.append(_outer(levels[-1], delta) / k)
    return levels


def tensor_product(a: list[torch.Tensor], b: list[torch.Tensor], depth: int, unit: bool = True) -> list:
    """``a ⊗ b`` truncated at ``depth``; with ``unit`` both carry an implicit scalar term 1 (group-like)."""
    out = []
    for k in range(1, depth + 1):
        terms = [_outer(a[i - 1], b[k - i - 1]) for i in range(1, k)]
        if unit:
            terms += [a[k - 1], b[k - 1]]
        out.append(functools.reduce(torch.add, terms) if terms else torch.zeros_like(a[k - 1]))
    return out


def tensor_log(levels: list[torch.Tensor], depth: int) -> list[torch.Tensor]:
    """``log(1 + X)`` for ``X`` with no scalar term, truncated at ``depth``."""
    power = levels
    out = list(levels)
    for n in range(2, depth + 1):
        power = tensor_product(power, levels, depth, unit=False)
        sign = (-1) ** (n + 1) / n
        out = [o + sign * p for o, p in zip(out, power)]
    return out


def signature_of_increments(increments: torch.Tensor, depth: int) -> list[torch.Tensor]:
    """Signature levels of the path with segments ``increments (..., n, C)`` (zero segments are allowed: exp(0) = 1)."""
    levels = exp_levels(increments, depth)
    while levels[0].size(-2) > 1:
        if levels[0].size(-2) % 2:
            levels = [torch.cat([v, torch.zeros_like(v[..., :1, :])], dim=-2) for v in levels]
        levels = tensor_product([v[..., 0::2, :] for v in levels], [v[..., 1::2, :] for v in levels], depth)
    return [v.squeeze(-2) for v in levels]


def _check(path, depth, name="path"):
    if not isinstance(path, torch.Tensor) or not path.is_floating_point() or path.dim() < 2:
        raise InputError(name, "a floating tensor (..., length, channels)", getattr(path, "shape", type(path)))
    if isinstance(depth, bool) or not isinstance(depth, Integral) or depth < 1:
        raise InputError("depth", "a positive integer", repr(depth))
    if path.size(-2) < 1 or path.size(-1) < 1:
        raise InputError(name, "at least one point and one channel", f"shape {tuple(path.shape)}")


def _increments(path, basepoint):
    if basepoint is True:
        basepoint = torch.zeros_like(path[..., 0, :])
    if basepoint is not False and basepoint is not None:
        path = torch.cat([basepoint.expand_as(path[..., :1, :]), path], dim=-2)
    if path.size(-2) < 2:  # a single point: the trivial path, signature 1
        return torch.zeros_like(path[..., :1, :])
    return path[..., 1:, :] - path[..., :-1, :]


def signature(path: torch.Tensor, depth: int, basepoint=False) -> torch.Tensor:
    """The signature of the piecewise-linear path through ``path (..., length, channels)``, levels 1…depth.

    ``basepoint``: ``True`` starts the path at the origin, a tensor ``(..., channels)`` at that point.
    Returns ``(..., signature_channels(channels, depth))``.
    """
    _check(path, depth)
    return torch.cat(signature_of_increments(_increments(path, basepoint), depth), dim=-1)


def words_from_levels(levels: list[torch.Tensor], channels: int, depth: int) -> torch.Tensor:
    """The entries of the Lyndon words, from full tensor-algebra levels."""
    picked = []
    for k in range(1, depth + 1):
        index = [sum(i * channels ** (k - 1 - p) for p, i in enumerate(w)) for w in lyndon_words(channels, depth)
                 if len(w) == k]
        if index:
            picked.append(levels[k - 1][..., torch.tensor(index, dtype=torch.long, device=levels[k - 1].device)])
    return torch.cat(picked, dim=-1)


def logsignature(path: torch.Tensor, depth: int, basepoint=False, mode: str = "words") -> torch.Tensor:
    """The log-signature of the piecewise-linear path through ``path (..., length, channels)``.

    ``mode="words"``: the coefficients of the Lyndon words, ``(..., logsignature_channels(C, depth))``
    (signatory's default); ``"expand"``: the whole truncated tensor logarithm,
    ``(..., signature_channels(C, depth))``.
    """
    _check(path, depth)
    if mode not in MODES:
        raise InputError("mode", f"one of {', '.join(map(repr, MODES))}", repr(mode))
    levels = tensor_log(signature_of_increments(_increments(path, basepoint), depth), depth)
    if mode == "expand":
        return torch.cat(levels, dim=-1)
    return words_from_levels(levels, path.size(-1), depth)
