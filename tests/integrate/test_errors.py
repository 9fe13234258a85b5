"""Bad input and solver failure: each raises our error naming the cause; nothing hangs."""

import math

import pytest
import torch

from sciml.errors import InputError, SciMLError, SolverError
from sciml.integrate import Status, odeint, odeint_adjoint, solve_ivp

Y0 = torch.tensor([1.0, 2.0], dtype=torch.float64)
T = torch.linspace(0.0, 1.0, 5, dtype=torch.float64)


def decay(t, y):
    return -y


@pytest.mark.parametrize("t, match", [
    (torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64), "strictly increasing or strictly decreasing"),
    (torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64), "strictly"),
    (torch.tensor([[0.0, 1.0]], dtype=torch.float64), "1-D"),
    (torch.tensor([0, 1]), "floating-point"),
    (torch.tensor([0.0, float("nan")], dtype=torch.float64), "finite"),
    ([0.0, 1.0], "torch.Tensor"),
])
def test_bad_time_grid(t, match):
    with pytest.raises(InputError, match=match) as info:
        odeint(decay, Y0, t)
    assert info.value.argument == "t"


def test_time_on_another_device():
    with pytest.raises(InputError, match="device"):
        odeint(decay, Y0, torch.linspace(0, 1, 3, dtype=torch.float64, device="meta"))


@pytest.mark.parametrize("y0, match", [
    (torch.tensor([1.0, float("nan")]), "1 NaN/Inf entry"),
    (torch.tensor([1, 2]), "floating-point"),
    (torch.tensor([1.0, 2.0], dtype=torch.complex64), "real"),
    ([1.0, 2.0], "torch.Tensor"),
    ((torch.zeros(2), torch.zeros(2, dtype=torch.float64)), "dtype"),
    ((), "non-empty"),
])
def test_bad_initial_state(y0, match):
    with pytest.raises(InputError, match=match):
        odeint(decay, y0, T)


@pytest.mark.parametrize("func, match", [
    (lambda t, y: y[:1], r"shape \(2,\)"),
    (lambda t, y: y.float(), "dtype"),
    (lambda t, y: (y, y), "one tensor"),
    (lambda t, y: y / 0.0, "finite"),
])
def test_bad_vector_field(func, match):
    with pytest.raises(InputError, match=match):
        odeint(func, Y0, T)


def test_not_callable():
    with pytest.raises(InputError, match="callable"):
        odeint("y' = -y", Y0, T)


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "rk45"}, "method"),
    ({"rtol": -1.0}, "non-negative"),
    ({"rtol": 0.0, "atol": 0.0}, "positive tolerance"),
    ({"atol": torch.ones(3)}, "one value per state component"),
    ({"gradient": "adjoint"}, "gradient"),
    ({"batch": "parallel"}, "batch"),
    ({"max_steps": 0}, "positive integer"),
    ({"on_failure": "ignore"}, "on_failure"),
    ({"method": "tsit5", "step_size": 0.1}, "adaptive"),
    ({"method": "rk4"}, "step size"),
    ({"t_eval": torch.tensor([0.0, 2.0], dtype=torch.float64)}, "inside t_span"),
    ({"t_eval": torch.tensor([1.0, 0.0], dtype=torch.float64)}, "order"),
    ({"gradient": "checkpoint"}, "adjoint_params"),
])
def test_bad_solver_arguments(kwargs, match):
    with pytest.raises(InputError, match=match):
        solve_ivp(decay, (0.0, 1.0), Y0, **kwargs)


def test_backsolve_needs_joint_batch():
    with pytest.raises(InputError, match="checkpoint"):
        solve_ivp(decay, (0.0, 1.0), Y0[None], batch="independent", gradient="backsolve", adjoint_params=())


def test_unknown_torchdiffeq_option():
    with pytest.raises(InputError, match="grid_constructor") as info:  # the message lists the known ones
        odeint(decay, Y0, T, options={"grid": None})
    assert info.value.argument == "options['grid']"


def test_odeint_adjoint_needs_module_or_params():
    with pytest.raises(InputError, match="adjoint_params"):
        odeint_adjoint(decay, Y0, T)


def test_max_steps_exceeded_names_time_and_step():
    with pytest.raises(SolverError, match="max_steps") as info:
        solve_ivp(lambda t, y: torch.stack([y[1], -1e4 * y[0]]), (0.0, 10.0), Y0, max_steps=50)
    err = info.value
    assert err.status == Status.MAX_STEPS
    assert 0.0 < err.t < 10.0 and err.step_size > 0
    assert "time reached" in str(err) and "step size" in str(err)


def test_blow_up_stops_with_underflow_or_non_finite():
    # y' = y², y(0) = 1 has a pole at t = 1
    with pytest.raises(SolverError) as info:
        solve_ivp(lambda t, y: y**2, (0.0, 2.0), torch.ones(1, dtype=torch.float64))
    assert info.value.status in (Status.STEP_UNDERFLOW, Status.NON_FINITE)
    assert 0.99 < info.value.t < 1.0 + 1e-5


def test_nan_produced_mid_solve_is_reported():
    def field(t, y):
        return torch.where(t > 0.5, torch.full_like(y, float("nan")), -y)

    with pytest.raises(SolverError, match="NaN or Inf") as info:
        solve_ivp(field, (0.0, 1.0), Y0)
    assert info.value.status == Status.NON_FINITE
    assert 0.3 < info.value.t <= 0.5


def test_nan_in_fixed_step_solve_is_reported():
    def field(t, y):
        return torch.where(t > 0.5, torch.full_like(y, float("nan")), -y)

    with pytest.raises(SolverError, match="NaN or Inf"):
        solve_ivp(field, (0.0, 1.0), Y0, method="rk4", step_size=0.01)


def test_partial_solution_on_failure():
    t_eval = torch.linspace(0.0, 2.0, 9, dtype=torch.float64)
    sol = solve_ivp(lambda t, y: y**2, (0.0, 2.0), torch.ones(1, dtype=torch.float64), t_eval=t_eval,
                    on_failure="return")
    assert not sol.success
    assert sol.ys.shape[0] == 5  # 0, 0.25, 0.5, 0.75, 1.0? the pole is at 1: outputs before it
    torch.testing.assert_close(sol.ts, t_eval[: sol.ys.shape[0]])
    exact = 1 / (1 - sol.ts[:4])
    torch.testing.assert_close(sol.ys[:4, 0], exact, rtol=1e-5, atol=0)


def test_errors_share_one_hierarchy():
    assert issubclass(InputError, SciMLError) and issubclass(SolverError, SciMLError)
    assert issubclass(InputError, ValueError)  # code catching ValueError (as for torchdiffeq) still works
    assert not math.isnan(0.0)
