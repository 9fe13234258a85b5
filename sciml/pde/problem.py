"""``Problem``: equations, a domain and conditions, checked when it is defined.

Equations are sympy equalities or expressions (``lhs - rhs`` must vanish), or, as an
escape hatch, Python callables ``f(points, d)`` of a dict of coordinate tensors and a
derivative helper ``d(u, x, x)`` (see :mod:`sciml.pinn.derivatives`). Fields are the
undefined sympy functions applied to the domain's variables (``u(x, t)``), so systems
such as Navier-Stokes (u, v, p) are written the same way as one equation.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pde.conditions import Condition, Data, Initial, Periodic, field_of
from sciml.pde.domain import Domain, Product
from sciml.pde.parameter import Parameter
from sciml.pde.sampling import make_rng, unit_samples

__all__ = ["Problem"]

_TIME_NAMES = ("t", "time", "tau")


class Problem:
    """A PDE problem: ``Problem(equations, domain, conditions=(), time=None, fields=None)``.

    ``time`` is the time variable; when not given it is the ``time=`` of an ``Initial``
    condition, else (when there are initial conditions) the domain variable named
    t/time/tau, else the last one.
    """

    def __init__(self, equations, domain, conditions=(), time=None, fields=None, name=None):
        if not isinstance(domain, Domain):
            raise InputError("domain", "a sciml.pde domain (Interval, Disk, Polygon, products, ...)",
                             type(domain).__name__)
        if not domain.measure > 0:
            raise ProblemDefinitionError(f"the domain {domain!r} has zero measure")
        self.domain = domain
        self.variables = domain.variables
        self.name = name
        if isinstance(equations, (sp.Basic, str)) or callable(equations):
            equations = [equations]
        self.equations = [self._equation(e, i) for i, e in enumerate(equations)]
        if not self.equations:
            raise ProblemDefinitionError("a problem needs at least one equation")
        conditions = list(conditions)
        for i, c in enumerate(conditions):
            if not isinstance(c, Condition):
                raise InputError(f"conditions[{i}]", "a pde condition (Initial, Dirichlet, Neumann, ...)",
                                 type(c).__name__)
        self.conditions = conditions
        self.fields = self._collect_fields(fields)
        self.time = self._find_time(time)
        self.spatial, self.time_interval = self._split()
        self.space_variables = tuple(v for v in self.variables if v != self.time)
        self.normal_symbols = {v: sp.Dummy(f"n_{v}") for v in self.space_variables}
        self.parameters = self._collect_parameters()
        self._validate()

    # --- construction -----------------------------------------------------------------------------
    def _equation(self, eq, index):
        if isinstance(eq, sp.Basic):
            if isinstance(eq, sp.Equality):
                return eq.lhs - eq.rhs
            if isinstance(eq, sp.Expr):
                return eq
        elif callable(eq):
            return eq
        raise InputError(f"equations[{index}]", "a sympy Eq or expression, or a callable f(points, d)",
                         repr(eq))

    def _symbolic(self):
        return [e for e in self.equations if isinstance(e, sp.Expr)]

    def _collect_fields(self, declared):
        found = []

        def add(f):
            if f not in found:
                found.append(f)

        for e in self._symbolic():
            for f in sorted(e.atoms(sp.core.function.AppliedUndef), key=str):
                add(f)
        if declared is not None:
            for i, f in enumerate(declared):
                add(field_of(f, f"fields[{i}]"))
        for f in found:
            extra = [a for a in f.args if a not in self.variables]
            if extra or len(set(f.args)) != len(f.args):
                raise ProblemDefinitionError(
                    f"the field {f} depends on {', '.join(map(str, extra)) or 'a repeated variable'}, "
                    f"which is not a variable of the domain ({', '.join(map(str, self.variables))})")
            if set(f.args) != set(self.variables):
                raise ProblemDefinitionError(
                    f"the field {f} must depend on every domain variable "
                    f"({', '.join(map(str, self.variables))})")
        names = [f.func.__name__ for f in found]
        if len(set(names)) != len(names):
            raise ProblemDefinitionError(f"two fields share a name: {names}")
        if not found:
            raise ProblemDefinitionError(
                "the problem has no field: write the unknowns as sympy functions, u = "
                    "sp.Function('u')(x, t), "
                "or pass fields=[...] when every equation is a Python callable")
        return tuple(found)

    def _find_time(self, time):
        initial = [c for c in self.conditions if isinstance(c, Initial)]
        if time is None:
            named = {c.time for c in initial if c.time is not None}
            if len(named) > 1:
                raise ProblemDefinitionError(f"Initial conditions name different times: {named}")
            time = named.pop() if named else None
        if time is None and initial:
            by_name = [v for v in self.variables if str(v) in _TIME_NAMES]
            time = by_name[0] if by_name else self.variables[-1]
        if time is not None and time not in self.variables:
            raise ProblemDefinitionError(
                f"the time variable {time} is not a variable of the domain "
                    f"({', '.join(map(str, self.variables))})")
        return time

    def _split(self):
        if self.time is None:
            return self.domain, None
        if isinstance(self.domain, Product):
            return self.domain.split(self.time)
        if self.domain.dim == 1:
            return None, self.domain
        raise ProblemDefinitionError("a time-dependent problem needs a domain built as space * "
            "Interval(t, t0, t1)")

    def _collect_parameters(self):
        params = {}
        exprs = list(self._symbolic())
        for c in self.conditions:
            for attr in ("value", "a", "b"):
                if hasattr(c, attr):
                    exprs.append(getattr(c, attr))
        for e in exprs:
            for s in e.free_symbols:
                if isinstance(s, Parameter):
                    old = params.get(s.name)
                    if old is not None and (old.value != s.value or old.learnable != s.learnable):
                        raise ProblemDefinitionError(f"two different parameters are named {s.name}")
                    params[s.name] = s
        return dict(sorted(params.items()))

    # --- validation -------------------------------------------------------------------------------
    def _check_expression(self, expr, where):
        allowed = set(self.variables)
        for s in expr.free_symbols:
            if s in allowed or isinstance(s, Parameter):
                continue
            raise ProblemDefinitionError(
                f"{where} uses the symbol {s}, which is neither a variable of the domain "
                f"({', '.join(map(str, self.variables))}), a field nor a parameter; declare constants "
                f"with pde.Parameter('{s}', value=...)")
        for f in expr.atoms(sp.core.function.AppliedUndef):
            if f not in self.fields:
                raise ProblemDefinitionError(
                    f"{where} uses the field {f}, which is not a field of the problem "
                    f"({', '.join(map(str, self.fields))})")
        for d in expr.atoms(sp.Derivative):
            for v in d.variables:
                if v not in allowed:
                    raise ProblemDefinitionError(
                        f"{where} differentiates in {v}, which the domain lacks "
                            f"({', '.join(map(str, self.variables))})")
            if not isinstance(d.expr, sp.core.function.AppliedUndef):
                raise ProblemDefinitionError(f"{where}: derivatives must be of a field, got {d}")

    def _validate(self):
        for i, e in enumerate(self._symbolic()):
            self._check_expression(e, f"equation {i}")
        for i, c in enumerate(self.conditions):
            where = f"condition {i} ({type(c).__name__})"
            if c.field not in self.fields:
                raise ProblemDefinitionError(
                    f"{where} is on {c.field}, which is not a field of the problem "
                    f"({', '.join(map(str, self.fields))})")
            self._check_expression(c.target, where)
            for attr in ("value", "a", "b"):
                if hasattr(c, attr):
                    v = getattr(c, attr)
                    if v.atoms(sp.core.function.AppliedUndef):
                        raise ProblemDefinitionError(f"{where}: its {attr} must not contain a field")
                    self._check_expression(v, where)
            if isinstance(c, Initial):
                if self.time is None:
                    raise ProblemDefinitionError(f"{where}: an initial condition needs a time variable")
                if self.time in c.value.free_symbols:
                    raise ProblemDefinitionError(f"{where}: its value depends on the time variable "
                        f"{self.time}")
            elif isinstance(c, Periodic):
                self._periodic_interval(c, where)
            elif isinstance(c, Data):
                X = c.array(self.variables)
                outside = ~self.domain.contains(X)
                if outside.any():
                    raise ProblemDefinitionError(
                        f"{where}: {int(outside.sum())} of its points lie outside the domain")
            elif hasattr(c, "on"):
                if self.spatial is None:
                    raise ProblemDefinitionError(f"{where}: the problem has no spatial boundary")
                bad = c.on.symbols - set(self.variables)
                if bad:
                    raise ProblemDefinitionError(
                        f"{where}: the selector {c.on} uses {', '.join(sorted(map(str, bad)))}, "
                            "which is not a "
                        f"variable of the domain")
                X, _ = self.sample_boundary(4096, np.random.default_rng(0))
                if not self.select(c, X).any():
                    raise ProblemDefinitionError(
                        f"{where}: the boundary selector {c.on} selects no point of the boundary of "
                            f"{self.spatial!r}")

    def _periodic_interval(self, c, where):
        if c.variable not in self.space_variables:
            raise ProblemDefinitionError(f"{where}: {c.variable} is not a spatial variable of the domain")
        factors = self.spatial.factors if isinstance(self.spatial, Product) else [self.spatial]
        for f in factors:
            if f.variables == (c.variable,) and hasattr(f, "low"):
                return f
        raise ProblemDefinitionError(f"{where}: {c.variable} must have its own Interval factor in the domain")

    # --- sampling ---------------------------------------------------------------------------------
    def _scale(self):
        lo, hi = self.domain.bounds
        return float(np.max(hi - lo))

    def select(self, condition, X) -> np.ndarray:
        """Mask of the (full-domain) points ``X`` on which a boundary condition holds."""
        return condition.on.mask(X, self.variables, self._scale())

    def _assemble(self, spatial_X, time_col):
        """Columns in domain order from spatial columns and a time column."""
        cols = []
        for v in self.variables:
            if v == self.time:
                cols.append(time_col)
            else:
                cols.append(spatial_X[:, self.space_variables.index(v)])
        return np.stack(cols, axis=1)

    def _spatial_order(self, X):
        # the spatial domain's own variable order -> space_variables order
        idx = [self.spatial.variables.index(v) for v in self.space_variables]
        return X[:, idx]

    def sample_interior(self, n, method="sobol", rng=None) -> np.ndarray:
        """``n`` points in the space(-time) domain."""
        return self.domain.sample_interior(n, method, make_rng(rng))

    def sample_boundary(self, n, rng=None, method="uniform"):
        """``n`` points on the spatial boundary (times the time interval) and their spatial normals."""
        rng = make_rng(rng)
        Xs, Ns = self.spatial.sample_boundary(n, rng)
        Xs, Ns = self._spatial_order(Xs), self._spatial_order(Ns)
        if self.time is None:
            return Xs, Ns
        t = self.time_interval.low + self.time_interval.measure * unit_samples(n, 1, method, rng)[:, 0]
        return self._assemble(Xs, t), Ns

    def sample_initial(self, n, method="sobol", rng=None) -> np.ndarray:
        rng = make_rng(rng)
        t0 = np.full(n, self.time_interval.low)
        if self.spatial is None:
            return t0[:1, None]
        Xs = self._spatial_order(self.spatial.sample_interior(n, method, rng))
        return self._assemble(Xs, t0)

    def sample_condition(self, condition, n, method="sobol", rng=None):
        """Points (and spatial normals, or None) for an initial or boundary condition."""
        rng = make_rng(rng)
        if isinstance(condition, Initial):
            return self.sample_initial(n, method, rng), None
        kept_X, kept_N, total = [], [], 0
        for _ in range(100):
            X, N = self.sample_boundary(max(2 * (n - total), 64), rng)
            m = self.select(condition, X)
            kept_X.append(X[m])
            kept_N.append(N[m])
            total += int(m.sum())
            if total >= n:
                break
        X, N = np.concatenate(kept_X)[:n], np.concatenate(kept_N)[:n]
        if self.spatial is not None and self.spatial.dim == 1 and self.time is None:
            X, idx = np.unique(X, axis=0, return_index=True)  # a 1-D boundary is a few points
            N = N[idx]
        return X, N

    def sample_periodic(self, condition, n, method="sobol", rng=None):
        """Matched point pairs (low end, high end) of a periodic condition."""
        rng = make_rng(rng)
        interval = self._periodic_interval(condition, "periodic condition")
        X = self.sample_interior(n, method, rng)
        j = self.variables.index(condition.variable)
        lo, hi = X.copy(), X.copy()
        lo[:, j], hi[:, j] = interval.low, interval.high
        return lo, hi

    def __repr__(self):
        eqs = ", ".join(str(e) if isinstance(e, sp.Expr) else getattr(e, "__name__", "callable")
                        for e in self.equations)
        return f"Problem([{eqs}] on {self.domain!r}, {len(self.conditions)} conditions)"
