"""Data for the training loop: mini-batches that shard over ranks and resume where they stopped.

A trainer's ``data`` is any object with ``next()`` (this rank's part of the next batch); the
trainer also uses, when present, ``full()`` (this rank's part of all the data: L-BFGS and the
final log), ``share`` / ``full_share`` (that part's fraction of the global batch: the mean loss
of a part, weighted by it and summed over ranks, is the mean loss of the global batch),
``shard(rank, world)``, ``to(device, dtype)`` and ``state_dict()`` / ``load_state_dict()``.
:class:`Batches` is the one sciml provides.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["Batches"]


class Batches:
    """Batches of ``batch_size`` rows of ``tensors`` (same first dimension), reshuffled every epoch.

    ``batch_size=None``: every step sees all rows. The order of epoch ``e`` is a permutation drawn
    from a generator seeded with ``seed + e``, so the position (epoch, batch) is the whole state:
    a resumed run sees the same batches. Under several processes each global batch is split into
    contiguous parts, one per rank (the global batch stays what one process would see).
    """

    def __init__(self, *tensors, batch_size: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
            raise InputError("tensors", "one or more torch tensors", [type(t).__name__ for t in tensors])
        n = tensors[0].shape[0] if tensors[0].dim() else 0
        if n == 0 or any(t.dim() == 0 or t.shape[0] != n for t in tensors):
            raise InputError("tensors", "tensors with the same, non-zero first dimension",
                             [tuple(t.shape) for t in tensors])
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or not 1 <= batch_size):
            raise InputError("batch_size", "a positive number of rows or None (all rows)", repr(batch_size))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InputError("seed", "an integer", repr(seed))
        self.tensors, self.n = tuple(tensors), n
        self.batch_size = n if batch_size is None else min(batch_size, n)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), seed, bool(drop_last)
        self.rank, self.world = 0, 1
        self.epoch, self.position = 0, 0
        self._order = None
        self.share = 1.0
        self.full_share = 1.0

    # --- placement ---------------------------------------------------------------------------------
    def to(self, device=None, dtype=None) -> Batches:
        """Move the tensors (floating ones also to ``dtype``)."""
        self.tensors = tuple(t.to(device=device, dtype=dtype if dtype is not None and t.is_floating_point()
                                  else t.dtype) for t in self.tensors)
        return self

    def shard(self, rank: int, world: int) -> None:
        if world > self.batch_size:
            raise InputError("batch_size", f"at least one row per process ({world})", self.batch_size)
        self.rank, self.world = rank, world
        lo, hi = self._part(self.n)
        self.full_share = (hi - lo) / self.n

    def _part(self, size):
        return self.rank * size // self.world, (self.rank + 1) * size // self.world

    # --- batches -----------------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def _epoch_order(self):
        if self._order is None or self._order[0] != self.epoch:
            if self.shuffle:
                g = torch.Generator().manual_seed(self.seed + self.epoch)
                order = torch.randperm(self.n, generator=g)
            else:
                order = torch.arange(self.n)
            self._order = (self.epoch, order.to(self.tensors[0].device))
        return self._order[1]

    def next(self):
        """This rank's part of the next global batch (a tensor, or a tuple for several tensors)."""
        if self.position >= self.batches_per_epoch:
            self.epoch, self.position = self.epoch + 1, 0
        order = self._epoch_order()
        start = self.position * self.batch_size
        rows = order[start:start + self.batch_size]
        self.position += 1
        lo, hi = self._part(len(rows))
        self.share = (hi - lo) / len(rows)
        return self._take(rows[lo:hi])

    def full(self):
        """This rank's part of all rows, in their original order."""
        lo, hi = self._part(self.n)
        return self._take(slice(lo, hi))

    def _take(self, index):
        out = tuple(t[index] for t in self.tensors)
        return out[0] if len(out) == 1 else out

    # --- checkpoints -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position, "n": self.n, "batch_size": self.batch_size,
                "seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        if state.get("n") != self.n or state.get("batch_size") != self.batch_size:
            raise InputError("data", f"the data the checkpoint was written with ({state.get('n')} rows in "
                             f"batches of {state.get('batch_size')})", f"{self.n} rows in batches of {self.batch_size}")
        self.epoch, self.position = state["epoch"], state["position"]

    def __repr__(self):
        return f"Batches({self.n} rows, batch_size={self.batch_size}, shuffle={self.shuffle})"
