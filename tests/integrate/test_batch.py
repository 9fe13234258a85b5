"""Independent-batch mode: every system gets its own steps, and its answer does not depend on the others."""

import math

import pytest
import torch

from sciml.errors import SolverError
from sciml.integrate import Status, solve_ivp


def _van_der_pol(mu):
    def field(t, y):
        x, v = y[..., 0], y[..., 1]
        return torch.stack([v, mu * (1 - x**2) * v - x], dim=-1)

    return field


MU = torch.tensor([0.5, 1.0, 2.5, 5.0], dtype=torch.float64)
Y0 = torch.tensor([[2.0, 0.0], [1.0, 1.0], [-1.5, 0.5], [0.1, 0.0]], dtype=torch.float64)
T_EVAL = torch.linspace(0.0, 8.0, 9, dtype=torch.float64)


@pytest.mark.parametrize("method", ["tsit5", "dopri5", "bosh3", "rk4"])
def test_each_system_identical_alone_or_in_a_batch(method):
    kwargs = {"step_size": 0.01} if method == "rk4" else {"rtol": 1e-8, "atol": 1e-10}
    batch = solve_ivp(_van_der_pol(MU), (0.0, 8.0), Y0, t_eval=T_EVAL, method=method, batch="independent",
                      **kwargs)
    for i in range(len(MU)):
        alone = solve_ivp(_van_der_pol(MU[i : i + 1]), (0.0, 8.0), Y0[i : i + 1], t_eval=T_EVAL, method=method,
                          batch="independent", **kwargs)
        assert float((alone.ys[:, 0] - batch.ys[:, i]).abs().max()) <= 1e-12
        assert int(alone.stats["n_steps"][0]) == int(batch.stats["n_steps"][i])


def test_fewer_steps_than_joint_batch():
    joint = solve_ivp(_van_der_pol(MU), (0.0, 8.0), Y0, t_eval=T_EVAL, rtol=1e-8, atol=1e-10)
    indep = solve_ivp(_van_der_pol(MU), (0.0, 8.0), Y0, t_eval=T_EVAL, rtol=1e-8, atol=1e-10, batch="independent")
    # the joint batch steps at the pace of its hardest system
    assert float(indep.stats["n_steps"].float().mean()) < 0.8 * joint.stats["n_steps"]
    torch.testing.assert_close(indep.ys, joint.ys, rtol=1e-6, atol=1e-6)


def test_each_system_its_own_interval_and_outputs():
    t0 = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64)
    t1 = torch.tensor([1.0, 3.0, 0.0], dtype=torch.float64)
    y0 = torch.tensor([[1.0], [2.0], [0.5]], dtype=torch.float64)
    t_eval = torch.stack([torch.linspace(float(a), float(b), 5, dtype=torch.float64) for a, b in zip(t0, t1)], 1)
    sol = solve_ivp(lambda t, y: -y * t[:, None], torch.stack([t0, t1], 1), y0, t_eval=t_eval, rtol=1e-10,
                    atol=1e-12, batch="independent")
    assert sol.ts.shape == (5, 3) and sol.ys.shape == (5, 3, 1)
    exact = y0[:, 0] * torch.exp(-(t_eval**2 - t0**2) / 2)
    torch.testing.assert_close(sol.ys[..., 0], exact, rtol=1e-8, atol=1e-10)
    torch.testing.assert_close(sol.t_reached, t1)


def test_one_diverging_system_does_not_stop_the_others():
    # y' = y²: y0 = 1 blows up at t = 1; the others never do on [0, 2]
    y0 = torch.tensor([[0.2], [1.0], [-0.5]], dtype=torch.float64)
    t_eval = torch.linspace(0.0, 2.0, 5, dtype=torch.float64)
    sol = solve_ivp(lambda t, y: y**2, (0.0, 2.0), y0, t_eval=t_eval, batch="independent", on_failure="return")
    assert int(sol.status[1]) in (Status.STEP_UNDERFLOW, Status.NON_FINITE, Status.MAX_STEPS)
    assert int(sol.status[0]) == Status.SUCCESS and int(sol.status[2]) == Status.SUCCESS
    exact = y0 / (1 - y0 * t_eval[:, None, None])
    torch.testing.assert_close(sol.ys[:, [0, 2]], exact[:, [0, 2]], rtol=1e-5, atol=1e-7)
    assert 0.99 < float(sol.t_reached[1]) < 1.0 + 1e-5  # stopped at the pole t = 1
    # outputs the failed system never reached are NaN, not garbage
    assert bool(torch.isnan(sol.ys[-1, 1]).all())
    with pytest.raises(SolverError, match="1 of 3 systems"):
        solve_ivp(lambda t, y: y**2, (0.0, 2.0), y0, t_eval=t_eval, batch="independent")


def test_max_steps_per_system():
    y0 = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    omega = torch.tensor([1.0, 200.0], dtype=torch.float64)

    def field(t, y):
        return torch.stack([y[:, 1], -(omega**2) * y[:, 0]], dim=-1)

    sol = solve_ivp(field, (0.0, 10.0), y0, batch="independent", max_steps=300, on_failure="return", rtol=1e-8)
    assert int(sol.status[0]) == Status.SUCCESS
    assert int(sol.status[1]) == Status.MAX_STEPS
    assert int(sol.stats["n_steps"][1] + sol.stats["n_rejected"][1]) == 300
    assert math.isclose(math.cos(10.0), float(sol.ys[-1, 0, 0]), rel_tol=1e-6)


def test_dense_output_per_system():
    sol = solve_ivp(_van_der_pol(MU), (0.0, 8.0), Y0, rtol=1e-9, atol=1e-11, batch="independent", dense=True)
    ref = solve_ivp(_van_der_pol(MU), (0.0, 8.0), Y0, t_eval=T_EVAL, rtol=1e-9, atol=1e-11, batch="independent")
    torch.testing.assert_close(sol.evaluate(T_EVAL), ref.ys, rtol=1e-7, atol=1e-8)
    per_system = T_EVAL[:, None].expand(-1, 4) * torch.tensor([1.0, 0.5, 0.25, 0.1], dtype=torch.float64)
    values = sol.evaluate(per_system)
    assert values.shape == (9, 4, 2)
    single = solve_ivp(_van_der_pol(MU[1:2]), (0.0, 4.0), Y0[1:2], t_eval=per_system[:, 1], rtol=1e-9,
                       atol=1e-11, batch="independent")
    torch.testing.assert_close(values[:, 1], single.ys[:, 0], rtol=1e-6, atol=1e-7)
