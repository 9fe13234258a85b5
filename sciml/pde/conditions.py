"""Initial, boundary and data conditions.

A condition says which points it holds on and what residual must vanish there:

- ``Initial(u, value)``: u = value at the start of the time interval;
- ``Dirichlet(u, value, on=...)``: u = value on a part of the boundary;
- ``Neumann(u, value, on=...)``: the outward normal derivative du/dn = value;
- ``Robin(u, a, b, value, on=...)``: a*u + b*du/dn = value;
- ``Periodic(u, x, order=1)``: u and its x-derivatives up to ``order - 1`` agree at both ends of x;
- ``Data(u, points, values)``: observed values (inverse problems, data assimilation).

Values are numbers or sympy expressions in the problem's variables (and parameters).
``on=`` takes ``"boundary"``, a sympy relation such as ``sp.Eq(x, 1)`` or ``x < 0``, or a
predicate on points (see :mod:`sciml.pde.selectors`). The first argument may be a field
or a derivative of a field (``Initial(u.diff(t), 0)`` for a wave equation).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from sciml.errors import InputError, ProblemDefinitionError

__all__ = ["Condition", "Initial", "Dirichlet", "Neumann", "Robin", "Periodic", "Data", "field_of"]


def field_of(target, argument="target"):
    """The field application ``u(x, t)`` of a field or of a derivative of one."""
    expr = target.expr if isinstance(target, sp.Derivative) else target
    if isinstance(expr, sp.core.function.AppliedUndef):
        return expr
    raise InputError(argument, "a field such as u(x, t) or a derivative of one", repr(target))


def _value(value, argument):
    if callable(value) and not isinstance(value, sp.Basic):
        raise InputError(argument, "a number or a sympy expression", "a Python callable",
                         "write the value as a sympy expression in the problem's variables")
    try:
        return sp.sympify(value, strict=True)
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise InputError(argument, "a number or a sympy expression", repr(value)) from exc


def _weight(weight):
    try:
        w = float(weight)
    except (TypeError, ValueError) as exc:
        raise InputError("weight", "a positive number", repr(weight)) from exc
    if not w > 0 or not np.isfinite(w):
        raise InputError("weight", "a positive finite number", repr(weight))
    return w


class Condition:
    """Base class: ``target`` (a field or a derivative of one), ``weight`` of its loss term."""

    kind = "condition"

    def __init__(self, target, weight=1.0):
        self.target = sp.sympify(target)
        self.field = field_of(self.target)
        self.weight = _weight(weight)

    def expression(self, normals):
        """The residual as a sympy expression (``normals``: one symbol per spatial variable)."""
        raise NotImplementedError  # pragma: no cover

    @property
    def label(self) -> str:
        return f"{self.kind}({self.field.func.__name__})"

    def __repr__(self):
        return f"{type(self).__name__}({self.target})"


class Initial(Condition):
    """``Initial(u, value)``: u(x, t0) = value(x) at the start t0 of the time interval."""

    kind = "initial"

    def __init__(self, target, value, weight=1.0, time=None):
        super().__init__(target, weight)
        self.value = _value(value, "value")
        if time is not None and not isinstance(time, sp.Symbol):
            raise InputError("time", "the time variable as a sympy Symbol", repr(time))
        self.time = time

    def expression(self, normals):
        return self.target - self.value


class _OnBoundary(Condition):
    def __init__(self, target, on="boundary", weight=1.0):
        super().__init__(target, weight)
        from sciml.pde.selectors import Selector

        self.on = Selector(on)


class Dirichlet(_OnBoundary):
    """``Dirichlet(u, value, on="boundary")``: u = value on the selected boundary."""

    kind = "dirichlet"

    def __init__(self, target, value, on="boundary", weight=1.0):
        super().__init__(target, on, weight)
        self.value = _value(value, "value")

    def expression(self, normals):
        return self.target - self.value


def _normal_derivative(field, normals):
    variables = list(normals)
    return sum(n * sp.Derivative(field, v) for v, n in zip(variables, normals.values()))


class Neumann(_OnBoundary):
    """``Neumann(u, value, on="boundary")``: the outward normal derivative of u equals value."""

    kind = "neumann"

    def __init__(self, field, value, on="boundary", weight=1.0):
        super().__init__(field, on, weight)
        if isinstance(self.target, sp.Derivative):
            raise InputError("field", "a field (the normal derivative is taken for you)", repr(field))
        self.value = _value(value, "value")

    def expression(self, normals):
        return _normal_derivative(self.field, normals) - self.value


class Robin(_OnBoundary):
    """``Robin(u, a, b, value, on="boundary")``: a*u + b*du/dn = value on the selected boundary."""

    kind = "robin"

    def __init__(self, field, a, b, value, on="boundary", weight=1.0):
        super().__init__(field, on, weight)
        if isinstance(self.target, sp.Derivative):
            raise InputError("field", "a field (the normal derivative is taken for you)", repr(field))
        self.a = _value(a, "a")
        self.b = _value(b, "b")
        self.value = _value(value, "value")

    def expression(self, normals):
        return self.a * self.field + self.b * _normal_derivative(self.field, normals) - self.value


class Periodic(Condition):
    """``Periodic(u, x, order=1)``: u and its first ``order - 1`` x-derivatives match at both ends of x."""

    kind = "periodic"

    def __init__(self, field, variable, order: int = 2, weight=1.0):
        super().__init__(field, weight)
        if not isinstance(variable, sp.Symbol):
            raise InputError("variable", "the periodic variable as a sympy Symbol", repr(variable))
        if not isinstance(order, int) or order < 1:
            raise InputError("order", "a positive integer (1: values only, 2: values and slopes)", order)
        self.variable = variable
        self.order = order

    def targets(self):
        """The expressions that must agree at both ends."""
        return [self.target if k == 0 else sp.Derivative(self.target, (self.variable, k))
                for k in range(self.order)]

    def expression(self, normals):  # pragma: no cover - periodic terms pair points instead
        raise NotImplementedError


class Data(Condition):
    """``Data(u, points, values)``: observed values of u (or of a derivative) at points.

    ``points`` is a dict of arrays keyed by variable name (or Symbol), or an (N, d) array
    with columns in the domain's variable order; ``values`` has N entries.
    """

    kind = "data"

    def __init__(self, target, points, values, weight=1.0):
        super().__init__(target, weight)
        self.points = points
        values = np.asarray(values, dtype=float)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise InputError("values", "a 1-D array of observed values", f"shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise InputError("values", "finite numbers", "NaN or Inf")
        self.values = values

    def array(self, variables) -> np.ndarray:
        """The points as an (N, d) array in the order of ``variables``."""
        names = [str(v) for v in variables]
        pts = self.points
        if isinstance(pts, dict):
            keyed = {str(k): np.asarray(v, dtype=float).ravel() for k, v in pts.items()}
            missing = [n for n in names if n not in keyed]
            extra = [k for k in keyed if k not in names]
            if missing or extra:
                raise ProblemDefinitionError(
                    f"Data({self.field}): points need exactly the variables {names}; "
                    f"missing {missing}, unknown {extra}")
            X = np.stack([keyed[n] for n in names], axis=1)
        else:
            X = np.asarray(pts, dtype=float)
            if X.ndim == 1 and len(names) == 1:
                X = X[:, None]
            if X.ndim != 2 or X.shape[1] != len(names):
                raise ProblemDefinitionError(
                    f"Data({self.field}): points must be an (N, {len(names)}) array in the order {names}, "
                    f"got shape {X.shape}")
        if len(X) != len(self.values):
            raise ProblemDefinitionError(
                f"Data({self.field}): {len(X)} points but {len(self.values)} values")
        if not np.all(np.isfinite(X)):
            raise ProblemDefinitionError(f"Data({self.field}): points contain NaN or Inf")
        return X

    def expression(self, normals):
        return self.target
