"""Stop times (step_t, jump_t), perturb, min_step, and stepping across a discontinuity in float32."""

import math

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import odeint, odeint_adjoint, solve_ivp

F64 = torch.float64


class Jump:
    """y' = -y before t = 0.5 and y' = +y after; y(1) = y0 (the two halves cancel)."""

    def __init__(self, at=0.5):
        self.at, self.nfe, self.times = at, 0, []

    def __call__(self, t, y):
        self.nfe += 1
        self.times.append(t.item())
        return -y if t < self.at else y


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "bosh3", "kvaerno5", "bdf", "implicit_adams"])
def test_jump_t_is_cheaper_and_exact(method):
    y0 = torch.tensor([1.0, 2.0], dtype=F64)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    fixed = method == "implicit_adams"
    kwargs = {"step_size": 0.01} if fixed else {"rtol": 1e-8, "atol": 1e-10}
    plain, better = Jump(), Jump()
    a = solve_ivp(plain, (0.0, 1.0), y0, t_eval=t, method=method, **kwargs)
    b = solve_ivp(better, (0.0, 1.0), y0, t_eval=t, method=method, jump_t=[0.5], **kwargs)
    err_b = float((b.ys[-1] - y0).abs().max())
    assert err_b < (1e-9 if fixed else 1e-6)
    if not fixed:
        assert better.nfe < plain.nfe
        assert b.stats["n_rejected"] < a.stats["n_rejected"]
    else:  # a fixed grid does not land on 0.495 + 0.01 = 0.505: the plain solve steps across the jump
        assert err_b < 0.01 * float((a.ys[-1] - y0).abs().max())
    # func saw the jump from the correct side: nothing evaluated exactly at 0.5 went the wrong way
    assert 0.5 not in better.times


def test_jump_t_in_reverse_and_in_the_adjoint():
    f = Jump()
    y0 = torch.tensor([1.0], dtype=F64, requires_grad=True)
    t = torch.tensor([1.0, 0.0], dtype=F64)  # backwards: y' = +y from 1 down to 0.5, then -y
    ys = odeint(f, y0, t, options={"jump_t": torch.tensor([0.5])}, rtol=1e-9, atol=1e-10)
    assert ys[-1].item() == pytest.approx(1.0, rel=1e-8)
    counts = []
    for options in ({}, {"jump_t": torch.tensor([0.5])}):
        g = Jump()
        ys = odeint_adjoint(g, y0, t, options=options, adjoint_params=(), rtol=1e-8, atol=1e-10)
        g.nfe = 0
        ys[-1].sum().backward()
        counts.append(g.nfe)
        assert y0.grad.item() == pytest.approx(1.0, rel=1e-6)
        y0.grad = None
    assert counts[1] < counts[0]  # the backward solve restarts at the jump too


def test_step_t_ends_steps_there_and_builds_a_grid():
    seen = []

    def field(t, y):
        seen.append(t.item())
        return -y

    y0 = torch.ones(1, dtype=F64)
    sol = solve_ivp(field, (0.0, 1.0), y0, method="dopri5", step_t=[0.123, 0.77])
    assert min(abs(s - 0.123) for s in sol.ts.tolist()) < 1e-15 and 0.77 in sol.ts.tolist()
    grid = [0.1, 0.25, 0.6]
    sol = solve_ivp(field, (0.0, 1.0), y0, t_eval=torch.tensor([0.0, 1.0], dtype=F64), method="euler", step_t=grid)
    assert sol.stats["n_steps"] == 4
    assert float(sol.ys[-1]) == pytest.approx(0.9 * 0.85 * 0.65 * 0.6, rel=1e-13)


def test_perturb_moves_every_evaluation_inside_its_step():
    for perturb in (False, True):
        seen = []

        def field(t, y, seen=seen):
            seen.append(t.item())
            return -y

        x0 = torch.tensor([1.0, 2.0], requires_grad=True)
        xs = odeint_adjoint(field, x0, torch.tensor([0.0, 1.0]), method="rk4",
                            options={"step_size": 0.5, "perturb": perturb}, adjoint_params=())
        assert (0.0 in seen and 0.5 in seen) is not perturb
        assert all(0.0 < s < 1.0 for s in seen) is perturb
        seen.clear()
        xs[-1].sum().backward()
        assert (1.0 in seen or 0.5 in seen) is not perturb
        torch.testing.assert_close(x0.grad, torch.full((2,), math.exp(-1.0)), rtol=2e-3, atol=0)


def test_min_step_bounds_the_steps():
    field = lambda t, y: torch.stack([y[1], -100.0 * y[0]])  # noqa: E731
    y0 = torch.tensor([1.0, 0.0], dtype=F64)
    free = solve_ivp(field, (0.0, 2.0), y0, t_eval=torch.linspace(0, 2, 5, dtype=F64), rtol=1e-8)
    bounded = solve_ivp(field, (0.0, 2.0), y0, t_eval=torch.linspace(0, 2, 5, dtype=F64), rtol=1e-8, min_step=0.05)
    assert bounded.stats["n_steps"] <= 41 < free.stats["n_steps"]
    assert bounded.stats["n_rejected"] == 0  # a step of min_step is accepted whatever its error
    with pytest.raises(InputError, match="max_step"):
        solve_ivp(field, (0.0, 1.0), y0, min_step=1.0, max_step=0.5)


def test_float32_steps_across_a_discontinuity():
    """adaptive_heun on y' = -y/2 before t = 0.5 and y² after, float32, no jump_t: it must finish."""
    x0 = torch.tensor([1.0, 2.0])

    def field(t, x):
        return -0.5 * x if t < 0.5 else x**2

    ys = odeint(field, x0, torch.tensor([0.0, 1.0]), atol=1e-6, method="adaptive_heun")
    x_half = x0.double() * math.exp(-0.25)
    exact = x_half / (1 - 0.5 * x_half)  # y' = y² from t = 0.5
    torch.testing.assert_close(ys[-1].double(), exact, rtol=2e-3, atol=0)


@pytest.mark.parametrize("bad, match", [("soon", "sequence of times"), ([0.5, float("nan")], "finite"),
                                        (torch.ones(2, 2), "1-D")])
def test_bad_stop_times(bad, match):
    with pytest.raises(InputError, match=match):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), torch.ones(2), jump_t=bad)


def test_stop_times_are_joint_mode_only():
    with pytest.raises(InputError, match="independent"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), torch.ones(3, 2), batch="independent", jump_t=[0.5])
