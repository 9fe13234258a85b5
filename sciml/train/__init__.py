"""Training pieces shared by the neural solvers: devices and dtypes, progress bars,
checkpoints and an L-BFGS driver that says why it stopped. Imports torch only."""

from sciml.train.checkpoint import load_checkpoint, save_checkpoint
from sciml.train.device import resolve_device, resolve_dtype
from sciml.train.lbfgs import LBFGSReport, run_lbfgs
from sciml.train.progress import Progress

__all__ = ["resolve_device", "resolve_dtype", "Progress", "save_checkpoint", "load_checkpoint",
           "run_lbfgs", "LBFGSReport"]
