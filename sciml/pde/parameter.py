"""Named constants of a problem, fixed or learnable (inverse problems).

A :class:`Parameter` is a sympy ``Symbol`` carrying a value, so it can be written
straight into the equations: ``nu * u.diff(x, 2)``. A learnable parameter is
recovered from :class:`~sciml.pde.conditions.Data` conditions, as in the inverse
problems of Raissi, Perdikaris & Karniadakis (2019).
"""

from __future__ import annotations

import math

import sympy as sp

from sciml.errors import InputError

__all__ = ["Parameter"]


class Parameter(sp.Symbol):
    """A constant of the problem: ``Parameter("nu", value=0.01 / sp.pi, learnable=False)``.

    ``value`` is the fixed value, or the initial guess when ``learnable=True``.
    """

    def __new__(cls, name: str, value=None, learnable: bool = False, **assumptions):
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError("name", "a parameter name that is a Python identifier", repr(name))
        obj = sp.Symbol.__xnew__(cls, name, real=True, **assumptions)
        if value is None:
            raise InputError("value", f"a number for parameter {name!r} (the initial guess if learnable)",
                             None)
        try:
            number = float(sp.N(sp.sympify(value, strict=True)))
        except (TypeError, ValueError, sp.SympifyError) as exc:
            raise InputError("value", f"a real number for parameter {name!r}", repr(value)) from exc
        if not math.isfinite(number):
            raise InputError("value", f"a finite number for parameter {name!r}", number)
        obj.value = number
        obj.learnable = bool(learnable)
        return obj

    def __getnewargs_ex__(self):
        return (self.name, self.value, self.learnable), {}

    def _hashable_content(self):
        return (*super()._hashable_content(), "sciml.Parameter")
