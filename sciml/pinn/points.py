"""Training points of a problem: collocation points and each condition's points, as loss groups."""

from __future__ import annotations

import numpy as np
import sympy as sp

from sciml.errors import InputError
from sciml.pde.conditions import Data, Initial, Periodic
from sciml.pde.sampling import METHODS
from sciml.pinn.loss import Group, record_callable_needs
from sciml.pinn.residuals import CompiledResidual

__all__ = ["PointCounts", "build_groups", "equation_label", "condition_label"]


_KEYS = "a count or a dict with keys domain, boundary, initial, data"


class PointCounts:
    """How many points: ``domain`` collocation points, ``boundary`` per boundary condition,
    ``initial`` per initial condition (defaults scale with the domain's dimension).

    ``data=True`` also puts collocation points at the observation points of every
    :class:`~sciml.pde.conditions.Data` condition, as Raissi, Perdikaris & Karniadakis (2019)
    do in their inverse problems; these stay fixed when adaptive sampling replaces the others,
    and ``domain`` may then be 0 (the residual only where there are data).
    """

    def __init__(self, problem, points=None):
        d = len(problem.variables)
        self.domain = 2000 * d if d <= 2 else 4000 * (d - 1)
        self.boundary = 200 * max(d - 1, 1)
        self.initial = 200 * max(d - 1, 1)
        self.data = False
        if points is None:
            return
        if isinstance(points, (int, np.integer)) and not isinstance(points, bool):
            self.domain = int(points)
        elif isinstance(points, dict):
            for k, v in points.items():
                if k not in ("domain", "boundary", "initial", "data"):
                    raise InputError("points", _KEYS, repr(k))
                if k == "data":
                    if not isinstance(v, bool):
                        raise InputError("points['data']", "True or False", repr(v))
                    self.data = v
                else:
                    setattr(self, k, int(v))
        else:
            raise InputError("points", _KEYS, repr(points))
        for k in ("domain", "boundary", "initial"):
            low = 0 if k == "domain" and self.data else 1
            if getattr(self, k) < low:
                raise InputError(f"points[{k!r}]", "a positive count", getattr(self, k))
        if self.data and not any(isinstance(c, Data) for c in problem.conditions):
            raise InputError("points['data']", "a problem with Data conditions", "no Data condition")

    def data_points(self, problem):
        """The observation points added to the collocation points ((0, d) when none)."""
        arrays = [c.array(problem.variables) for c in problem.conditions if isinstance(c, Data)] if self.data else []
        return np.concatenate(arrays) if arrays else np.zeros((0, len(problem.variables)))


def equation_label(problem, i):
    return f"pde{i}" if len(problem.equations) > 1 else "pde"


def condition_label(problem, i, c):
    same = [j for j, other in enumerate(problem.conditions) if other.label == c.label]
    return c.label if len(same) == 1 else f"{c.label}#{same.index(i)}"


def build_groups(problem, counts, sampler="sobol", rng=None, skip=(), weights=None, domain_points=None):
    """The loss groups: one for the equations on collocation points, one per condition.

    ``skip``: conditions imposed exactly (hard constraints); ``weights``: {label: weight};
    ``domain_points``: collocation points to use instead of sampling new ones (without the
    fixed data points of ``counts.data``, which are appended; ``Group.free`` counts the others).
    """
    if sampler not in METHODS:
        raise InputError("sampler", f"one of {', '.join(METHODS)}", repr(sampler))
    weights = dict(weights or {})
    symbolic = [e for e in problem.equations if isinstance(e, sp.Expr)]
    callables = [e for e in problem.equations if not isinstance(e, sp.Expr)]
    labels = [equation_label(problem, i) for i, e in enumerate(problem.equations) if isinstance(e, sp.Expr)]
    labels += [equation_label(problem, i) for i, e in enumerate(problem.equations) if not isinstance(e, sp.Expr)]
    if domain_points is not None:
        X = domain_points
    elif counts.domain > 0:
        X = problem.sample_interior(counts.domain, sampler, rng)
    else:
        X = np.zeros((0, len(problem.variables)))
    free = len(X)
    X = np.concatenate([X, counts.data_points(problem)])
    g = Group("pde", "pde", labels, [weights.pop(lbl, 1.0) for lbl in labels],
              CompiledResidual(symbolic, problem) if symbolic else None, X, callables=callables)
    g.free = free
    g._recorded = record_callable_needs(problem, callables) if callables else set()
    groups = [g]
    for i, c in enumerate(problem.conditions):
        if any(c is s for s in skip):
            continue
        label = condition_label(problem, i, c)
        w = weights.pop(label, c.weight)
        if isinstance(c, Data):
            obs = sp.Dummy("observed")
            res = CompiledResidual([c.target - obs], problem, extra=[obs])
            groups.append(Group(label, "data", [label], [w], res, c.array(problem.variables),
                                extra=[c.values], condition=c))
        elif isinstance(c, Periodic):
            lo, hi = problem.sample_periodic(c, counts.boundary, sampler, rng)
            targets = c.targets()
            labels_p = [label if k == 0 else f"{label}'{k}" for k in range(len(targets))]
            groups.append(Group(label, "periodic", labels_p, [w] * len(targets),
                                CompiledResidual(targets, problem), np.concatenate([lo, hi]), condition=c))
        else:
            n = counts.initial if isinstance(c, Initial) else counts.boundary
            Xc, Nc = problem.sample_condition(c, n, sampler, rng)
            groups.append(Group(label, "condition", [label], [w],
                                CompiledResidual([c.expression(problem.normal_symbols)], problem), Xc, Nc,
                                condition=c))
    if weights:
        known = [lbl for grp in groups for lbl in grp.labels]
        raise InputError("weights", f"a dict keyed by loss terms among {known}", f"unknown {sorted(weights)}")
    return groups
