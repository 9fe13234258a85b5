"""The public surface: shapes, dtypes, tuple states, statistics, re-exports."""

import math

import pytest
import torch

import sciml
from sciml.integrate import METHODS, Status, odeint, solve_ivp

from .problems import MLPField


def test_reexported_from_package():
    assert sciml.odeint is odeint and sciml.solve_ivp is solve_ivp


@pytest.mark.parametrize("method", list(METHODS))
def test_float32_end_to_end(method):
    field = MLPField(dim=3, hidden=8, seed=2, dtype=torch.float32)
    y0 = torch.randn(5, 3, dtype=torch.float32, requires_grad=True)
    t = torch.linspace(0.0, 1.0, 4, dtype=torch.float32)
    options = {"step_size": 0.05} if not METHODS[method].adaptive else None
    ys = odeint(field, y0, t, method=method, rtol=1e-5, atol=1e-6, options=options)
    assert ys.dtype == torch.float32 and ys.shape == (4, 5, 3)
    ys.sum().backward()
    assert y0.grad.dtype == torch.float32 and bool(torch.isfinite(y0.grad).all())
    with torch.no_grad():
        ref = odeint(field.double(), y0.detach().double(), t.double(), method=method, rtol=1e-9, atol=1e-9,
                     options=options)
    assert float((ys.detach().double() - ref).abs().max()) < 1e-3


def test_float32_time_reaches_func_as_float32():
    seen = []

    def field(t, y):
        seen.append(t.dtype)
        return -y

    odeint(field, torch.ones(2), torch.tensor([0.0, 1.0]))
    assert set(seen) == {torch.float32}


def test_output_shapes_follow_state_shape():
    y0 = torch.zeros(2, 3, 4, dtype=torch.float64)
    t = torch.linspace(0, 1, 6, dtype=torch.float64)
    ys = odeint(lambda t, y: torch.ones_like(y), y0, t)
    assert ys.shape == (6, 2, 3, 4)
    torch.testing.assert_close(ys[:, 0, 0, 0], t)


def test_single_time_point_returns_initial_state():
    y0 = torch.tensor([1.0, 2.0])
    ys = odeint(lambda t, y: -y, y0, torch.tensor([0.3]))
    assert ys.shape == (1, 2)
    torch.testing.assert_close(ys[0], y0)


def test_tuple_state_shapes_and_values():
    def field(t, state):
        x, v = state
        return v, -x

    x0 = torch.ones(3, dtype=torch.float64)
    v0 = torch.zeros(3, 2, dtype=torch.float64)[:, 0]
    sol = solve_ivp(field, (0.0, math.pi), (x0, v0), t_eval=torch.tensor([0.0, math.pi], dtype=torch.float64),
                    rtol=1e-10, atol=1e-10)
    xs, vs = sol.ys
    assert xs.shape == (2, 3) and vs.shape == (2, 3)
    torch.testing.assert_close(xs[-1], -x0, rtol=0, atol=1e-8)


def test_statistics_and_status():
    sol = solve_ivp(lambda t, y: -y, (0.0, 1.0), torch.ones(2, dtype=torch.float64), rtol=1e-8)
    assert sol.status == Status.SUCCESS and sol.success and sol.t_reached == 1.0
    st = sol.stats
    assert st["n_f_evals"] >= 6 * st["n_steps"] + 2  # FSAL: six new stages per step, + start evaluations
    assert st["n_rejected"] >= 0


def test_per_component_tolerances():
    # the second component is tiny: a relative tolerance on it alone forces more steps
    y0 = torch.tensor([1.0, 1e-6], dtype=torch.float64)
    loose = solve_ivp(lambda t, y: -y, (0.0, 5.0), y0, rtol=1e-4, atol=1e-4)
    tight = solve_ivp(lambda t, y: -y, (0.0, 5.0), y0, rtol=1e-4,
                      atol=torch.tensor([1e-4, 1e-12], dtype=torch.float64))
    assert tight.stats["n_steps"] > loose.stats["n_steps"]
    exact = 1e-6 * math.exp(-5.0)
    assert abs(float(tight.ys[-1, 1]) - exact) < abs(float(loose.ys[-1, 1]) - exact)


def test_max_step_is_respected():
    sol = solve_ivp(lambda t, y: torch.zeros_like(y), (0.0, 1.0), torch.ones(1, dtype=torch.float64), max_step=0.1)
    assert float((sol.ts[1:] - sol.ts[:-1]).max()) <= 0.1 + 1e-12


def test_progress_bar_can_be_shown(capsys):
    sol = solve_ivp(lambda t, y: -y, (0.0, 1.0), torch.ones(1, dtype=torch.float64), progress=True)
    assert sol.success


def test_custom_norm_is_used():
    calls = []

    def norm(x):
        calls.append(x.shape)
        return x.abs().max()

    solve_ivp(lambda t, y: -y, (0.0, 1.0), torch.ones(3, dtype=torch.float64), norm=norm)
    assert calls and calls[0] == (3,)


@pytest.mark.parametrize("t0", [0.0, 1.0])
def test_a_state_far_below_atol_starts_with_a_usable_step(t0):
    """Hairer's first guess, 1% of |y0| per step, is ~1e-18 here; the solve must still get going."""
    sol = solve_ivp(lambda t, y: -torch.ones_like(y), (t0, t0 + 1.0), torch.tensor([1e-16], dtype=torch.float64),
                    rtol=1e-10, atol=1e-12, method="dopri5")
    torch.testing.assert_close(sol.ys[-1], torch.tensor([-1.0], dtype=torch.float64))
