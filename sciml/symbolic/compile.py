"""Compile sympy expressions once into torch or numpy functions.

The compiler walks the expression tree after common-subexpression elimination
(``sympy.cse``) and builds a small program of closures: no source code is
generated and nothing is passed to ``eval``/``exec``, so expressions read from
files can be compiled safely. Constants are folded at compile time; the result
follows the dtype and device of the input arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from sciml.errors import InputError

__all__ = ["CompiledFunction", "compile_torch", "compile_numpy", "SUPPORTED_FUNCTIONS"]

Closure = Callable[[list], Any]


def _torch_table():
    import torch

    return {
        "add": torch.add, "mul": torch.mul, "neg": torch.neg, "div": torch.div,
        "square": torch.square, "sqrt": torch.sqrt, "reciprocal": torch.reciprocal, "pow": torch.pow,
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
        "atan": torch.atan, "atan2": torch.atan2, "sinh": torch.sinh, "cosh": torch.cosh,
        "tanh": torch.tanh, "asinh": torch.asinh, "acosh": torch.acosh, "atanh": torch.atanh,
        "exp": torch.exp, "log": torch.log, "Abs": torch.abs, "sign": torch.sign, "erf": torch.erf,
        "conjugate": torch.conj_physical,
        "erfc": torch.erfc, "Max": torch.maximum, "Min": torch.minimum,
        "Heaviside": lambda x: torch.heaviside(x, torch.full_like(x, 0.5)),
        "heaviside": lambda x, h0: torch.heaviside(x, torch.full_like(x, h0)),
        "floor": torch.floor, "ceiling": torch.ceil, "where": torch.where,
        "clamp_min": lambda a, c: torch.clamp(a, min=c), "clamp_max": lambda a, c: torch.clamp(a, max=c),
        "full_like": lambda ref, value: torch.full_like(ref, value),
        "as_array": lambda value, ref: torch.as_tensor(value, dtype=ref.dtype, device=ref.device),
        "is_array": lambda value: isinstance(value, torch.Tensor),
        "broadcast": lambda value, ref: value.expand_as(ref) if value.shape != ref.shape else value,
    }


def _numpy_table():
    import numpy as np
    import scipy.special

    return {
        "add": np.add, "mul": np.multiply, "neg": np.negative, "div": np.divide,
        "square": np.square, "sqrt": np.sqrt, "reciprocal": np.reciprocal, "pow": np.power,
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
        "atan": np.arctan, "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh,
        "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
        "exp": np.exp, "log": np.log, "Abs": np.abs, "sign": np.sign, "erf": scipy.special.erf,
        "conjugate": np.conjugate,
        "erfc": scipy.special.erfc, "Max": np.maximum, "Min": np.minimum,
        "Heaviside": lambda x: np.heaviside(x, 0.5),
        "heaviside": np.heaviside,
        "floor": np.floor, "ceiling": np.ceil, "where": np.where,
        "clamp_min": np.maximum, "clamp_max": np.minimum,
        "full_like": lambda ref, value: np.full_like(ref, value, dtype=np.result_type(ref, float)),
        "as_array": lambda value, ref: np.asarray(value, dtype=np.result_type(ref, float)),
        "is_array": lambda value: isinstance(value, np.ndarray),
        "broadcast": lambda value, ref: np.broadcast_to(value, np.shape(ref)),
    }


_UNARY = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
          "atanh", "exp", "log", "Abs", "sign", "erf", "erfc", "Heaviside", "floor", "ceiling", "sqrt", "conjugate")
_BINARY = ("atan2",)
_VARIADIC = ("Max", "Min")

#: sympy function names the compiler understands (also the whitelist of the model-file parser).
SUPPORTED_FUNCTIONS = frozenset(_UNARY + _BINARY + _VARIADIC)


class CompiledFunction:
    """A compiled list of expressions: ``f(*arrays) -> array`` (or a tuple of arrays).

    Inputs are passed positionally in the order of ``args``; numbers may be
    given for any argument. Every output is broadcast to the common shape of
    the inputs, constants included, so ``f(x)`` of ``sp.Integer(2)`` is an
    array like ``x`` filled with 2.
    """

    def __init__(self, args, exprs, single, program, outputs, table):
        self.args = tuple(args)
        self.exprs = tuple(exprs)
        self._single = single
        self._program = program
        self._outputs = outputs
        self._table = table

    def __call__(self, *values):
        if len(values) != len(self.args):
            names = ", ".join(str(a) for a in self.args)
            raise InputError("arguments", f"{len(self.args)} values ({names})", f"{len(values)}")
        env = list(values)
        for step in self._program:
            env.append(step(env))
        results = [out(env) for out in self._outputs]
        ref = self._reference(values, results)
        if ref is not None:
            results = [self._as_array(r, ref) for r in results]
        return results[0] if self._single else tuple(results)

    def _reference(self, values, results):
        """The array whose dtype/device/shape constants and broadcasting follow."""
        is_array = self._table["is_array"]
        arrays = [v for v in list(values) + results if is_array(v)]
        if not arrays:
            return None
        ref = arrays[0]
        for a in arrays[1:]:
            if a.ndim > ref.ndim or (a.ndim == ref.ndim and _numel(a) > _numel(ref)):
                ref = a
        return ref

    def _as_array(self, value, ref):
        table = self._table
        if not table["is_array"](value):
            return table["full_like"](ref, value)
        if tuple(value.shape) != tuple(ref.shape):
            try:
                return table["broadcast"](value, ref)
            except (RuntimeError, ValueError):
                return value
        return value

    def __repr__(self):
        return f"CompiledFunction(args={self.args}, exprs={self.exprs})"


def _numel(a) -> int:
    n = 1
    for s in a.shape:
        n *= int(s)
    return n


def compile_torch(exprs, args: Sequence[sp.Symbol], *, cse: bool = True) -> CompiledFunction:
    """Compile sympy expression(s) in ``args`` into a function of torch tensors.

    Parameters
    ----------
    exprs : sympy expression or sequence of expressions
        What to compute; a single expression gives a function returning one tensor,
        a sequence one returning a tuple.
    args : sequence of sympy symbols
        The positional arguments of the compiled function, in order. Every free
        symbol of ``exprs`` must be among them.
    cse : bool
        Share common subexpressions between and within the expressions.
    """
    return _compile(exprs, args, cse, _torch_table())


def compile_numpy(exprs, args: Sequence[sp.Symbol], *, cse: bool = True) -> CompiledFunction:
    """Compile sympy expression(s) into a function of numpy arrays (see :func:`compile_torch`)."""
    return _compile(exprs, args, cse, _numpy_table())


def _compile(exprs, args, use_cse, table) -> CompiledFunction:
    single = isinstance(exprs, sp.Basic) or not isinstance(exprs, (list, tuple))
    expr_list = [exprs] if single else list(exprs)
    expr_list = [_sympify_checked(e, i) for i, e in enumerate(expr_list)]
    args = list(args)
    for i, a in enumerate(args):
        if not isinstance(a, sp.Symbol):
            raise InputError(f"args[{i}]", "a sympy Symbol", f"{a!r} ({type(a).__name__})",
                             "replace derivatives and function applications by symbols before compiling")
    if len(set(args)) != len(args):
        raise InputError("args", "distinct symbols", args)
    allowed = set(args)
    for i, e in enumerate(expr_list):
        extra = e.free_symbols - allowed
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            raise InputError(f"exprs[{i}]", f"an expression in the symbols ({', '.join(map(str, args))})",
                             f"unknown symbol(s) {names}")

    repeated = _repeated(expr_list) if use_cse else None
    if repeated is not None and repeated.n_distinct <= SYMPY_CSE_LIMIT:
        replacements, reduced = sp.cse(expr_list, optimizations="basic")
        repeated = frozenset()
    else:  # big inputs: sympy's cse grows faster than linearly; share identical subtrees instead
        replacements, reduced = [], expr_list
    slots = _Slots(args, repeated or frozenset())
    for sym, sub in replacements:
        slots.add(sym, _node(sub, slots, table))
    outputs = [_node(e, slots, table) for e in reduced]
    return CompiledFunction(args, expr_list, single, slots.program, outputs, table)


#: above this many distinct subexpressions, common subexpressions are found by identity (linear time)
SYMPY_CSE_LIMIT = 500


class _Repeated(frozenset):
    n_distinct: int = 0


def _repeated(exprs) -> _Repeated:
    """The compound subexpressions that occur more than once (each is then computed once)."""
    seen, repeated, stack = set(), set(), list(exprs)
    while stack:
        e = stack.pop()
        if not e.args:
            continue
        if e in seen:
            repeated.add(e)
            continue
        seen.add(e)
        stack.extend(e.args)
    out = _Repeated(repeated)
    out.n_distinct = len(seen)
    return out


class _Slots:
    """Where each value lives in the environment list: the arguments, then one entry per program step."""

    def __init__(self, args, shared):
        self.index = {a: i for i, a in enumerate(args)}
        self.shared = shared
        self.program: list[Closure] = []

    def __contains__(self, expr):
        return expr in self.index

    def __getitem__(self, expr):
        return self.index[expr]

    def add(self, expr, closure) -> int:
        self.program.append(closure)
        self.index[expr] = len(self.index)
        return self.index[expr]


def _sympify_checked(expr, index):
    if isinstance(expr, sp.Basic):
        if isinstance(expr, sp.Equality):
            return expr.lhs - expr.rhs
        if not isinstance(expr, sp.Expr):
            raise InputError(f"exprs[{index}]", "a sympy expression", type(expr).__name__)
        return expr
    if isinstance(expr, (int, float)):
        return sp.Float(expr) if isinstance(expr, float) else sp.Integer(expr)
    raise InputError(f"exprs[{index}]", "a sympy expression or a number", type(expr).__name__)


def _constant(expr) -> float | complex:
    """A number; complex constants (``I``, from complex-coefficient models) stay complex."""
    if expr.is_Rational or expr.is_Float:
        return float(expr)
    try:  # an unevaluated function of a number (the parser does not evaluate them) needs doit() first
        value = complex(sp.N(expr, 17))
    except TypeError:
        try:
            value = complex(sp.N(expr.doit(), 17))
        except TypeError:
            raise InputError("exprs", "constants with a numeric value", str(expr)) from None
    return value if value.imag != 0 else value.real


def _node(expr, slots, table) -> Closure:
    """A closure computing ``expr`` from the environment list."""
    if expr not in slots and expr in slots.shared:
        slots.add(expr, _build(expr, slots, table))
    if expr in slots:
        i = slots[expr]
        return lambda env: env[i]
    return _build(expr, slots, table)


def _build(expr, slots, table) -> Closure:
    if not expr.free_symbols:
        c = _constant(expr)
        if isinstance(c, float) and math.isfinite(c) and c == int(c) and abs(c) < 2**53:
            c = float(int(c))
        return lambda env: c
    if isinstance(expr, sp.Add):
        return _fold(table["add"], [_node(a, slots, table) for a in _ordered(expr.args)])
    if isinstance(expr, sp.Mul):
        return _mul(expr, slots, table)
    if isinstance(expr, sp.Pow):
        return _pow(expr, slots, table)
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr, slots, table)
    if isinstance(expr, (sp.Max, sp.Min)):
        return _extremum(expr, slots, table)
    if isinstance(expr, sp.Function):
        name = type(expr).__name__
        if name == "Heaviside" and len(expr.args) == 2 and not expr.args[1].free_symbols:  # H(x, H(0))
            f, a, h0 = table["heaviside"], _node(expr.args[0], slots, table), _constant(expr.args[1])
            return lambda env: f(a(env), h0)
        if name in _UNARY and len(expr.args) == 1:
            f, a = table[name], _node(expr.args[0], slots, table)
            return lambda env: f(a(env))
        if name in _BINARY and len(expr.args) == 2:
            f, as_array = table[name], table["as_array"]
            a, b = (_node(x, slots, table) for x in expr.args)
            if not expr.args[0].free_symbols:  # torch's binary functions take tensors only
                return lambda env: (lambda y: f(as_array(a(env), y), y))(b(env))
            if not expr.args[1].free_symbols:
                return lambda env: (lambda x: f(x, as_array(b(env), x)))(a(env))
            return lambda env: f(a(env), b(env))
        raise InputError("exprs", f"functions among {sorted(SUPPORTED_FUNCTIONS)}", f"{name}{expr.args}")
    if isinstance(expr, sp.Derivative):
        raise InputError("exprs", "no unevaluated derivatives", str(expr),
                         "replace each Derivative by a symbol and pass its values as an argument")
    raise InputError("exprs", "an expression of numbers, symbols, + - * / ** and supported functions",
                     f"{expr} ({type(expr).__name__})")


def _ordered(args):
    # numbers last, so a folded sum/product starts from an array and the result keeps its dtype
    return sorted(args, key=lambda a: a.is_number)


def _fold(op, closures) -> Closure:
    if len(closures) == 1:
        return closures[0]
    if len(closures) == 2:
        a, b = closures
        return lambda env: op(a(env), b(env))
    first, rest = closures[0], closures[1:]

    def run(env):
        acc = first(env)
        for c in rest:
            acc = op(acc, c(env))
        return acc

    return run


def _extremum(expr, slots, table) -> Closure:
    is_max = isinstance(expr, sp.Max)
    consts = [_constant(a) for a in expr.args if not a.free_symbols]
    variable = [_node(a, slots, table) for a in expr.args if a.free_symbols]
    body = _fold(table["Max" if is_max else "Min"], variable)
    if not consts:
        return body
    c = max(consts) if is_max else min(consts)
    clamp = table["clamp_min" if is_max else "clamp_max"]
    return lambda env: clamp(body(env), c)


def _mul(expr, slots, table) -> Closure:
    coeff, factors = expr.as_coeff_mul()
    numer = [f for f in factors if not (isinstance(f, sp.Pow) and f.exp.is_negative and f.exp.is_number)]
    denom = [f.base ** (-f.exp) for f in factors if f not in numer]
    closures = [_node(f, slots, table) for f in numer]
    c = _constant(coeff)
    mul, div, neg = table["mul"], table["div"], table["neg"]
    body = _fold(mul, closures) if closures else (lambda env: 1.0)
    if denom:
        d = _fold(mul, [_node(f, slots, table) for f in denom])
        num = body
        body = lambda env: div(num(env), d(env))  # noqa: E731
    if c == 1.0:
        return body
    if c == -1.0:
        inner = body
        return lambda env: neg(inner(env))
    inner = body
    return lambda env: mul(inner(env), c)


def _pow(expr, slots, table) -> Closure:
    base, exp = expr.args
    b = _node(base, slots, table)
    if exp.is_number:
        e = _constant(exp)
        if e == 2:
            f = table["square"]
            return lambda env: f(b(env))
        if e == 0.5:
            f = table["sqrt"]
            return lambda env: f(b(env))
        if e == -1:
            f = table["reciprocal"]
            return lambda env: f(b(env))
        if e == 1:
            return b
        power = table["pow"]
        if e == int(e):
            ei = int(e)
            if ei < 0:
                recip = table["reciprocal"]
                return lambda env: recip(power(b(env), -ei))
            return lambda env: power(b(env), ei)
        return lambda env: power(b(env), e)
    power = table["pow"]
    x = _node(exp, slots, table)
    if not base.free_symbols:  # e.g. 2**x, exp written as E**x
        c = _constant(base)
        if c == math.e:
            f = table["exp"]
            return lambda env: f(x(env))
        logc = math.log(c)
        f, mul = table["exp"], table["mul"]
        return lambda env: f(mul(x(env), logc))
    return lambda env: power(b(env), x(env))


def _piecewise(expr, slots, table) -> Closure:
    where = table["where"]
    branches = []
    for value, cond in expr.args:
        branches.append((_node(value, slots, table), _condition(cond, slots, table)))
    as_array = table["as_array"]

    def run(env):
        result = None
        for value, cond in reversed(branches):
            v = value(env)
            if result is None:
                result = v
                continue
            c = cond(env)
            ref = next((x for x in (v, result, c) if table["is_array"](x)), None)
            if ref is None:
                result = v if c else result
                continue
            result = where(as_array(c, ref) if not table["is_array"](c) else c,
                           as_array(v, ref) if not table["is_array"](v) else v,
                           as_array(result, ref) if not table["is_array"](result) else result)
        return result

    return run


def _condition(cond, slots, table) -> Closure:
    if cond is sp.true:
        return lambda env: True
    if cond is sp.false:
        return lambda env: False
    ops = {sp.StrictLessThan: "__lt__", sp.LessThan: "__le__", sp.StrictGreaterThan: "__gt__",
           sp.GreaterThan: "__ge__"}
    for kind, method in ops.items():
        if isinstance(cond, kind):
            a, b = (_node(x, slots, table) for x in cond.args)
            if not cond.args[0].free_symbols:  # constant on the left: compare from the array's side
                a, b, method = b, a, _flip(method)
            return lambda env: getattr(a(env), method)(b(env))
    if isinstance(cond, (sp.And, sp.Or)):
        parts = [_condition(c, slots, table) for c in cond.args]
        is_and = isinstance(cond, sp.And)

        def run(env):
            acc = parts[0](env)
            for p in parts[1:]:
                acc = (acc & p(env)) if is_and else (acc | p(env))
            return acc

        return run
    raise InputError("exprs", "Piecewise conditions built from <, <=, >, >=, And, Or", str(cond))


def _flip(method: str) -> str:
    return {"__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__", "__ge__": "__le__"}[method]
