"""Build the regression system of ODE discovery from one or several trajectories.

Weak form (default): each trajectory gets its own test functions
(:class:`~sciml.discovery.weak.WeakODE`), sized from its spectrum; strong form:
pointwise derivatives (:mod:`sciml.discovery.derivatives`). Trajectories are
stacked row-wise; cross-validation folds deal short blocks of every trajectory
in turn, with a guard gap (:mod:`sciml.discovery.folds`).
Control inputs (SINDYc, Brunton, Proctor & Kutz, IFAC 2016) are extra library
variables with no equation of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy as sp

from sciml.discovery.folds import interleaved_folds
from sciml.discovery.library import evaluate_terms
from sciml.discovery.noise_floor import derivative_gain, noise_std
from sciml.discovery.regression import RegressionSystem
from sciml.discovery.terms import TermList
from sciml.discovery.test_functions import data_radius
from sciml.discovery.weak import WeakODE

__all__ = ["ode_system", "regression_rows"]

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
    Gs, Bs, row_times, guards, radii = [], [], [], [], []
    noise = np.zeros(trajectories[0][1].shape[1]) if trajectories else np.zeros(0)  # noise energy per target
    n_eff = 0.0
    for t, y, u in trajectories:
        values = y if u is None else np.hstack([y, u])
        if weak:
            w = WeakODE(t, y, **tf)
            Gs.append(w.project(_evaluate(terms, variables, values)))
            Bs.append(w.target(y))
            row_times.append(w.times)
            guards.append((2 * w.radius + 1) * w.spacing)  # rows closer than one support share data
            noise += _noise(y) * float(np.sum(w._w1**2)) * w.n_rows
            radii.append(w.radius)
            n_eff += len(t) / (2.0 * w.radius)
        else:
            dy = differentiate(y, t, method=derivative)
            if derivative == "savgol":
                values = np.hstack([smooth(y), u]) if u is not None else smooth(y)
            Gs.append(_evaluate(terms, variables, values))
            Bs.append(dy)
            # as many independent samples as the weak form would have test functions: the data's bandwidth,
            # not its sample count, limits what a term can be told apart from (derivative errors are smooth)
            radius = data_radius([y[:, i] for i in range(y.shape[1])], 0, 8)
            n_eff += len(t) / (2.0 * radius)
            row_times.append(t)
            guards.append(2 * radius * float(np.median(np.diff(t))))
            gain = derivative_gain(t, derivative)
            noise = noise + (np.nan if gain is None else _noise(y) * gain * len(t))
    info = {"formulation": "weak" if weak else "strong",
            "noise_energy": [None if not np.isfinite(e) else float(e) for e in noise]}
    if weak:
        info["test_function_radius"] = radii
        info["test_function_degree"] = int(tf.get("degree", 8))
    else:
        info["derivative"] = derivative
    folds = interleaved_folds(row_times, guards, n_folds)
    terms = terms if isinstance(terms, TermList) else list(terms)  # a TermList stays lazy
    return RegressionSystem(np.vstack(Gs), np.vstack(Bs), terms, folds, n_eff,
                            dict(libraries), info, floor=1e-4 if weak else 1e-3)


def _noise(y: np.ndarray) -> np.ndarray:
    """Estimated noise variance of each state of one trajectory."""
    return np.array([noise_std(y[:, i]) ** 2 for i in range(y.shape[1])])


def _evaluate(terms, variables, values) -> np.ndarray:
    if isinstance(terms, TermList):
        return terms.evaluate(values)
    return evaluate_terms(terms, variables, values)


def regression_rows(trajectories: Sequence[Trajectory], weak: bool = True, test_functions: Mapping | None = None
                    ) -> int:
    """How many rows :func:`ode_system` will stack (test functions or samples), before any term is built."""
    tf = dict(test_functions or {})
    return int(sum(WeakODE(t, y, **tf).n_rows if weak else len(t) for t, y, _ in trajectories))
