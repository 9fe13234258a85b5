"""The one training loop of sciml (PINNs, neural-DE models and UDEs all train through it). Imports torch only.

>>> import torch
>>> from sciml import train
>>> x = torch.linspace(-1, 1, 64, dtype=torch.float64)[:, None]
>>> y = torch.sin(3 * x)
>>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()
>>> def loss(batch):
...     xb, yb = batch
...     return torch.mean((net(xb) - yb) ** 2)
>>> result = train.train(net, loss, data=train.Batches(x, y, batch_size=16, seed=0),
...                      phases=[train.Adam(300, lr=1e-2, schedule=train.CosineDecay()), train.LBFGS(50)],
...                      progress=False)                      # doctest: +SKIP
>>> result.history["loss"][-1] < 1e-3, result.phase("lbfgs")["reasons"]  # doctest: +SKIP

- :class:`Trainer` / :func:`train`: the loop; :class:`TrainResult` (``model``, ``history``, ``info``);
- phases: :class:`Adam`, :class:`Optimizer` (any ``torch.optim`` class), :class:`LBFGS`; schedules
  :class:`StepDecay`, :class:`ExponentialDecay`, :class:`CosineDecay`, :class:`Warmup`, :class:`OnPlateau`;
- data: :class:`Batches` (shuffled, sharded over ranks, resumable); callbacks: :class:`Callback`,
  :class:`KeepBest`, :class:`EarlyStopping`, :func:`on_log`;
- checkpoints: :class:`Checkpoints` (every N iterations / T seconds, atomic, verified), ``resume=``;
  :class:`TrainingInterrupted` after SIGINT/SIGTERM;
- several processes: :mod:`sciml.train.distributed` (under ``torchrun``), :mod:`sciml.train.launch`
  (``--nproc N``);
- pieces: :func:`resolve_device`, :func:`resolve_dtype`, :class:`Progress`, :func:`run_lbfgs`,
  :func:`save_checkpoint` / :func:`load_checkpoint`.

See ``docs/train.md`` (the API, with a runnable example) and ``docs/scaling.md`` (processes, machines, GPUs).
"""

from sciml.train import distributed
from sciml.train.callbacks import Callback, EarlyStopping, KeepBest, on_log
from sciml.train.checkpoint import load_checkpoint, save_checkpoint
from sciml.train.data import Batches
from sciml.train.device import resolve_device, resolve_dtype
from sciml.train.lbfgs import LBFGSReport, LBFGSRun, run_lbfgs
from sciml.train.phases import LBFGS, Adam, Optimizer, Phase
from sciml.train.progress import Progress
from sciml.train.schedules import CosineDecay, ExponentialDecay, OnPlateau, StepDecay, Warmup
from sciml.train.signals import TrainingInterrupted
from sciml.train.store import Checkpoints
from sciml.train.trainer import Trainer, TrainResult, train

__all__ = ["Trainer", "TrainResult", "train", "Adam", "Optimizer", "LBFGS", "Phase", "StepDecay",
           "ExponentialDecay", "CosineDecay", "Warmup", "OnPlateau", "Batches", "Callback", "KeepBest",
           "EarlyStopping", "on_log", "Checkpoints", "TrainingInterrupted", "distributed", "resolve_device",
           "resolve_dtype", "Progress", "save_checkpoint", "load_checkpoint", "run_lbfgs", "LBFGSReport", "LBFGSRun"]
