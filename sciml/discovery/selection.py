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

from sciml.discovery.folds import Folds
from sciml.discovery.stlsq import SupportSolver
from sciml.errors import InputError

__all__ = ["Choice", "cross_validation_error", "select_terms", "DEFAULT_THRESHOLDS", "time_folds"]

#: how many of the best threshold-path supports seed a backward elimination
ELIMINATION_STARTS = 3

#: candidates within this fraction of one term's penalty of the best score count as equally good
NEAR_EQUAL = 0.5

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
    """Held-out error of least squares on column subsets, one fold at a time.

    The Gram matrix of the column-normalised library is computed once per fold
    (training: every row minus the fold's excluded rows; test: the fold's rows),
    so scoring a support costs a few small Cholesky solves.
    """

    def __init__(self, G: np.ndarray, b: np.ndarray, folds):
        folds = as_folds(folds)
        norms = np.linalg.norm(G, axis=0)
        Gn = G / np.where(norms > 0, norms, 1.0)
        self.b_norm = float(np.linalg.norm(b))
        total_A, total_c = Gn.T @ Gn, Gn.T @ b
        self.folds = []
        for f in range(folds.n_folds):
            test = folds.test == f
            out = folds.training_excluded(f)
            Gt, bt = Gn[test], b[test]
            if out is test or np.array_equal(out, test):
                A_out, c_out = Gt.T @ Gt, Gt.T @ bt
            else:
                A_out, c_out = Gn[out].T @ Gn[out], Gn[out].T @ b[out]
            self.folds.append((total_A - A_out, total_c - c_out, Gt.T @ Gt, Gt.T @ bt, float(bt @ bt)))

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


def as_folds(folds) -> Folds:
    """A :class:`~sciml.discovery.folds.Folds` from one (or an int array of test folds)."""
    if isinstance(folds, Folds):
        return folds
    test = np.asarray(folds)
    _, test = np.unique(test, return_inverse=True)
    return Folds(test.astype(int))


def cross_validation_error(G: np.ndarray, b: np.ndarray, support: np.ndarray, folds) -> float:
    """Relative held-out error of least squares on ``support``, one fold at a time."""
    return CrossValidator(G, b, folds).error(np.asarray(support, dtype=bool))


def _add(candidates, support, library, lam, validator, penalty, floor, n_eff, origin="threshold") -> None:
    """Record a candidate support, or widen the threshold range of one met on the threshold path.

    ``lam`` is a threshold (or, for ``origin="elimination"``, the threshold range of the support the
    elimination started from, which such a support keeps).
    """
    key = np.packbits(support).tobytes()
    lo, hi = (lam, lam) if np.isscalar(lam) else lam
    if key in candidates:
        c = candidates[key]
        if origin == "threshold" and c["origin"] == "threshold":
            c["threshold_range"] = (min(c["threshold_range"][0], lo), max(c["threshold_range"][1], hi))
        return
    cv = validator.error(support)
    k = int(np.count_nonzero(support))
    candidates[key] = {"library": library, "threshold_range": (lo, hi), "support": support.copy(),
                       "cv_error": cv, "n_terms": k, "score": float(np.log(cv + floor) + penalty * k / n_eff),
                       "origin": origin}


def backward_elimination(solver: SupportSolver, support: np.ndarray, max_terms: int = 24) -> list[np.ndarray]:
    """Supports met by dropping, one at a time, the term whose loss raises the residual least.

    Dropping term ``j`` from a least-squares fit raises the residual sum of
    squares by ``w_j^2 / [(G^T G)^-1]_jj`` (the squared t statistic times the
    residual variance), so each step costs one small inverse. Thresholding
    drops every small term at once; this visits the supports in between (a
    1%-of-the-signal term next to noise-level ones).
    """
    idx = np.nonzero(support)[0]
    if len(idx) > max_terms:
        return []
    out = []
    while len(idx) > 1:
        A = solver._gram[np.ix_(idx, idx)]
        try:
            inv = np.linalg.inv(A)
        except np.linalg.LinAlgError:
            break
        w = inv @ solver._rhs[idx]
        drop = int(np.argmin(w**2 / np.maximum(np.diag(inv), 1e-300)))
        idx = np.delete(idx, drop)
        step = np.zeros_like(support)
        step[idx] = True
        out.append(step)
    return out


def _simplest_near_best(pool: list[dict], libraries: Mapping[str, Sequence[int]], tolerance: float) -> dict:
    """The best-scoring candidate, or a simpler one whose score is within ``tolerance`` of it.

    Simpler: its smallest containing candidate library is polynomial rather
    than with Fourier terms, then has fewer columns, then the candidate has
    fewer terms. At small amplitudes ``sin(x)`` and ``x`` (or ``x - x^3/6``)
    cannot be told apart; the criterion's resolution is a fraction of one
    term's penalty.
    """
    best = min(pool, key=lambda c: (c["score"], c["n_terms"]))
    sets = sorted((("fourier" in name, len(cols), i, set(np.asarray(cols, dtype=int).tolist()))
                   for i, (name, cols) in enumerate(libraries.items())), key=lambda r: r[:3])

    def complexity(c):
        cols = set(np.nonzero(c["support"])[0].tolist())
        rank = next((j for j, r in enumerate(sets) if cols <= r[3]), len(sets))
        return (rank, c["n_terms"], c["score"])

    near = [c for c in pool if c["score"] <= best["score"] + tolerance]
    return min(near, key=complexity)


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
    folds : Folds or int array
        Cross-validation folds (an int array: the test fold of every row).
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
            _add(candidates, coef != 0, name, float(lam), validator, penalty, floor, n_eff)
            if not w.any():  # every larger threshold drops everything too
                break
    if auto:  # fill the gaps of the threshold path: backward elimination from the best supports
        best = sorted(candidates.values(), key=lambda c: c["score"])[:ELIMINATION_STARTS]
        for c in best:
            for support in backward_elimination(full, c["support"]):
                _add(candidates, support, c["library"], c["threshold_range"], validator, penalty, floor, n_eff,
                     origin="elimination")
    pool = list(candidates.values())
    for c in pool:  # the middle (geometric) of the thresholds that gave this support
        c["threshold"] = float(np.sqrt(c["threshold_range"][0] * c["threshold_range"][1]))
    chosen = _simplest_near_best(pool, libraries, NEAR_EQUAL * penalty / n_eff)
    alternatives = sorted(({**{k: v for k, v in c.items() if k not in ("support",)},
                            "columns": np.nonzero(c["support"])[0].tolist()} for c in pool), key=lambda c: c["score"])
    coef = full.refit(chosen["support"])  # final coefficients by QR, not the normal equations
    return Choice(chosen["library"], chosen["threshold"], coef, chosen["cv_error"], chosen["score"], alternatives)
