"""Bagging of sparse regressions: E-SINDy (Fasel, Kutz, Brunton & Brunton, Proc. R. Soc. A 478, 2022).

The rows of the regression (weak-form test functions or samples) are drawn
with replacement ``n_models`` times and the sparse regression is repeated on
each draw. Each term gets an inclusion probability (the fraction of models
that keep it) and a coefficient spread; the final model keeps the terms
included at least ``inclusion`` of the time and refits them on all rows.
"""

from __future__ import annotations

from collections.abc import Callable
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
            n_models: int = 50, seed: int | None = 0, progress: bool = False) -> EnsembleResult:
    """Repeat ``fit(G_rows, b_rows) -> coef`` on ``n_models`` bootstrap draws of the rows."""
    if isinstance(n_models, bool) or not isinstance(n_models, (int, np.integer)) or n_models < 2:
        raise InputError("n_models", "an integer >= 2", repr(n_models))
    from sciml.discovery.progress import progress_bar

    rng = np.random.default_rng(seed)
    n = G.shape[0]
    coefs = []
    for _ in progress_bar(range(int(n_models)), int(n_models), progress, "ensemble", "model"):
        rows = rng.integers(0, n, size=n)
        coefs.append(fit(G[rows], b[rows]))
    return EnsembleResult(np.asarray(coefs))
