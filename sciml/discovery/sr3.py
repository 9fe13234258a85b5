"""Sparse relaxed regularised regression (SR3) with an l0 penalty.

SR3 (Zheng, Askham, Brunton, Kutz & Aravkin, IEEE Access 2019; Champion et
al., IEEE Access 2020) relaxes ``min |b - G w|^2 / 2 + lam |w|_0`` with an
auxiliary ``v`` coupled by ``|w - v|^2 / (2 nu)``: each step is one
least-squares solve ``(G^T G + I / nu) w = G^T b + v / nu`` (one Cholesky
factor for every step and every threshold) and a proximal step, for l0 a hard
threshold at ``sqrt(2 lam nu)`` (so ``lam = threshold^2 / (2 nu)``). Starting
point, update and stopping rule (``|v_k - v_{k-1}| / nu < tol``) are those of
PySINDy's ``SR3``, checked against it in the tests. The fit is unit free
(columns and target normalised, so the threshold means the same as in MSTLS:
a term is kept when its contribution is at least ``threshold`` times the
target's norm), and the kept terms are refitted by least squares (unbiasing).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from sciml.discovery.stlsq import SupportSolver, check_system
from sciml.errors import InputError

__all__ = ["SR3", "sr3_path", "sr3_l0"]


def sr3_l0(G: np.ndarray, b: np.ndarray, nu: float = 1.0, max_iter: int = 100, tol: float = 1e-8):
    """``fit(threshold) -> v``: SR3 iterations with a hard threshold on ``b ~ G v`` (no normalisation)."""
    factor = cho_factor(G.T @ G + np.eye(G.shape[1]) / nu)
    Gb = G.T @ b
    start = np.linalg.lstsq(G, b, rcond=None)[0]

    def fit(threshold: float) -> np.ndarray:
        sparse = start
        for _ in range(max_iter):
            full = cho_solve(factor, Gb + sparse / nu)
            new = full * (np.abs(full) > threshold)
            done = np.linalg.norm(new - sparse) / nu < tol
            sparse = new
            if done:
                break
        return sparse

    return fit


def sr3_path(G: np.ndarray, b: np.ndarray, nu: float = 1.0, max_iter: int = 100):
    """``fit(threshold) -> coef`` for one target, for :func:`sciml.discovery.selection.select_terms`."""
    norms = np.linalg.norm(G, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    b_norm = float(np.linalg.norm(b)) or 1.0
    relaxed = sr3_l0(G / scale, b / b_norm, nu, max_iter)
    solver = SupportSolver(G, b)

    def fit(threshold: float) -> np.ndarray:
        support = np.abs(relaxed(threshold)) > 0
        return solver.solve(support & (norms > 0))

    return fit


class SR3:
    """SR3 with an l0 penalty, unit-free threshold, refitted on the kept terms.

    Parameters
    ----------
    threshold : float
        Relative contribution below which a term is dropped.
    nu : float
        Relaxation parameter of SR3.
    max_iter : int
        SR3 iterations.

    Attributes
    ----------
    coef_ : array (n_terms, n_targets)
    """

    def __init__(self, threshold: float = 0.05, nu: float = 1.0, max_iter: int = 100):
        self.threshold = threshold
        self.nu = nu
        self.max_iter = max_iter

    def fit(self, G, B) -> SR3:
        if not np.isfinite(self.threshold) or self.threshold < 0:
            raise InputError("threshold", "a finite number >= 0", self.threshold)
        if not self.nu > 0:
            raise InputError("nu", "a positive number", self.nu)
        G, B = check_system(G, B)
        self.coef_ = np.stack([sr3_path(G, B[:, i], self.nu, int(self.max_iter))(float(self.threshold))
                               for i in range(B.shape[1])], axis=1)
        return self
