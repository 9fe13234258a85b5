"""Where to put collocation points: fixed sets and residual-based adaptive sampling.

- :class:`RAR`: residual-based adaptive refinement (Lu et al. 2021, DeepXDE): every
  ``every`` iterations add the ``add`` candidate points with the largest residual;
- :class:`RARD`: residual-based adaptive refinement with distribution (Wu et al. 2023):
  add ``add`` points drawn from the density ``p ~ |r|^k / mean(|r|^k) + c``;
- :class:`RAD`: residual-based adaptive distribution (Wu et al. 2023): replace all
  collocation points by a draw from that density (k=1, c=1 by default).

Candidates are fresh uniform samples of the domain (``candidates`` of them).
"""

from __future__ import annotations

import numpy as np

from sciml.errors import InputError

__all__ = ["Fixed", "RAR", "RARD", "RAD", "make_strategy"]


def _positive_int(name, v):
    if not isinstance(v, (int, np.integer)) or v < 1:
        raise InputError(name, "a positive integer", v)
    return int(v)


class Fixed:
    """Keep the initial collocation points."""

    every = None

    def update(self, problem, X, residual, rng):
        return X

    def spec(self):
        return {"type": "Fixed"}


class _Adaptive:
    def __init__(self, every=2000, candidates=100_000, lbfgs_every=None):
        self.every = _positive_int("every", every)
        self.candidates = _positive_int("candidates", candidates)
        self.lbfgs_every = _positive_int("lbfgs_every", lbfgs_every or every)

    def _candidates(self, problem, rng):
        Xc = problem.sample_interior(self.candidates, "uniform", rng)
        return Xc

    def spec(self):
        return {"type": type(self).__name__, **{k: v for k, v in vars(self).items()}}


def _density(r, k, c):
    rk = np.abs(r) ** k
    mean = rk.mean()
    p = rk / mean + c if mean > 0 else np.ones_like(rk)
    return p / p.sum()


class RAR(_Adaptive):
    """Add the ``add`` candidates with the largest residual every ``every`` iterations."""

    def __init__(self, every=2000, add=100, candidates=100_000, lbfgs_every=None):
        super().__init__(every, candidates, lbfgs_every)
        self.add = _positive_int("add", add)

    def update(self, problem, X, residual, rng):
        Xc = self._candidates(problem, rng)
        r = residual(Xc)
        top = np.argsort(-np.abs(r))[: self.add]
        return np.concatenate([X, Xc[top]])


class RARD(_Adaptive):
    """Add ``add`` points drawn with density ``|r|^k / mean|r|^k + c`` (Wu et al. 2023)."""

    def __init__(self, every=2000, add=100, k=2.0, c=0.0, candidates=100_000, lbfgs_every=None):
        super().__init__(every, candidates, lbfgs_every)
        self.add = _positive_int("add", add)
        self.k, self.c = float(k), float(c)

    def update(self, problem, X, residual, rng):
        Xc = self._candidates(problem, rng)
        p = _density(residual(Xc), self.k, self.c)
        idx = rng.choice(len(Xc), size=min(self.add, len(Xc)), replace=False, p=p)
        return np.concatenate([X, Xc[idx]])


class RAD(_Adaptive):
    """Replace all collocation points by a draw with density ``|r|^k / mean|r|^k + c`` (Wu et al. 2023)."""

    def __init__(self, every=2000, k=1.0, c=1.0, candidates=100_000, lbfgs_every=None):
        super().__init__(every, candidates, lbfgs_every)
        self.k, self.c = float(k), float(c)

    def update(self, problem, X, residual, rng):
        Xc = self._candidates(problem, rng)
        p = _density(residual(Xc), self.k, self.c)
        idx = rng.choice(len(Xc), size=min(len(X), len(Xc)), replace=False, p=p)
        return Xc[idx]


STRATEGIES = {"fixed": Fixed, "rar": RAR, "rard": RARD, "rad": RAD}


def make_strategy(resample):
    """None/"fixed" -> Fixed(); a name ("rar", "rard", "rad") -> its defaults; or a strategy object."""
    if resample is None:
        return Fixed()
    if isinstance(resample, str):
        key = resample.lower().replace("-", "")
        if key not in STRATEGIES:
            raise InputError("resample", f"one of {', '.join(STRATEGIES)} or a strategy object", repr(resample))
        return STRATEGIES[key]()
    if isinstance(resample, (Fixed, _Adaptive)):
        return resample
    raise InputError("resample", f"one of {', '.join(STRATEGIES)} or a strategy object", repr(resample))
