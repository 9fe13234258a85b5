"""Reference delay equations with known answers, for tests, benchmarks and trying a DDE solver.

- ``y'(t) = −y(t − 1)``, ``y = 1`` for ``t ≤ 0``: on ``[n − 1, n]`` the exact solution is the
  polynomial ``Σ_{k=0}^{n} (−1)^k (t − k + 1)^k / k!`` (the method of steps done by hand).
- Mackey–Glass, ``y' = β y(t−τ) / (1 + y(t−τ)^n) − γ y`` (Mackey & Glass, Science 1977), chaotic at
  β = 0.2, γ = 0.1, n = 10, τ = 17; :func:`method_of_steps_reference` solves it (or any single
  constant-delay DDE given as a numpy field) independently of sciml: scipy's DOP853 on each interval
  ``[t0 + kτ, t0 + (k+1)τ]``, the delayed values from the previous interval's dense output.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["delayed_decay_exact", "mackey_glass", "mackey_glass_numpy", "method_of_steps_reference"]


def delayed_decay_exact(t: float) -> float:
    """The exact solution of ``y'(t) = −y(t − 1)``, ``y = 1`` for ``t ≤ 0``."""
    if t <= 0:
        return 1.0
    n = math.ceil(t)
    return sum((-1) ** k * (t - k + 1) ** k / math.factorial(k) for k in range(n + 1))


def mackey_glass(beta: float = 0.2, gamma: float = 0.1, n: float = 10.0):
    """The torch field ``f(t, y, (y(t − τ),))`` of the Mackey–Glass equation."""

    def f(t, y, lagged):
        (z,) = lagged
        return beta * z / (1 + z ** n) - gamma * y

    return f


def mackey_glass_numpy(beta: float = 0.2, gamma: float = 0.1, n: float = 10.0):
    def f(t, y, z):
        return beta * z / (1 + z ** n) - gamma * y

    return f


def method_of_steps_reference(f, history, tau: float, t0: float, t1: float, rtol: float = 1e-12,
                              atol: float = 1e-12, method: str = "DOP853"):
    """An independent solve of ``y' = f(t, y, y(t − τ))`` (numpy), ``y = history(t)`` for ``t ≤ t0``.

    Returns a function ``y(t)`` on ``[t0 − τ, t1]`` (vectorised over a numpy array of times).
    Each interval of length τ is an ODE whose delayed values come from the previous interval,
    solved by scipy's ``method`` (DOP853 by default) with its dense output.
    """
    from scipy.integrate import solve_ivp  # scipy only here: the reference must not be sciml

    pieces = []  # (start, end, dense solution)

    def delayed(s):
        if s <= t0:
            return np.asarray(history(s), dtype=float)
        for a, b, sol in reversed(pieces):
            if a <= s <= b:
                return sol(s)
        raise ValueError(f"no solution yet at {s}")

    y = np.atleast_1d(np.asarray(history(t0), dtype=float))
    a = t0
    while a < t1:
        b = min(a + tau, t1)
        sol = solve_ivp(lambda t, u: f(t, u, delayed(t - tau)), (a, b), y, method=method, rtol=rtol, atol=atol,
                        dense_output=True)
        if not sol.success:
            raise RuntimeError(sol.message)
        pieces.append((a, b, sol.sol))
        y, a = sol.y[:, -1], b

    def evaluate(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.stack([delayed(s) for s in t])

    return evaluate
