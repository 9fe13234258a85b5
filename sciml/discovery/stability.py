"""Does a discovered ODE model stay bounded when simulated over its data's window?

A model can fit the derivatives well and still blow up when integrated: a
spurious ``z^2`` term with a small coefficient, or a growth rate a little too
large, is invisible in the regression and fatal in a simulation. The check
integrates the model from the first sample of (up to eight of) the data's
trajectories over their time windows with loose tolerances — boundedness, not
accuracy, is the question — and calls the model unbounded if the solver fails
or the solution leaves the data's range by more than ten times its extent.
:func:`screen` uses the check to prefer a bounded model among candidates that
the selection criterion cannot tell apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["simulation_check", "screen", "MAX_TRAJECTORIES", "RANGE_FACTOR"]

#: at most this many trajectories are simulated
MAX_TRAJECTORIES = 8
#: a simulation that leaves [min - f * extent, max + f * extent] of the data is unbounded
RANGE_FACTOR = 10.0
#: output points per simulated trajectory
CHECK_POINTS = 201


def _inputs_at(t_out, t, u):
    if u is None:
        return None
    return np.stack([np.interp(t_out, t, u[:, j]) for j in range(u.shape[1])], axis=1)


def simulation_check(model, trajectories: Sequence[tuple], max_steps: int = 20_000) -> dict:
    """``{"bounded", "checked", "trajectory", "t_failed", "reason"}`` for ``model`` over the data's windows."""
    trajectories = list(trajectories)[:MAX_TRAJECTORIES]
    if all(r == 0 for r in model.rhs):  # nothing changes: bounded, no solver needed
        return {"bounded": True, "checked": len(trajectories), "trajectory": None, "t_failed": None, "reason": ""}
    states = np.concatenate([y for _, y, _ in trajectories])
    lo, hi = states.min(axis=0), states.max(axis=0)
    extent = np.maximum(hi - lo, 1e-12 * np.maximum(np.abs(hi), 1.0))
    low, high = lo - RANGE_FACTOR * extent, hi + RANGE_FACTOR * extent
    atol = 1e-6 * float(np.max(np.abs(states))) or 1e-12
    for k, (t, y, u) in enumerate(trajectories):
        t_out = np.linspace(float(t[0]), float(t[-1]), CHECK_POINTS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sim = model.simulate(y[0], t_out, u=_inputs_at(t_out, t, u), rtol=1e-4, atol=atol,
                                     max_steps=max_steps, on_failure="return")
            except Exception as exc:  # the check must judge, never crash the fit
                return {"bounded": False, "checked": k + 1, "trajectory": k, "t_failed": float(t[0]),
                        "reason": f"the simulation failed: {exc}"}
        sim = np.asarray(sim, dtype=float)
        bad = ~(np.isfinite(sim).all(axis=1) & (sim >= low).all(axis=1) & (sim <= high).all(axis=1))
        if bad.any():
            i = int(np.argmax(bad))
            finite = np.isfinite(sim[i]).all()
            reason = "left ten times the data's range" if finite else "the solution blew up"
            return {"bounded": False, "checked": k + 1, "trajectory": k, "t_failed": float(t_out[i]),
                    "reason": reason}
    return {"bounded": True, "checked": len(trajectories), "trajectory": None, "t_failed": None, "reason": ""}


def screen(build: Callable[[list], object], selection: list[list[int]], alternatives: list[list[dict]],
           trajectories, max_simulations: int = 12) -> tuple[list[list[int]], dict, int, int | None]:
    """Swap one equation's terms for a near-equal alternative until the simulated model is bounded.

    ``build(selection)`` makes a model from the columns chosen for each
    equation; ``alternatives[i]`` lists equation ``i``'s near-equal candidates
    (dicts with ``columns`` and ``score``). Single swaps are tried in order of
    score, at most ``max_simulations`` simulations in all. Returns
    ``(selection, check, simulations, swapped equation or None)``; the original
    selection when nothing bounded is found.
    """
    check = simulation_check(build(selection), trajectories)
    runs = 1
    if check["bounded"]:
        return selection, check, runs, None
    swaps = sorted(((alt["score"], i, alt) for i, alts in enumerate(alternatives) for alt in alts),
                   key=lambda s: (s[0], s[1]))
    for _, i, alt in swaps:
        if runs >= max_simulations:
            break
        trial = list(selection)
        trial[i] = list(alt["columns"])
        result = simulation_check(build(trial), trajectories)
        runs += 1
        if result["bounded"]:
            return trial, result, runs, i
    return selection, check, runs, None
