"""Automatic choice of the sparsity threshold and of the library, per equation.

Candidates: every distinct support met along a sweep of MSTLS thresholds
``lam in 10^[-4, 0]`` (Messenger & Bortz 2021), in every candidate library.

Scoring: each candidate support is refitted by least squares on all
cross-validation blocks of time but one and tested on the one left out; its
relative held-out error ``e`` enters an information criterion in the spirit
of AIC (Akaike 1974; used for SINDy model selection by Mangan et al., Proc.
R. Soc. A 2017),

    score = log(e + floor) + penalty * k / n_eff,

with ``k`` the number of terms and ``n_eff`` the number of effectively
independent rows (for the weak form: how many non-overlapping test functions
fit in the data). The lowest score wins: a term must lower the held-out error
by a factor of about ``exp(penalty / n_eff)`` to earn its place, which is
stricter for short or heavily smoothed data. ``floor`` stops the comparison of
errors that are all at round-off level (clean data).

Every candidate's numbers are kept, so the choice can be reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.lapack import dposv

from sciml.discovery.stlsq import SupportSolver
from sciml.errors import InputError

__all__ = ["Choice", "cross_validation_error", "select_terms", "DEFAULT_THRESHOLDS", "time_folds"]

#: MSTLS thresholds swept when the threshold is automatic.
DEFAULT_THRESHOLDS = 10.0 ** np.linspace(-4, 0, 81)


@dataclass
class Choice:
    """What was chosen for one equation, and the alternatives it beat."""

    library: str
    threshold: float
    coef: np.ndarray
    cv_error: float
    score: float
    alternatives: list[dict] = field(default_factory=list)

    @property
    def n_terms(self) -> int:
        return int(np.count_nonzero(self.coef))


def time_folds(times: np.ndarray, n_folds: int = 5) -> np.ndarray:
    """Contiguous cross-validation blocks: fold of each row from its (relative) time position."""
    times = np.asarray(times, dtype=float)
    order = np.unique(times)
    rank = np.searchsorted(order, times)
    return np.minimum(rank * n_folds // max(len(order), 1), n_folds - 1)


class CrossValidator:
    """Held-out error of least squares on column subsets, one contiguous block of time at a time.

    The Gram matrix of the column-normalised library is computed once per fold,
    so scoring a support costs a few small Cholesky solves.
    """

    def __init__(self, G: np.ndarray, b: np.ndarray, folds: np.ndarray):
        norms = np.linalg.norm(G, axis=0)
        Gn = G / np.where(norms > 0, norms, 1.0)
        self.b_norm = float(np.linalg.norm(b))
        total_A, total_c = Gn.T @ Gn, Gn.T @ b
        self.folds = []
        for f in np.unique(folds):
            test = folds == f
            Gt, bt = Gn[test], b[test]
            A_t, c_t, bb_t = Gt.T @ Gt, Gt.T @ bt, float(bt @ bt)
            self.folds.append((total_A - A_t, total_c - c_t, A_t, c_t, bb_t))

    def error(self, support: np.ndarray) -> float:
        """sqrt(sum over folds of the held-out squared residual) / |b|."""
        if self.b_norm == 0:
            return 0.0
        if not support.any():
            return 1.0
        idx = np.ix_(support, support)
        err = 0.0
        for A_tr, c_tr, A_t, c_t, bb_t in self.folds:
            _, w, info = dposv(A_tr[idx], c_tr[support])
            if info != 0:
                w = np.linalg.lstsq(A_tr[idx], c_tr[support], rcond=None)[0]
            err += max(bb_t - 2 * w @ c_t[support] + w @ A_t[idx] @ w, 0.0)
        return float(np.sqrt(err) / self.b_norm)


def cross_validation_error(G: np.ndarray, b: np.ndarray, support: np.ndarray, folds: np.ndarray) -> float:
    """Relative held-out error of least squares on ``support``, one fold at a time."""
    return CrossValidator(G, b, folds).error(np.asarray(support, dtype=bool))


def select_terms(G: np.ndarray, b: np.ndarray, libraries: Mapping[str, Sequence[int]], folds: np.ndarray,
                 n_eff: float, threshold: float | str = "auto", penalty: float = 2.0, floor: float = 1e-4,
                 fit_factory: Callable | None = None,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Choice:
    """Choose a sparse model for one equation ``b ~ G w`` over several candidate libraries.

    Parameters
    ----------
    G, b : arrays
        The full (union) library matrix and the target.
    libraries : mapping name -> column indices of ``G``
        Candidate libraries, each a subset of the columns.
    folds : int array
        Cross-validation block of every row.
    n_eff : float
        Effective number of independent rows.
    threshold : "auto" or float
        "auto" sweeps MSTLS thresholds; a number is an absolute coefficient
        threshold (plain STLSQ, as in PySINDy), used for every library.
    penalty, floor : float
        See the module docstring.
    fit_factory : callable or None
        ``fit_factory(G_sub, b) -> fit(threshold) -> coef`` to use another
        optimizer (SR3) instead of (M)STLSQ.
    """
    if not libraries:
        raise InputError("libraries", "at least one candidate library", "none")
    if not n_eff > 0:
        raise InputError("n_eff", "a positive number of independent rows", n_eff)
    auto = isinstance(threshold, str)
    if auto and threshold != "auto":
        raise InputError("threshold", "'auto' or a non-negative number", repr(threshold))
    sweep = thresholds if auto else [float(threshold)]
    validator = CrossValidator(G, b, folds)
    full = SupportSolver(G, b)
    candidates: dict[bytes, dict] = {}
    for name, cols in libraries.items():
        cols = np.asarray(cols, dtype=int)
        Gs = G[:, cols]
        if fit_factory is not None:
            fit = fit_factory(Gs, b)
        else:
            solver = SupportSolver(Gs, b, gram=full._gram[np.ix_(cols, cols)])
            path = {"support": None}  # warm start: each threshold starts from the last support

            def fit(lam, solver=solver, path=path):
                w = solver.threshold(lam, relative=auto, start=path["support"])
                path["support"] = w != 0
                if not auto:  # an absolute threshold must hold for the refitted coefficients
                    w = solver.refit(w != 0)
                return w

        for lam in sweep:
            w = fit(lam)
            coef = np.zeros(G.shape[1])
            coef[cols] = w
            key = np.packbits(coef != 0).tobytes()
            if key in candidates:
                c = candidates[key]
                c["threshold_range"] = (min(c["threshold_range"][0], float(lam)),
                                        max(c["threshold_range"][1], float(lam)))
            else:
                cv = validator.error(coef != 0)
                k = int(np.count_nonzero(coef))
                candidates[key] = {"library": name, "threshold_range": (float(lam), float(lam)), "coef": coef,
                                   "cv_error": cv, "n_terms": k,
                                   "score": float(np.log(cv + floor) + penalty * k / n_eff)}
            if not w.any():  # every larger threshold drops everything too
                break
    pool = list(candidates.values())
    for c in pool:  # the middle (geometric) of the thresholds that gave this support
        c["threshold"] = float(np.sqrt(c["threshold_range"][0] * c["threshold_range"][1]))
    chosen = min(pool, key=lambda c: (c["score"], c["n_terms"]))
    alternatives = sorted(({k: v for k, v in c.items() if k != "coef"} for c in pool),
                          key=lambda c: c["score"])
    coef = full.refit(chosen["coef"] != 0)  # final coefficients by QR, not the normal equations
    return Choice(chosen["library"], chosen["threshold"], coef, chosen["cv_error"], chosen["score"], alternatives)
