"""Residuals compiled once from sympy to torch (through :func:`sciml.symbolic.compile_torch`).

Every field and derivative of a field in the expressions is replaced by a placeholder
symbol whose values come from :mod:`sciml.pinn.derivatives`, so one compiled function
(with common subexpressions shared between its expressions) evaluates all residuals of a
set of points. Fixed parameters are folded in as constants; learnable ones are arguments.
"""

from __future__ import annotations

import sympy as sp

from sciml.errors import ProblemDefinitionError
from sciml.pde.parameter import Parameter
from sciml.symbolic import compile_torch

__all__ = ["CompiledResidual", "multi_index"]


def multi_index(derivative, variables):
    """The multi-index (counts per variable, in ``variables`` order) of a field or a derivative."""
    alpha = [0] * len(variables)
    if isinstance(derivative, sp.Derivative):
        for v, c in derivative.variable_count:
            alpha[variables.index(v)] += int(c)
    return tuple(alpha)


class CompiledResidual:
    """``CompiledResidual(exprs, problem, extra=())``: called with the points, normals,
    learnable parameter values, extra arrays and field derivatives, returns one tensor
    per expression. ``needs`` lists the ``(field index, multi-index)`` it reads."""

    def __init__(self, exprs, problem, extra=()):
        variables = list(problem.variables)
        fields = list(problem.fields)
        fixed = {p: sp.Float(p.value) for p in problem.parameters.values() if not p.learnable}
        self.learnable = [p for p in problem.parameters.values() if p.learnable]
        exprs = [sp.sympify(e).xreplace(fixed) for e in exprs]
        replace, needs = {}, []
        for e in exprs:
            atoms = sorted(e.atoms(sp.Derivative), key=sp.default_sort_key)
            atoms += sorted(e.atoms(sp.core.function.AppliedUndef), key=sp.default_sort_key)
            for a in atoms:
                if a in replace:
                    continue
                f = a.expr if isinstance(a, sp.Derivative) else a
                if f not in fields:
                    raise ProblemDefinitionError(f"{a} is not a derivative of a field of the problem")
                key = (fields.index(f), multi_index(a, variables))
                if key not in needs:
                    needs.append(key)
                replace[a] = sp.Dummy(f"d{key[0]}_{'_'.join(map(str, key[1]))}")
        self.needs = needs
        self._symbol_of = {key: sym for key, sym in zip(needs, [replace[a] for a in replace])}
        placeholders = {}
        for a, sym in replace.items():
            f = a.expr if isinstance(a, sp.Derivative) else a
            placeholders[(fields.index(f), multi_index(a, variables))] = sym
        self._order = list(placeholders)
        normals = list(problem.normal_symbols.values())
        self.extra = list(extra)
        args = variables + normals + self.learnable + self.extra + [placeholders[k] for k in self._order]
        self.n_vars, self.n_normals = len(variables), len(normals)
        reduced = [e.xreplace(replace) for e in exprs]
        for e in reduced:
            stray = e.free_symbols - set(args)
            if stray:
                raise ProblemDefinitionError(f"the residual uses unknown symbols {stray}")
            if any(isinstance(s, Parameter) for s in e.free_symbols - set(self.learnable)):
                raise ProblemDefinitionError("a parameter was not resolved")  # pragma: no cover
        self.fn = compile_torch(reduced, args)
        self.needs = self._order

    def __call__(self, X, normals, params, extra, fields):
        cols = [X[:, i] for i in range(self.n_vars)]
        if self.n_normals:
            if normals is None:
                ref = X[:, 0]
                cols += [ref * 0] * self.n_normals
            else:
                cols += [normals[:, i] for i in range(self.n_normals)]
        cols += [params[p.name] for p in self.learnable]
        cols += list(extra)
        cols += [fields[k] for k in self._order]
        return self.fn(*cols)
