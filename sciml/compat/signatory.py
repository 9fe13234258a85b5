"""signatory's core namespace (signatures and log-signatures) over sciml's torch implementation.

signatory (Kidger & Lyons 2021) has no build for current torch; torchcde's log-ODE method and its
tests call ``signatory.Logsignature(depth)(path)`` and ``signatory.logsignature_channels``. Only
``mode="words"`` (signatory's default) and ``"expand"`` are provided, without streams.
"""

from __future__ import annotations

import torch

from sciml.integrate.cde.logsignature import logsignature, logsignature_channels, signature, signature_channels

__all__ = ["signature", "logsignature", "signature_channels", "logsignature_channels", "Signature", "Logsignature"]


class Signature(torch.nn.Module):
    """``Signature(depth)(path, basepoint=False)``: :func:`signature` as a module."""

    def __init__(self, depth: int):
        super().__init__()
        self.depth = depth

    def forward(self, path, basepoint=False):
        return signature(path, self.depth, basepoint=basepoint)


class Logsignature(torch.nn.Module):
    """``Logsignature(depth, mode="words")(path, basepoint=False)``: :func:`logsignature` as a module."""

    def __init__(self, depth: int, mode: str = "words"):
        super().__init__()
        self.depth, self.mode = depth, mode

    def forward(self, path, basepoint=False):
        return logsignature(path, self.depth, basepoint=basepoint, mode=self.mode)
