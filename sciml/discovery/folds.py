"""Cross-validation folds for time-dependent data: interleaved blocks with a guard gap.

Model selection holds out blocks of time. Contiguous blocks (one fifth of the
record each) fail for transients: when the dynamics change one way over the
record (a decay onto a limit cycle), the held-out fifth is unlike the other
four and every candidate scores badly. Here each trajectory is cut into many
short blocks, dealt to the folds in turn (offset per trajectory, so that the
first block of every trajectory — where transients live — is not always in
the same fold), so every fold samples the whole record.

Neighbouring rows are not independent: a weak-form row integrates the data
over the support of its test function, a strong-form row over its smoothing
stencil. Rows of the training set closer than ``guard`` to a held-out row
would leak the held-out noise into the fit, so they are left out of training
for that fold (hv-block cross-validation: Burman, Chow & Nolan, Biometrika
1994; Racine, J. Econometrics 2000).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sciml.errors import InputError

__all__ = ["Folds", "interleaved_folds"]


@dataclass
class Folds:
    """Which rows each fold tests (``test``: fold of each row) and which it keeps out of training.

    ``excluded[f]`` is a boolean mask of the rows left out of fold ``f``'s
    training set: its test rows and their guard band. Without it, training is
    every row not tested.
    """

    test: np.ndarray
    excluded: list[np.ndarray] | None = None
    description: str = ""

    @property
    def n_folds(self) -> int:
        return len(np.unique(self.test))

    def training_excluded(self, fold: int) -> np.ndarray:
        if self.excluded is None:
            return self.test == fold
        return self.excluded[fold]


def interleaved_folds(times: Sequence[np.ndarray], guard: Sequence[float], n_folds: int = 5,
                      blocks_per_guard: float = 2.0) -> Folds:
    """Folds for the rows of several trajectories, rows listed trajectory after trajectory.

    Parameters
    ----------
    times : list of arrays
        The time of each row (its test-function centre or sample time), one array per trajectory.
    guard : list of float
        Per trajectory, the time over which neighbouring rows share data (a
        test function's full support, or a smoothing window).
    n_folds : int
        Number of folds.
    blocks_per_guard : float
        Block length in units of the guard; longer blocks lose fewer rows to
        the guard bands.
    """
    if len(times) != len(guard) or not times:
        raise InputError("times, guard", "one guard per trajectory", (len(times), len(guard)))
    times = [np.asarray(t, dtype=float) for t in times]
    test = np.concatenate([_blocks(t, g, k, n_folds, blocks_per_guard) for k, (t, g) in enumerate(zip(times,
                                                                                                     guard))])
    present = [f for f in range(n_folds) if (test == f).any()]
    if len(present) < 2:
        raise InputError("data", "enough samples for at least two cross-validation folds", f"{len(test)} rows")
    remap = np.full(n_folds, -1)
    remap[present] = np.arange(len(present))
    test = remap[test]
    # short records: a guard as wide as the record would leave nothing to train on, so it shrinks
    for scale in (1.0, 0.5, 0.25, 0.0):
        excluded = _guarded(times, [scale * float(g) for g in guard], test, len(present))
        kept = min(np.count_nonzero(~e) / max(np.count_nonzero(test != f), 1) for f, e in enumerate(excluded))
        if kept >= MIN_TRAINING_KEPT or scale == 0.0:
            break
    gap = "guard gap" if scale == 1.0 else (f"guard gap x{scale:g}" if scale else "no guard gap")
    return Folds(test, excluded, f"{len(present)} interleaved folds of time blocks, {gap}")


#: the guard gap shrinks until every fold keeps at least this fraction of its training rows
MIN_TRAINING_KEPT = 0.6


def _blocks(t: np.ndarray, guard: float, k: int, n_folds: int, blocks_per_guard: float) -> np.ndarray:
    """Fold of each row of one trajectory: short blocks dealt in turn, starting at fold ``k``."""
    span = float(t.max() - t.min()) if len(t) else 0.0
    block = max(blocks_per_guard * float(guard), span / (n_folds * 64), np.finfo(float).tiny)
    n_blocks = int(np.floor(span / block)) + 1
    if n_blocks < n_folds:  # a short record: contiguous blocks, as many as there are folds
        return np.minimum(((t - t.min()) / (span or 1.0) * n_folds).astype(int), n_folds - 1)
    return (np.minimum(((t - t.min()) / block).astype(int), n_blocks - 1) + k) % n_folds


def _guarded(times, guards, test, n_folds) -> list[np.ndarray]:
    """Per fold, the rows within ``guard`` of one of its test rows in the same trajectory."""
    out = [[] for _ in range(n_folds)]
    start = 0
    for t, g in zip(times, guards):
        fold = test[start:start + len(t)]
        start += len(t)
        for f in range(n_folds):
            tested = np.sort(t[fold == f])
            if not len(tested):
                out[f].append(np.zeros(len(t), dtype=bool))
                continue
            pos = np.searchsorted(tested, t)
            left = np.abs(t - tested[np.clip(pos - 1, 0, len(tested) - 1)])
            right = np.abs(tested[np.clip(pos, 0, len(tested) - 1)] - t)
            out[f].append((np.minimum(left, right) < g) | (fold == f))
    return [np.concatenate(parts) for parts in out]
