"""Build the regression system of ODE discovery from one or several trajectories.

Weak form (default): each trajectory gets its own test functions
(:class:`~sciml.discovery.weak.WeakODE`), sized from its spectrum; strong form:
pointwise derivatives (:mod:`sciml.discovery.derivatives`). Trajectories are
stacked row-wise, and each is cut into contiguous cross-validation blocks.
Control inputs (SINDYc, Brunton, Proctor & Kutz, IFAC 2016) are extra library
variables with no equation of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy as sp

from sciml.discovery.library import evaluate_terms
from sciml.discovery.regression import RegressionSystem
from sciml.discovery.selection import time_folds
from sciml.discovery.test_functions import data_radius
from sciml.discovery.weak import WeakODE

__all__ = ["ode_system"]

Trajectory = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def ode_system(trajectories: Sequence[Trajectory], variables: Sequence[sp.Symbol], terms: Sequence[sp.Expr],
               libraries: Mapping[str, list[int]], weak: bool = True, test_functions: Mapping | None = None,
               derivative: str = "savgol", n_folds: int = 5) -> RegressionSystem:
    """Stack the weak (or strong) regression rows of every trajectory.

    ``variables`` are the state symbols followed by the input symbols;
    ``terms`` the candidate terms in them.
    """
    from sciml.discovery.derivatives import differentiate, smooth

    tf = dict(test_functions or {})
    Gs, Bs, folds, radii = [], [], [], []
    n_eff = 0.0
    for k, (t, y, u) in enumerate(trajectories):
        values = y if u is None else np.hstack([y, u])
        if weak:
            w = WeakODE(t, y, **tf)
            Gs.append(w.project(evaluate_terms(terms, variables, values)))
            Bs.append(w.target(y))
            folds.append(time_folds(w.times, n_folds) + k * n_folds)
            radii.append(w.radius)
            n_eff += len(t) / (2.0 * w.radius)
        else:
            dy = differentiate(y, t, method=derivative)
            if derivative == "savgol":
                values = np.hstack([smooth(y), u]) if u is not None else smooth(y)
            Gs.append(evaluate_terms(terms, variables, values))
            Bs.append(dy)
            folds.append(time_folds(t, n_folds) + k * n_folds)
            # as many independent samples as the weak form would have test functions: the data's bandwidth,
            # not its sample count, limits what a term can be told apart from (derivative errors are smooth)
            n_eff += len(t) / (2.0 * data_radius([y[:, i] for i in range(y.shape[1])], 0, 8))
    info = {"formulation": "weak" if weak else "strong"}
    if weak:
        info["test_function_radius"] = radii
        info["test_function_degree"] = int(tf.get("degree", 8))
    else:
        info["derivative"] = derivative
    return RegressionSystem(np.vstack(Gs), np.vstack(Bs), list(terms), np.concatenate(folds), n_eff,
                            dict(libraries), info, floor=1e-4 if weak else 1e-3)
