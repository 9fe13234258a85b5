"""Sequentially thresholded least squares (STLSQ) and its scale-free variant MSTLS.

STLSQ (Brunton, Proctor & Kutz, PNAS 2016) alternates a least-squares fit on
the current support with dropping the coefficients below a threshold. MSTLS
(Messenger & Bortz, J. Comput. Phys. 443, 2021) makes the threshold
independent of the units of each term: term ``j`` stays while
``lam * max(1, |b| / |G_j|) <= |w_j| <= (1 / lam) * min(1, |b| / |G_j|)``, i.e.
while its contribution ``|w_j| |G_j|`` is at least ``lam |b|`` (and it is not
an absurdly large coefficient on a tiny column).

Least-squares solutions are cached by support, so sweeping many thresholds
costs little more than the distinct supports it visits.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.lapack import dposv

from sciml.errors import InputError

__all__ = ["STLSQ", "SupportSolver"]


class SupportSolver:
    """Least squares of ``b`` on column subsets of ``G``, cached by subset.

    The sweep solves the normal equations of the column-normalised matrix
    (a Cholesky solve of a k x k block of the precomputed Gram matrix instead of
    a QR of the n x k submatrix); :meth:`refit` gives the QR solution for the
    final coefficients.
    """

    def __init__(self, G: np.ndarray, b: np.ndarray, alpha: float = 0.0, gram: np.ndarray | None = None):
        self.G, self.b, self.alpha = G, b, float(alpha)
        self.norms = np.linalg.norm(G, axis=0)
        self.b_norm = float(np.linalg.norm(b))
        self._scale = np.where(self.norms > 0, self.norms, 1.0)
        self._ratio = self.b_norm / np.where(self.norms > 0, self.norms, np.inf)  # MSTLS bound scale
        self._usable = self.norms > 0
        Gn = G / self._scale
        self._gram = Gn.T @ Gn if gram is None else gram
        self._rhs = Gn.T @ b
        self._cache: dict[bytes, np.ndarray] = {}

    def solve(self, support: np.ndarray) -> np.ndarray:
        key = np.packbits(support).tobytes()
        w = self._cache.get(key)
        if w is None:
            w = np.zeros(self.G.shape[1])
            if support.any():
                A = self._gram[np.ix_(support, support)]
                if self.alpha > 0:
                    A = A + self.alpha * np.eye(len(A))
                _, sol, info = dposv(A, self._rhs[support])  # Cholesky solve, no Python-level checks
                if info != 0 or not np.isfinite(sol).all():
                    return self.refit(support)
                w[support] = sol / self._scale[support]
            self._cache[key] = w
        return w

    def refit(self, support: np.ndarray) -> np.ndarray:
        """Least squares on ``support`` by QR of the column-normalised submatrix (accurate)."""
        w = np.zeros(self.G.shape[1])
        if support.any():
            A = self.G[:, support] / self._scale[support]
            rhs = self.b
            if self.alpha > 0:
                k = A.shape[1]
                A = np.vstack([A, np.sqrt(self.alpha) * np.eye(k)])
                rhs = np.concatenate([self.b, np.zeros(k)])
            w[support] = np.linalg.lstsq(A, rhs, rcond=None)[0] / self._scale[support]
        return w

    def threshold(self, threshold: float, relative: bool, max_iter: int = 25,
                  start: np.ndarray | None = None) -> np.ndarray:
        """Run (M)STLSQ from ``start`` (default: all columns) and return the coefficients.

        Starting from the support found at a smaller threshold (a warm start along
        the sweep) skips the first rounds, which would drop the same terms again.
        """
        J = self.G.shape[1]
        support = self._usable.copy() if start is None else start & self._usable
        if relative:
            lower = threshold * np.maximum(1.0, self._ratio)
            upper = np.minimum(1.0, self._ratio) / threshold if threshold > 0 else np.full(J, np.inf)
        else:
            lower, upper = np.full(J, float(threshold)), np.full(J, np.inf)
        w = self.solve(support)
        for _ in range(max_iter):
            a = np.abs(w)
            new = support & (a >= lower) & (a <= upper)
            if not (new ^ support).any():
                break
            support = new
            w = self.solve(support)
        return w

    def support(self, threshold: float, relative: bool, max_iter: int = 25) -> np.ndarray:
        """The support (M)STLSQ ends on."""
        return self.threshold(threshold, relative, max_iter) != 0


class STLSQ:
    """Sequentially thresholded least squares, one equation per column of the target.

    Parameters
    ----------
    threshold : float
        Coefficients below it are set to zero (with ``relative=True``: terms whose
        contribution is below ``threshold`` times the norm of the target).
    alpha : float
        Ridge penalty on column-normalised coefficients (0: plain least squares).
    relative : bool
        Use the unit-free bounds of MSTLS instead of an absolute threshold.
    max_iter : int
        Threshold-and-refit rounds at most.

    Attributes
    ----------
    coef_ : array (n_terms, n_targets)
    """

    def __init__(self, threshold: float = 0.1, alpha: float = 0.0, relative: bool = False, max_iter: int = 25):
        self.threshold = threshold
        self.alpha = alpha
        self.relative = relative
        self.max_iter = max_iter

    def _validate(self):
        if not np.isfinite(self.threshold) or self.threshold < 0:
            raise InputError("threshold", "a finite number >= 0", self.threshold)
        if not np.isfinite(self.alpha) or self.alpha < 0:
            raise InputError("alpha", "a finite number >= 0", self.alpha)
        if int(self.max_iter) < 1:
            raise InputError("max_iter", "an integer >= 1", self.max_iter)

    def fit(self, G: np.ndarray, B: np.ndarray) -> STLSQ:
        """Fit ``B ~ G @ coef_`` (``B`` of shape (n,) or (n, n_targets))."""
        self._validate()
        G, B = check_system(G, B)
        coef = np.zeros((G.shape[1], B.shape[1]))
        for i in range(B.shape[1]):
            solver = SupportSolver(G, B[:, i], self.alpha)
            coef[:, i] = solver.refit(solver.support(self.threshold, self.relative, int(self.max_iter)))
        self.coef_ = coef
        return self


def check_system(G, B) -> tuple[np.ndarray, np.ndarray]:
    """Validate a regression system; returns float arrays with ``B`` two-dimensional."""
    G = np.asarray(G, dtype=float)
    B = np.asarray(B, dtype=float)
    if G.ndim != 2:
        raise InputError("G", "a 2-D library matrix (rows, terms)", G.shape)
    if B.ndim == 1:
        B = B[:, None]
    if B.ndim != 2 or B.shape[0] != G.shape[0]:
        raise InputError("B", f"a target with {G.shape[0]} rows", B.shape)
    if not (np.isfinite(G).all() and np.isfinite(B).all()):
        raise InputError("G, B", "finite values", "NaN or Inf",
                         "check the data for gaps; strong-form derivatives may be NaN at the ends")
    return G, B
