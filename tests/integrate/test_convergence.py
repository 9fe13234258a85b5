"""Measured order of every method: fitted slope of log(error) against log(h) within 0.3 of nominal."""

import math

import numpy as np
import pytest
import torch

from sciml.integrate import METHODS, solve_ivp

from .problems import nonlinear, nonlinear_exact

T_END = 2.0


def _fixed_step_error(name, h, t_end=T_END):
    tab = METHODS[name]
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    t = torch.tensor([0.0, t_end], dtype=torch.float64)
    if tab.adaptive:
        # huge tolerances accept every step; first_step = max_step pins the step size
        sol = solve_ivp(nonlinear, (0.0, t_end), y0, t_eval=t, method=name, rtol=1e6, atol=1e6,
                        first_step=h, max_step=h)
    else:
        sol = solve_ivp(nonlinear, (0.0, t_end), y0, t_eval=t, method=name, step_size=h)
    return float((sol.ys[-1] - nonlinear_exact(t[-1])).abs().max())


def _slope(hs, errs):
    return np.polyfit(np.log(hs), np.log(errs), 1)[0]


# (interval end, numbers of steps) in each order's asymptotic regime, above round-off
_STEPS = {1: (2.0, (64, 128, 256, 512)), 2: (2.0, (64, 128, 256, 512)), 3: (2.0, (16, 32, 64, 128)),
          4: (2.0, (32, 64, 128, 256)), 5: (6.0, (64, 96, 128, 192, 256)), 8: (2.0, (6, 8, 10, 12, 14, 16))}


# ESDIRK methods are left out: pinning their steps with huge tolerances also loosens their Newton
# iterations (the tolerance scales them); tests/integrate/test_stiff.py measures their order instead
# ESDIRK orders: tests/integrate/test_stiff.py; bdf changes its order as it goes; the Adams methods ramp
# their order up over the first steps (tests/integrate/test_adams.py)
@pytest.mark.parametrize("name", [n for n, tab in METHODS.items() if tab.kind not in ("dirk", "bdf", "adams")])
def test_global_order(name):
    order = METHODS[name].order
    t_end, steps = _STEPS[order]
    hs = [t_end / n for n in steps]
    errs = [_fixed_step_error(name, h, t_end) for h in hs]
    assert all(e > 1e-14 for e in errs), errs
    assert abs(_slope(hs, errs) - order) < 0.3, (errs, _slope(hs, errs))


@pytest.mark.parametrize("name", ["dopri5", "tsit5", "dopri8", "bosh3", "rk4", "midpoint"])
def test_dense_output_order(name):
    """Interpolation error in the middle of steps shrinks like h^min(p, q+1)."""
    tab = METHODS[name]
    expected = min(tab.order, tab.dense.order + 1)
    base = 0.25 if expected >= 6 else 0.1
    errs, hs = [], []
    for k in range(4):
        n = round(T_END / (base / 2**k))
        h = T_END / n
        # outputs at 0.37 of every step
        t_eval = torch.tensor([0.0] + [(i + 0.37) * h for i in range(n)] + [T_END], dtype=torch.float64)
        y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
        kwargs = dict(rtol=1e6, atol=1e6, first_step=h, max_step=h) if tab.adaptive else dict(step_size=h)
        sol = solve_ivp(nonlinear, (0.0, T_END), y0, t_eval=t_eval, method=name, **kwargs)
        errs.append(float((sol.ys - nonlinear_exact(t_eval)).abs().max()))
        hs.append(h)
    slope = _slope(hs, errs)
    assert slope > expected - 0.3, (errs, slope)


def test_adaptive_error_scales_with_tolerance():
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    t = torch.tensor([0.0, 10.0], dtype=torch.float64)
    errs = []
    for tol in (1e-4, 1e-6, 1e-8, 1e-10):
        sol = solve_ivp(nonlinear, (0.0, 10.0), y0, t_eval=t, method="tsit5", rtol=tol, atol=tol)
        errs.append(float((sol.ys[-1] - nonlinear_exact(t[-1])).abs().max()))
    assert all(a > b for a, b in zip(errs, errs[1:]))
    assert errs[-1] < 1e-8 and math.isfinite(errs[0])
