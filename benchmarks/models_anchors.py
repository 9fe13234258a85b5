"""The anchor libraries of benchmarks/models.py: torchdiffeq and torchdyn, imported when installed.

torchdyn 1.0.6 (installed with ``pip install --no-deps torchdyn``) imports ``pytorch_lightning``
only to subclass ``LightningModule`` and ``attr`` only to decorate its event callbacks; neither is
used by ``NeuralODE`` or ``CNF``. When those packages are missing, two stand-ins are put in
``sys.modules`` for this process only (``LightningModule = nn.Module``; ``attr.s`` = identity), so
the benchmark runs torchdyn's own solvers and adjoint unchanged without pulling Lightning in.
"""

from __future__ import annotations

import importlib.util
import sys
import types

import torch

__all__ = ["torchdiffeq", "torchdyn", "TDNeuralODE", "TDCNF", "td_autograd_trace", "TDAugmenter", "stand_ins"]

stand_ins: list[str] = []


def _stand_in_modules():
    if importlib.util.find_spec("pytorch_lightning") is None:
        pl = types.ModuleType("pytorch_lightning")
        pl.LightningModule = torch.nn.Module
        sys.modules["pytorch_lightning"] = pl
        stand_ins.append("pytorch_lightning")
    if importlib.util.find_spec("attr") is None:
        attr = types.ModuleType("attr")
        attr.s = lambda cls=None, **kw: cls if cls is not None else (lambda c: c)
        sys.modules["attr"] = attr
        stand_ins.append("attr")


try:
    import torchdiffeq
except ImportError:  # pragma: no cover
    torchdiffeq = None

try:
    _stand_in_modules()
    import torchdyn
    from torchdyn.core import NeuralODE as TDNeuralODE
    from torchdyn.models import CNF as TDCNF
    from torchdyn.models.cnf import autograd_trace as td_autograd_trace
    from torchdyn.nn import Augmenter as TDAugmenter
except ImportError:  # pragma: no cover
    torchdyn = TDNeuralODE = TDCNF = td_autograd_trace = TDAugmenter = None
