"""The verdict that comes with every discovered model: can its equations be trusted?

Three causes make a result untrustworthy, and each is named:

* ``poor_fit`` — an equation's held-out R^2 (the fraction of the variance of
  its held-out target the refitted model predicts, from the same folds the
  selection used) is below :data:`POOR_R2`: the library cannot express the
  dynamics (a missing term, a too-low degree), or the data are too noisy. A
  held-out residual within :data:`NOISE_LIMITED` times the estimated noise
  floor of the target (:mod:`sciml.discovery.noise_floor`) with an R^2 of at
  least :data:`MIN_R2` is a note instead: the equation is noise-limited (a
  slowly varying state measured with noise), not missing terms;
* ``empty_model`` — no candidate beat predicting zero for an equation whose
  target is not zero: nothing in the library explains it;
* ``unbounded`` — the model, simulated from the data's first samples over the
  data's own time window, blows up or leaves ten times the data's range
  (:mod:`sciml.discovery.stability`; ODE models).

The verdict is stored in the model (``model.verdict``, the ``verdict`` entry
of the model file), printed by ``sciml discover`` (which exits non-zero under
``--strict`` when it is not ``ok``) and raised as a
:class:`~sciml.errors.DiscoveryWarning` by ``SINDy.fit``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["POOR_R2", "heldout_r2", "judge", "summary"]

#: an equation whose held-out R^2 is below this explains its data poorly
POOR_R2 = 0.9
#: a held-out residual energy within this factor of the target's noise energy is at the noise floor
NOISE_LIMITED = 2.0
#: below this held-out R^2 a fit is poor even at the noise floor (the noise swamps the dynamics)
MIN_R2 = 0.5


def heldout_r2(b: np.ndarray, cv_error: float) -> float:
    """``1 - SS_held-out / SS_total`` from a relative held-out error ``|residual| / |b|``."""
    spread = float(np.sum((b - b.mean()) ** 2))
    total = float(b @ b)
    if spread <= 1e-300:
        return 1.0 if cv_error == 0 else 0.0
    return float(1.0 - cv_error**2 * total / spread)


def judge(states: Sequence[str], B: np.ndarray, choices, n_terms: Sequence[int], simulation: dict,
          screening: str = "", noise_energy: Sequence[float | None] | None = None) -> dict:
    """The verdict (a JSON-ready dict) from the per-equation choices and the simulation check."""
    r2 = [heldout_r2(B[:, i], c.cv_error) for i, c in enumerate(choices)]
    noise_energy = list(noise_energy) if noise_energy is not None else [None] * len(states)
    ratios = []
    for i, c in enumerate(choices):
        floor = noise_energy[i]
        residual = (c.cv_error * float(np.linalg.norm(B[:, i]))) ** 2
        ratios.append(residual / floor if floor else None)
    warnings, causes, notes = [], [], []
    for s, value, k, b, ratio in zip(states, r2, n_terms, B.T, ratios):
        at_floor = ratio is not None and ratio <= NOISE_LIMITED and value >= MIN_R2
        if k == 0 and np.linalg.norm(b) > 0:
            causes.append("empty_model")
            warnings.append(f"{s}: the empty model wins (no candidate term predicts {s}' better than zero); the "
                            "library misses what drives it, or the data are too noisy or too short")
        elif value < POOR_R2 and at_floor:
            notes.append(f"{s}: held-out R^2 {value:.3g} is at the noise floor (residual {ratio:.2g}x the estimated "
                         "noise): noise-limited, not missing terms")
        elif value < POOR_R2:
            causes.append("poor_fit")
            warnings.append(f"{s}: poor fit, the model explains {max(value, 0.0):.1%} of the held-out variance "
                            f"(held-out R^2 {value:.3g} < {POOR_R2:g}); the library may miss terms (try a higher "
                            "degree or derivative order) or the data may be too noisy")
    if simulation.get("bounded") is False:
        causes.append("unbounded")
        warnings.append(f"the simulated model does not stay bounded over the data's window: {simulation['reason']} "
                        f"at t={simulation['t_failed']:.4g} (trajectory {simulation['trajectory']})")
    return {
        "ok": not warnings,
        "causes": sorted(set(causes)),
        "warnings": warnings,
        "notes": notes,
        "heldout_r2": {s: float(v) for s, v in zip(states, r2)},
        "residual_over_noise": {s: None if r is None else float(r) for s, r in zip(states, ratios)},
        "selection_score": {s: float(c.score) for s, c in zip(states, choices)},
        "simulation": simulation,
        "screening": screening,
    }


def summary(verdict: dict, max_names: int = 6) -> str:
    """One line for a warning: each cause with the equations it hit (a few named, the rest counted)."""
    by_cause: dict[str, list[str]] = {}
    for w in verdict["warnings"]:
        name, _, rest = w.partition(": ")
        cause = "unbounded" if w.startswith("the simulated model") else rest.split(",")[0].split(" (")[0]
        by_cause.setdefault(cause, []).append(name if not w.startswith("the simulated model") else "")
    parts = []
    for cause, names in by_cause.items():
        names = [n for n in names if n]
        shown = ", ".join(names[:max_names]) + (f" and {len(names) - max_names} more" if len(names) > max_names else "")
        parts.append(f"{shown}: {cause}" if shown else cause)
    first = verdict["warnings"][0] if len(verdict["warnings"]) == 1 else "; ".join(parts)
    return f"discovered model not trusted ({', '.join(verdict['causes'])}): {first}"
