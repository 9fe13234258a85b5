"""Points in the unit cube: uniform random, Latin hypercube, Sobol and Halton (scipy.stats.qmc).

Domains map these unit-cube samples onto themselves (or keep the ones that fall
inside, for shapes without a map), so every sampler works on every domain.
"""

from __future__ import annotations

import numpy as np

from sciml.errors import InputError

__all__ = ["METHODS", "unit_samples", "make_rng"]

METHODS = ("uniform", "lhs", "sobol", "halton")


def make_rng(seed) -> np.random.Generator:
    """A numpy generator from a seed, a generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise InputError("seed", "an integer, a numpy Generator or None", repr(seed))
    return np.random.default_rng(seed)


def unit_samples(n: int, dim: int, method: str = "sobol", rng=None) -> np.ndarray:
    """``n`` points in ``[0, 1)^dim`` drawn with ``method`` (one of :data:`METHODS`)."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError("n", "a non-negative integer number of points", repr(n))
    if method not in METHODS:
        raise InputError("method", f"one of {', '.join(METHODS)}", repr(method))
    rng = make_rng(rng)
    if n == 0 or dim == 0:
        return np.zeros((n, dim))
    if method == "uniform":
        return rng.random((n, dim))
    from scipy.stats import qmc

    seed = int(rng.integers(2**31))
    if method == "lhs":
        return qmc.LatinHypercube(d=dim, seed=seed).random(n)
    if method == "halton":
        return qmc.Halton(d=dim, scramble=True, seed=seed).random(n)
    engine = qmc.Sobol(d=dim, scramble=True, seed=seed)
    m = int(np.ceil(np.log2(max(n, 2))))
    return engine.random_base2(m)[:n]
