"""Sparse relaxed regularised regression (SR3), delegated to PySINDy.

SR3 (Zheng, Askham, Brunton, Kutz & Aravkin, IEEE Access 2019; Champion et
al., IEEE Access 2020) relaxes the l0-penalised regression with an auxiliary
variable so that each step is a least-squares solve plus a proximal
(hard-threshold) step. PySINDy's ``SR3`` is used as is; this wrapper makes it
unit free (columns and target normalised, so the threshold means the same as
in MSTLS: a term is kept when its contribution is at least ``threshold``
times the target's norm), refits the kept terms by least squares (unbiasing),
and plugs into the automatic threshold sweep.
"""

from __future__ import annotations

import warnings

import numpy as np

from sciml.discovery.stlsq import SupportSolver, check_system
from sciml.errors import InputError

__all__ = ["SR3", "sr3_path"]


def sr3_path(G: np.ndarray, b: np.ndarray, nu: float = 1.0, max_iter: int = 100):
    """``fit(threshold) -> coef`` for one target, for :func:`sciml.discovery.selection.select_terms`."""
    import pysindy as ps

    norms = np.linalg.norm(G, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    b_norm = float(np.linalg.norm(b)) or 1.0
    Gn, bn = G / scale, b / b_norm
    solver = SupportSolver(G, b)

    def fit(threshold: float) -> np.ndarray:
        opt = ps.SR3(reg_weight_lam=threshold**2 / (2 * nu), regularizer="L0", relax_coeff_nu=nu,
                     max_iter=max_iter, tol=1e-8, unbias=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.fit(Gn, bn)
        support = np.abs(np.asarray(opt.coef_).ravel()) > 0
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
