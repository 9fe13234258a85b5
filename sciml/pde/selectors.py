"""Which boundary points a condition holds on: ``on="boundary"``, a sympy relation, or a predicate."""

from __future__ import annotations

import inspect

import numpy as np
import sympy as sp

from sciml.errors import InputError, ProblemDefinitionError

__all__ = ["Selector"]


class Selector:
    """Turns an ``on=`` argument into a mask over boundary points.

    - ``"boundary"``: the whole (spatial) boundary;
    - a sympy relation: ``sp.Eq(x, 1)`` (within a tolerance), ``x < 0``, ``sp.And(...)``;
    - a callable: ``f(points)`` with an (N, d) array, or ``f(x=..., t=...)`` when its
      parameters are all variable names; it returns a boolean array.
    """

    def __init__(self, on):
        if isinstance(on, Selector):
            on = on.on
        if isinstance(on, str):
            if on != "boundary":
                raise InputError("on", '"boundary", a sympy relation or a predicate', repr(on))
        elif isinstance(on, sp.Basic):
            if not isinstance(on, (sp.core.relational.Relational, sp.And, sp.Or)):
                raise InputError("on", "a sympy relation such as Eq(x, 1) or x < 0", repr(on))
        elif not callable(on):
            raise InputError("on", '"boundary", a sympy relation or a predicate', repr(on))
        self.on = on

    def __repr__(self):
        return "boundary" if isinstance(self.on, str) else str(self.on)

    @property
    def symbols(self):
        return self.on.free_symbols if isinstance(self.on, sp.Basic) else set()

    def mask(self, X: np.ndarray, variables, scale: float = 1.0) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if isinstance(self.on, str):
            return np.ones(len(X), dtype=bool)
        if isinstance(self.on, sp.Basic):
            return _relation_mask(self.on, X, variables, 1e-9 * scale)
        names = [str(v) for v in variables]
        try:
            params = list(inspect.signature(self.on).parameters)
        except (TypeError, ValueError):
            params = []
        if params and all(p in names for p in params):
            out = self.on(**{p: X[:, names.index(p)] for p in params})
        else:
            out = self.on(X)
        out = np.asarray(out)
        if out.shape != (len(X),) or out.dtype != bool:
            out = np.broadcast_to(out, (len(X),)) if out.ndim == 0 else out
            if out.shape != (len(X),):
                raise ProblemDefinitionError(
                    f"the boundary predicate {self.on!r} must return one boolean per point, got "
                        f"shape {out.shape}")
            out = out.astype(bool)
        return out


def _relation_mask(rel, X, variables, tol):
    from sciml.symbolic import compile_numpy

    if isinstance(rel, (sp.And, sp.Or)):
        masks = [_relation_mask(r, X, variables, tol) for r in rel.args]
        return np.logical_and.reduce(masks) if isinstance(rel, sp.And) else np.logical_or.reduce(masks)
    unknown = rel.free_symbols - set(variables)
    if unknown:
        raise ProblemDefinitionError(
            f"the boundary selector {rel} uses {', '.join(sorted(map(str, unknown)))}, "
            f"which is not a variable of the domain ({', '.join(map(str, variables))})")
    f = compile_numpy(rel.lhs - rel.rhs, list(variables))
    d = np.asarray(f(*[X[:, i] for i in range(X.shape[1])]), dtype=float) * np.ones(len(X))
    if isinstance(rel, sp.Eq):
        return np.abs(d) <= tol
    if isinstance(rel, sp.Ne):
        return np.abs(d) > tol
    if isinstance(rel, (sp.StrictLessThan, sp.LessThan)):
        return d <= tol if isinstance(rel, sp.LessThan) else d < -tol
    return d >= -tol if isinstance(rel, sp.GreaterThan) else d > tol
