"""The linear regression every discovery method ends in: ``B ~ G @ coef``, one column of B per equation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from sciml.discovery.folds import Folds

__all__ = ["RegressionSystem", "r2_scores"]


@dataclass
class RegressionSystem:
    """Rows are test functions (weak form) or samples (strong form); columns are candidate terms.

    Attributes
    ----------
    G : array (rows, terms)
    B : array (rows, equations)
    terms : list of sympy expressions, the meaning of each column
    folds : Folds, the cross-validation folds (interleaved blocks of time with a guard gap)
    n_eff : float, the number of effectively independent rows
    libraries : dict name -> column indices, the candidate libraries (subsets of the columns)
    info : dict, how the system was built (test-function sizes, derivative method …)
    floor : float, relative error below which the selection stops telling models apart (systematic
        error of the formulation: quadrature for the weak form, differentiation for the strong form)
    """

    G: np.ndarray
    B: np.ndarray
    terms: list[sp.Expr]
    folds: Folds
    n_eff: float
    libraries: dict[str, list[int]]
    info: dict = field(default_factory=dict)
    floor: float = 1e-4


def r2_scores(G: np.ndarray, B: np.ndarray, coef: np.ndarray) -> list[float]:
    """Coefficient of determination of each equation, ``1 - |B - G coef|^2 / |B - mean B|^2``."""
    out = []
    for i in range(B.shape[1]):
        b = B[:, i]
        ss = float(np.sum((b - b.mean()) ** 2))
        res = float(np.sum((b - G @ coef[:, i]) ** 2))
        out.append(1.0 - res / ss if ss > 0 else float(res == 0))
    return out
