"""Several processes on PyTorch's distributed engine (``torch.distributed``), as launched by ``torchrun``.

:func:`setup` reads the launcher's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``/``MASTER_PORT``) and joins the process group once: ``gloo`` for CPU tensors,
``nccl`` for CUDA ones (each process on the GPU of its local rank), with a timeout so that a rank
that died or hangs ends the job with a clear :class:`DistributedError` instead of a hang. Without
those variables (or with ``WORLD_SIZE=1``) everything here is a no-op for a single process.

Gradients are averaged the way DDP's reducer does it -- one all-reduce of the flattened gradients
per step -- but called explicitly after ``backward``: DDP's module wrapper cannot follow the
higher-order derivatives of a physics-informed loss (``autograd.grad`` with ``create_graph``) nor
losses that evaluate a network through its own forward-mode jets, and the explicit form also
carries the loss values and the stop flags of every rank in the same message.
"""

from __future__ import annotations

import atexit
import datetime
import os
from dataclasses import dataclass

import torch

from sciml.errors import InputError, SolverError

__all__ = ["Context", "DistributedError", "setup", "shutdown", "current", "environment"]

DEFAULT_TIMEOUT = 300.0


class DistributedError(SolverError):
    """A collective operation failed: another rank crashed, was killed, or did not answer in time."""


@dataclass(frozen=True)
class Context:
    """This process's place in the job: ``rank`` of ``world`` processes, ``device`` and ``backend``."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    backend: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # --- collectives (each a no-op for one process) ----------------------------------------------
    def all_reduce(self, tensor: torch.Tensor, what: str, op: str = "sum") -> torch.Tensor:
        """Sum (or max) ``tensor`` over ranks, in place."""
        if self.active:
            reduce_op = {"sum": torch.distributed.ReduceOp.SUM, "max": torch.distributed.ReduceOp.MAX}[op]
            self._call(what, torch.distributed.all_reduce, tensor, op=reduce_op)
        return tensor

    def broadcast(self, tensor: torch.Tensor, what: str, src: int = 0) -> torch.Tensor:
        if self.active:
            self._call(what, torch.distributed.broadcast, tensor, src=src)
        return tensor

    def barrier(self, what: str = "a barrier") -> None:
        if self.active:
            flag = torch.zeros(1, device=self.device)
            self.all_reduce(flag, what)  # a barrier that honours the timeout on every backend

    def any(self, flag: bool, what: str) -> bool:
        """True on every rank when ``flag`` is true on at least one."""
        if not self.active:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        return bool(self.all_reduce(t, what, op="max").item() > 0)

    def broadcast_index(self, value: int, what: str) -> int:
        """Rank 0's ``value`` on every rank (for choices that must agree, such as a timed engine choice)."""
        if not self.active:
            return int(value)
        t = torch.tensor([int(value)], dtype=torch.int64, device=self.device)
        return int(self.broadcast(t, what).item())

    def broadcast_module(self, module: torch.nn.Module) -> None:
        """Give every rank rank 0's parameters and buffers (identical initial weights)."""
        if not self.active:
            return
        with torch.no_grad():
            for name, tensor in module.state_dict(keep_vars=True).items():
                if isinstance(tensor, torch.Tensor):
                    self.broadcast(tensor.data, f"the initial value of {name}")

    def _call(self, what, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DistributedError(
                f"rank {self.rank} of {self.world}: {what} failed ({first})",
                hint=f"another training process crashed, was killed or did not answer within {self.timeout:g} s; "
                "see the first error in the other ranks' output") from exc


_CURRENT: Context | None = None
_OWNED = False


def environment() -> tuple[int, int, int] | None:
    """(rank, world size, local rank) from a launcher's environment, or None for a single process."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return None
    try:
        world, rank = int(os.environ["WORLD_SIZE"]), int(os.environ["RANK"])
        local = int(os.environ.get("LOCAL_RANK", rank))
    except ValueError as exc:
        raise InputError("RANK/WORLD_SIZE", "integers set by torchrun", str(exc)) from None
    if world < 1 or not 0 <= rank < world:
        raise InputError("RANK/WORLD_SIZE", "0 <= RANK < WORLD_SIZE", f"RANK={rank}, WORLD_SIZE={world}")
    return (rank, world, local) if world > 1 else None


def current() -> Context:
    """The context joined by :func:`setup` (a single-process one before)."""
    return _CURRENT if _CURRENT is not None else Context()


def setup(device=None, enabled="auto", timeout: float | None = None) -> Context:
    """Join the job's process group if launched by ``torchrun`` (idempotent); return this rank's context.

    ``device``: the device the caller asked for; under several processes ``cuda`` becomes
    ``cuda:LOCAL_RANK``. ``enabled``: "auto" (from the environment), False (always one process)
    or a :class:`Context`. ``timeout``: seconds a collective may wait (default ``SCIML_DIST_TIMEOUT``
    or 300).
    """
    global _CURRENT, _OWNED
    if isinstance(enabled, Context):
        return enabled
    device = torch.device("cpu") if device is None else torch.device(device)
    if enabled not in ("auto", False, True):
        raise InputError("distributed", "'auto', False, True or a Context", repr(enabled))
    env = environment() if enabled is not False else None
    if env is None:
        if enabled is True:
            raise InputError("distributed", "a launch by torchrun (RANK and WORLD_SIZE > 1 in the environment)",
                             "no such environment", "run through `torchrun --nproc-per-node N ...`")
        return Context(device=device)
    rank, world, local = env
    if device.type == "cuda":
        device = torch.device("cuda", local if device.index is None else device.index)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if timeout is None:
        timeout = float(os.environ.get("SCIML_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    if _CURRENT is not None and _CURRENT.world == world:
        if _CURRENT.device != device:
            raise InputError("device", f"the device this process already trains on ({_CURRENT.device})", str(device))
        return _CURRENT
    if not torch.distributed.is_available():
        raise InputError("distributed", "a torch built with torch.distributed", "a torch without it")
    if not torch.distributed.is_initialized():
        os.environ.setdefault("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1")  # a stuck NCCL collective raises
        try:
            torch.distributed.init_process_group(backend=backend, rank=rank, world_size=world,
                                                 timeout=datetime.timedelta(seconds=timeout))
        except (RuntimeError, ValueError) as exc:
            raise DistributedError(f"rank {rank} of {world}: could not join the process group ({exc})",
                                   hint="check MASTER_ADDR/MASTER_PORT and that every rank was started") from exc
        _OWNED = True
        atexit.register(shutdown)
    _CURRENT = Context(rank=rank, world=world, local_rank=local, device=device, backend=backend, timeout=timeout)
    return _CURRENT


def shutdown() -> None:
    """Leave the process group if :func:`setup` joined it."""
    global _CURRENT, _OWNED
    if _OWNED and torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    _CURRENT, _OWNED = None, False
