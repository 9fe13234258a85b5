"""Adaptive methods against scipy's DOP853 at rtol=1e-12, and evaluation counts against scipy's RK45."""

import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp as scipy_solve_ivp

from sciml.integrate import solve_ivp

from .problems import kepler, kepler_initial, lotka_volterra

LV_Y0 = [1.0, 1.0]
KEPLER_T = 10 * 2 * math.pi  # ten periods


def _numpy_field(field):
    def f(t, y):
        return field(torch.tensor(t), torch.from_numpy(y)).numpy()

    return f


@pytest.fixture(scope="module")
def lv_reference():
    t = np.linspace(0.0, 10.0, 41)
    sol = scipy_solve_ivp(_numpy_field(lotka_volterra), (0.0, 10.0), LV_Y0, method="DOP853", rtol=1e-12,
                          atol=1e-12, t_eval=t)
    return t, sol.y.T


@pytest.fixture(scope="module")
def kepler_reference():
    t = np.linspace(0.0, KEPLER_T, 21)
    y0 = kepler_initial().numpy()
    sol = scipy_solve_ivp(_numpy_field(kepler), (0.0, KEPLER_T), y0, method="DOP853", rtol=1e-12, atol=1e-12,
                          t_eval=t)
    return t, sol.y.T


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "dopri8", "bosh3"])
@pytest.mark.parametrize("tol", [1e-6, 1e-9])
def test_lotka_volterra_error_within_tolerance(lv_reference, method, tol):
    t, ref = lv_reference
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), torch.tensor(LV_Y0, dtype=torch.float64),
                    t_eval=torch.tensor(t), method=method, rtol=tol, atol=tol)
    err = np.abs(sol.ys.numpy() - ref).max()
    # global error of a tolerance-controlled solve stays within a small multiple of the tolerance
    assert err < 50 * tol * np.abs(ref).max(), err


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "dopri8"])
def test_kepler_ten_periods(kepler_reference, method):
    t, ref = kepler_reference
    tol = 1e-9
    sol = solve_ivp(kepler, (0.0, KEPLER_T), kepler_initial(), t_eval=torch.tensor(t), method=method,
                    rtol=tol, atol=tol)
    err = np.abs(sol.ys.numpy() - ref).max()
    # ten orbits amplify local errors (phase drift), so compare with scipy's RK45 at the same tolerance
    rk45 = scipy_solve_ivp(_numpy_field(kepler), (0.0, KEPLER_T), kepler_initial().numpy(), method="RK45",
                           rtol=tol, atol=tol, t_eval=t)
    assert err < 3 * np.abs(rk45.y.T - ref).max(), err
    assert err < 1e-4
    # first integrals of the orbit: energy and angular momentum
    q, p = sol.ys[:, :2], sol.ys[:, 2:]
    energy = 0.5 * (p**2).sum(-1) - 1 / torch.linalg.vector_norm(q, dim=-1)
    momentum = q[:, 0] * p[:, 1] - q[:, 1] * p[:, 0]
    assert float((energy - energy[0]).abs().max()) < 1e-6
    assert float((momentum - momentum[0]).abs().max()) < 1e-6


@pytest.mark.parametrize("tol", [1e-4, 1e-6, 1e-8])
def test_dopri5_evaluations_match_scipy_rk45(tol):
    y0 = torch.tensor(LV_Y0, dtype=torch.float64)
    ref = scipy_solve_ivp(_numpy_field(lotka_volterra), (0.0, 10.0), LV_Y0, method="RK45", rtol=tol, atol=tol)
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), y0, t_eval=torch.tensor([0.0, 10.0], dtype=torch.float64),
                    method="dopri5", rtol=tol, atol=tol)
    assert abs(sol.stats["n_f_evals"] - ref.nfev) <= 0.2 * ref.nfev, (sol.stats, ref.nfev)
    tight = scipy_solve_ivp(_numpy_field(lotka_volterra), (0.0, 10.0), LV_Y0, method="DOP853", rtol=1e-12,
                            atol=1e-12)
    ours = np.abs(sol.ys[-1].numpy() - tight.y[:, -1]).max()
    theirs = np.abs(ref.y[:, -1] - tight.y[:, -1]).max()
    assert ours < 3 * theirs + 10 * tol, (ours, theirs)


def test_backwards_in_time_retraces_the_forward_solution():
    y0 = torch.tensor(LV_Y0, dtype=torch.float64)
    t = torch.linspace(0.0, 5.0, 11, dtype=torch.float64)
    forward = solve_ivp(lotka_volterra, (0.0, 5.0), y0, t_eval=t, rtol=1e-11, atol=1e-11).ys
    backward = solve_ivp(lotka_volterra, (5.0, 0.0), forward[-1], t_eval=t.flip(0), rtol=1e-11, atol=1e-11).ys
    torch.testing.assert_close(backward.flip(0), forward, rtol=1e-7, atol=1e-8)


def test_every_step_saved_when_no_t_eval():
    y0 = torch.tensor(LV_Y0, dtype=torch.float64)
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), y0, rtol=1e-6, atol=1e-6)
    assert sol.ts.shape == (sol.stats["n_steps"] + 1,)
    assert float(sol.ts[0]) == 0.0 and float(sol.ts[-1]) == 10.0
    assert bool((sol.ts[1:] > sol.ts[:-1]).all())
    ref = scipy_solve_ivp(_numpy_field(lotka_volterra), (0.0, 10.0), LV_Y0, method="DOP853", rtol=1e-12,
                          atol=1e-12, t_eval=sol.ts.numpy())
    assert np.abs(sol.ys.numpy() - ref.y.T).max() < 1e-4


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "dopri8", "bosh3", "rk4"])
def test_dense_evaluate_matches_reference(lv_reference, method):
    t, ref = lv_reference
    kwargs = {"step_size": 0.01} if method == "rk4" else {"rtol": 1e-9, "atol": 1e-9}
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), torch.tensor(LV_Y0, dtype=torch.float64), method=method,
                    dense=True, **kwargs)
    values = sol.evaluate(torch.tensor(t))
    assert np.abs(values.numpy() - ref).max() < 1e-6
    with pytest.raises(ValueError, match="solved interval"):
        sol.evaluate(torch.tensor([11.0]))
