"""Simulate an ODE model with :func:`sciml.integrate.solve_ivp`.

The right-hand sides are compiled once to a torch function
(:func:`sciml.symbolic.compile_torch`), so one evaluation is a handful of
tensor operations instead of a pass through a feature-library pipeline; many
initial states are integrated as one batch. A solve that cannot go on (a
model that blows up) stops with :class:`~sciml.errors.SolverError` at the time
reached, or with ``on_failure="return"`` returns NaN beyond it — it never hangs
(``max_steps``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from sciml.errors import InputError

__all__ = ["simulate_ode", "input_function", "polynomial_rhs"]


def polynomial_rhs(rhs, args):
    """For polynomial right-hand sides, ``f(values) = prod(values[idx]) @ Xi`` in four tensor operations.

    Returns ``f(ext)`` taking ``ext = [1, *args values]`` along the last axis, or
    None when a term is not a monomial with positive integer powers (then the
    general compiled function is used). Fewer tensor operations per call is what
    makes small systems fast: the cost is per operation, not per flop.
    """
    import torch

    from sciml.discovery.report import split_terms

    position = {a: i + 1 for i, a in enumerate(args)}
    terms: dict[sp.Expr, int] = {}  # term -> row (a dict: a list's index() made big models quadratic)
    rows: list[list[int]] = []
    coef: dict[tuple[int, int], float] = {}
    for eq, expr in enumerate(rhs):
        for c, term in split_terms(expr):
            factors = []
            for base, power in term.as_powers_dict().items():
                if term == 1:
                    break
                if base not in position or not (power.is_Integer and power > 0):
                    return None
                factors += [position[base]] * int(power)
            if term not in terms:
                terms[term] = len(rows)
                rows.append(factors)
            coef[(terms[term], eq)] = coef.get((terms[term], eq), 0.0) + c
    if not terms:
        return None
    degree = max(1, max(len(r) for r in rows))
    idx = torch.tensor([r + [0] * (degree - len(r)) for r in rows])
    if len(terms) * len(rhs) > _DENSE_LIMIT:  # big systems: one (term, equation) entry per coefficient
        return _sparse_polynomial(idx, coef, len(rhs))
    xi = torch.zeros(len(terms), len(rhs), dtype=torch.float64)
    for (j, i), c in coef.items():
        xi[j, i] = c
    cache = {}

    def f(ext):
        key = (ext.dtype, ext.device)
        if key not in cache:
            cache[key] = (idx.to(ext.device), xi.to(dtype=ext.dtype, device=ext.device))
        index, weights = cache[key]
        return ext[..., index].prod(-1) @ weights

    return f


_DENSE_LIMIT = 1_000_000  # entries of the dense coefficient matrix; above it memory would grow as n^2


def _sparse_polynomial(idx, coef, n_equations):
    import torch

    term = torch.tensor([j for j, _ in coef])
    equation = torch.tensor([i for _, i in coef])
    values = torch.tensor(list(coef.values()), dtype=torch.float64)
    cache = {}

    def f(ext):
        key = (ext.dtype, ext.device)
        if key not in cache:
            cache[key] = (idx.to(ext.device), term.to(ext.device), equation.to(ext.device),
                          values.to(dtype=ext.dtype, device=ext.device))
        index, t, eq, c = cache[key]
        contributions = ext[..., index].prod(-1)[..., t] * c
        out = torch.zeros(*ext.shape[:-1], n_equations, dtype=ext.dtype, device=ext.device)
        return out.index_add(-1, eq, contributions)

    return f


def input_function(u, t_grid, n_inputs: int) -> Callable:
    """``u(t) -> tensor (n_inputs,)`` from a callable, or by linear interpolation of samples on ``t_grid``."""
    import torch

    if callable(u):
        def call(t):
            return torch.as_tensor(np.asarray(u(float(t)), dtype=float).reshape(n_inputs))
        return call
    values = np.asarray(u, dtype=float)
    if values.ndim == 1 and n_inputs == 1:
        values = values[:, None]
    if values.shape != (len(t_grid), n_inputs) or not np.isfinite(values).all():
        raise InputError("u", f"a callable u(t) or finite samples of shape ({len(t_grid)}, {n_inputs})",
                         values.shape)
    tg = torch.as_tensor(np.asarray(t_grid, dtype=float))
    vals = torch.as_tensor(values)

    def interp(t):
        i = torch.clamp(torch.searchsorted(tg, t.detach().to(tg.dtype).reshape(1)), 1, len(tg) - 1)[0]
        w = ((t.to(tg.dtype) - tg[i - 1]) / (tg[i] - tg[i - 1])).clamp(0, 1)
        return vals[i - 1] + w * (vals[i] - vals[i - 1])

    return interp


def simulate_ode(model, y0, t, u=None, method: str = "dopri5", rtol: float = 1e-8, atol: float = 1e-10,
                 max_steps: int = 100_000, on_failure: str = "raise", batch: str = "joint", **options):
    """States of ``model`` at the times ``t`` from ``y0``.

    Parameters
    ----------
    y0 : array or tensor (n,) or (B, n)
        Initial state(s); a leading batch dimension integrates several at once.
    t : array or tensor (T,)
        Increasing output times; the first is the initial time.
    u : callable or array (T, m), optional
        Inputs for models with control inputs: ``u(t)`` or samples at ``t``
        (linearly interpolated; the same for every batch member).
    method, rtol, atol, max_steps, on_failure, batch, options :
        Passed to :func:`sciml.integrate.solve_ivp`.

    Returns an array (or a tensor, when ``y0`` is one) of shape (T, n) or (T, B, n).
    """
    import torch

    from sciml.integrate import solve_ivp
    from sciml.symbolic.checks import rhs_function
    from sciml.symbolic.printers import flatten

    as_tensor = isinstance(y0, torch.Tensor)
    y0_t = y0 if as_tensor else torch.as_tensor(np.asarray(y0, dtype=float))
    if not y0_t.is_floating_point():
        y0_t = y0_t.to(torch.get_default_dtype())
    n = len(model.states)
    if y0_t.ndim not in (1, 2) or y0_t.shape[-1] != n:
        raise InputError("y0", f"an initial state of shape ({n},) or (batch, {n})", tuple(y0_t.shape))
    t_t = t.to(dtype=y0_t.dtype, device=y0_t.device) if isinstance(t, torch.Tensor) else \
        torch.as_tensor(np.asarray(t, dtype=float), dtype=y0_t.dtype, device=y0_t.device)
    if t_t.ndim != 1 or len(t_t) < 2 or not bool((t_t[1:] > t_t[:-1]).all()):
        raise InputError("t", "an increasing 1-D array of at least 2 times", tuple(t_t.shape))
    flat = flatten(model.spec)  # parameters replaced by their values
    uses_time = any(flat.time in e.free_symbols for e in flat.exprs)
    poly = None if uses_time else polynomial_rhs(flat.exprs, flat.arguments)
    if poly is not None:
        def field(time, values):
            one = torch.ones(*values.shape[:-1], 1, dtype=values.dtype, device=values.device)
            return poly(torch.cat([one, values], dim=-1))
    else:
        f = rhs_function(model.spec, flat)

        def field(time, values):
            return torch.movedim(f(time, *values.unbind(-1)), 0, -1)

    if model.inputs:
        if u is None:
            raise InputError("u", f"the inputs {model.inputs}: a callable u(t) or samples at t", None)
        u_of_t = input_function(u, t_t.detach().cpu().numpy(), len(model.inputs))

        def rhs(time, y):
            uu = u_of_t(time).to(dtype=y.dtype, device=y.device).expand(*y.shape[:-1], -1)
            return field(time, torch.cat([y, uu], dim=-1))
    else:
        if u is not None:
            raise InputError("u", "no inputs: the model has none", type(u).__name__)

        def rhs(time, y):
            return field(time, y)

    sol = solve_ivp(rhs, (t_t[0], t_t[-1]), y0_t, t_eval=t_t, method=method, rtol=rtol, atol=atol,
                    max_steps=max_steps, on_failure=on_failure, batch=batch, **options)
    ys = sol.ys
    if ys.shape[0] < len(t_t):  # a failed solve returned early: NaN where it never got
        import warnings

        warnings.warn(f"simulation stopped early: {sol.message or sol.status}", RuntimeWarning, stacklevel=3)
        pad = torch.full((len(t_t) - ys.shape[0], *ys.shape[1:]), float("nan"), dtype=ys.dtype, device=ys.device)
        ys = torch.cat([ys, pad])
    return ys if as_tensor else ys.detach().cpu().numpy()
