"""Bagging of sparse regressions: E-SINDy (Fasel, Kutz, Brunton & Brunton, Proc. R. Soc. A 478, 2022).

The rows of the regression (weak-form test functions or samples) are drawn
with replacement ``n_models`` times and the sparse regression is repeated on
each draw. Each term gets an inclusion probability (the fraction of models
that keep it) and a coefficient spread; the final model keeps the terms
included at least ``inclusion`` of the time and refits them on all rows.

The fits are independent: ``jobs=J`` spreads them over J worker processes of this machine, and
any executor with a ``map`` method (``concurrent.futures``, ``ray.util.multiprocessing.Pool``,
``mpi4py.futures.MPIPoolExecutor``, a Dask client's executor) runs them where it runs its tasks.
The draws are made first, in order, so the result does not depend on where the fits ran.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sciml.errors import InputError

__all__ = ["EnsembleResult", "bagging"]


@dataclass
class EnsembleResult:
    """Coefficients of every bagged model and their summary."""

    coefs: np.ndarray  # (n_models, n_terms)

    @property
    def inclusion(self) -> np.ndarray:
        return np.mean(self.coefs != 0, axis=0)

    @property
    def median(self) -> np.ndarray:
        return np.median(self.coefs, axis=0)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation of each coefficient over the models that include it (0 if none)."""
        out = np.zeros(self.coefs.shape[1])
        for j in range(self.coefs.shape[1]):
            c = self.coefs[self.coefs[:, j] != 0, j]
            out[j] = float(np.std(c, ddof=1)) if len(c) > 1 else 0.0
        return out


def bagging(G: np.ndarray, b: np.ndarray, fit: Callable[[np.ndarray, np.ndarray], np.ndarray],
            n_models: int = 50, seed: int | None = 0, progress: bool = False, jobs=1) -> EnsembleResult:
    """Repeat ``fit(G_rows, b_rows) -> coef`` on ``n_models`` bootstrap draws of the rows.

    ``jobs``: worker processes (1: in this process), or an executor with ``map`` (``fit`` must then be
    picklable: a module-level function or a ``functools.partial`` of one).
    """
    if isinstance(n_models, bool) or not isinstance(n_models, (int, np.integer)) or n_models < 2:
        raise InputError("n_models", "an integer >= 2", repr(n_models))
    executor = jobs if callable(getattr(jobs, "map", None)) else None
    if executor is None and (isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or jobs < 1):
        raise InputError("jobs", "a positive number of processes or an executor with map()", repr(jobs))
    from sciml.discovery.progress import progress_bar

    rng = np.random.default_rng(seed)
    n = G.shape[0]
    draws = [rng.integers(0, n, size=n) for _ in range(int(n_models))]
    if executor is None and jobs == 1:
        coefs = [fit(G[rows], b[rows]) for rows in progress_bar(draws, len(draws), progress, "ensemble", "model")]
        return EnsembleResult(np.asarray(coefs))
    parts = min(int(n_models), 4 * (jobs if executor is None else 8))
    tasks = [(G, b, fit, [draws[i] for i in chunk]) for chunk in np.array_split(np.arange(int(n_models)), parts)]
    if executor is None:
        with ProcessPoolExecutor(max_workers=int(jobs), mp_context=_context()) as pool:
            chunks = list(progress_bar(pool.map(_fit_draws, tasks), parts, progress, "ensemble", "chunk"))
    else:
        chunks = list(executor.map(_fit_draws, tasks))
    return EnsembleResult(np.asarray([c for chunk in chunks for c in chunk]))


def _fit_draws(task):
    G, b, fit, draws = task
    return [fit(G[rows], b[rows]) for rows in draws]


def _context():
    # fork starts workers at once and shares the loaded modules; elsewhere spawn (fit must pickle)
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
