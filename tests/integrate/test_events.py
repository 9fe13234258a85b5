"""Events: located on the dense output, terminal and direction, several per step, differentiable times."""

import math

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import Status, odeint, odeint_adjoint, solve_ivp
from sciml.integrate.events import Event

F64 = torch.float64
G = 9.81


def ball(t, y):
    return torch.stack([y[1], -G * torch.ones_like(y[0])])


def ground(t, y):
    return y[0]


ground.terminal = True
ground.direction = -1


@pytest.mark.parametrize("method", ["tsit5", "dopri5", "rodas5p", "kvaerno5"])
def test_bouncing_ball_impact_times_are_analytic(method):
    h0, e = 10.0, 0.8  # drop height, coefficient of restitution
    y = torch.tensor([h0, 0.0], dtype=F64)
    t = 0.0
    v = math.sqrt(2 * G * h0)
    exact = [math.sqrt(2 * h0 / G)]
    for _ in range(3):
        exact.append(exact[-1] + 2 * e ** len(exact) * v / G)
    found = []
    for _ in range(4):
        sol = solve_ivp(ball, (t, t + 100.0), y, events=[ground], method=method, rtol=1e-10, atol=1e-12)
        assert sol.status == Status.EVENT and sol.success
        t_hit = float(sol.t_events[0][0])
        assert sol.ts[-1].item() == pytest.approx(t_hit, abs=1e-12)  # the solve ends at the impact
        found.append(t_hit)
        y_hit = sol.y_events[0][0]
        torch.testing.assert_close(sol.ys[-1], y_hit)
        assert abs(float(y_hit[0])) < 1e-9
        y = torch.stack([y_hit[0].abs(), -e * y_hit[1]])
        t = t_hit
    for a, b in zip(found, exact):
        assert a == pytest.approx(b, abs=1e-8)


def test_terminal_event_truncates_the_requested_outputs():
    y0 = torch.tensor([10.0, 0.0], dtype=F64)
    t_eval = torch.linspace(0.0, 3.0, 31, dtype=F64)
    sol = solve_ivp(ball, (0.0, 3.0), y0, t_eval=t_eval, events=ground, rtol=1e-9, atol=1e-12)
    t_hit = math.sqrt(20 / G)
    assert len(sol.ts) == int(t_hit / 0.1) + 1 and float(sol.ts[-1]) < t_hit
    assert float(sol.t_reached) == pytest.approx(t_hit, abs=1e-9)
    exact = 10.0 - 0.5 * G * sol.ts**2
    torch.testing.assert_close(sol.ys[:, 0], exact, rtol=0, atol=1e-8)


def test_non_terminal_events_and_direction_filter():
    def osc(t, y):
        return torch.stack([y[1], -y[0]])

    y0 = torch.tensor([1.0, 0.0], dtype=F64)  # y = cos t: zeros at π/2 + kπ

    def upward(t, y):
        return y[0]

    upward.direction = 1.0
    sol = solve_ivp(osc, (0.0, 12.0), y0, events=[upward, Event(lambda t, y: y[0])], rtol=1e-10, atol=1e-12)
    assert sol.status == Status.SUCCESS
    ups = sol.t_events[0].tolist()
    both = sol.t_events[1].tolist()
    assert ups == pytest.approx([1.5 * math.pi, 3.5 * math.pi], abs=1e-8)
    assert both == pytest.approx([(k + 0.5) * math.pi for k in range(4)], abs=1e-8)
    assert sol.y_events[1].shape == (4, 2)
    torch.testing.assert_close(sol.y_events[1][:, 1].abs(), torch.ones(4, dtype=F64), rtol=0, atol=1e-8)


def _one_step(events):
    """y' = 1 in a single step from 0 to 1 (any method is exact on it)."""
    return solve_ivp(lambda t, y: torch.ones_like(y), (0.0, 1.0), torch.zeros(1, dtype=F64), events=events,
                     first_step=1.0)


def test_two_events_in_one_step_in_time_order():
    sol = _one_step([Event(lambda t, y: y[0] - 0.6), Event(lambda t, y: y[0] - 0.3)])
    assert sol.stats["n_steps"] == 1
    assert float(sol.t_events[0][0]) == pytest.approx(0.6, abs=1e-14)
    assert float(sol.t_events[1][0]) == pytest.approx(0.3, abs=1e-14)
    # a terminal event at 0.3 drops the crossing at 0.6 that the same step contains
    sol = _one_step([Event(lambda t, y: y[0] - 0.6), Event(lambda t, y: y[0] - 0.3, terminal=True)])
    assert len(sol.t_events[0]) == 0 and len(sol.t_events[1]) == 1
    assert float(sol.t_reached) == pytest.approx(0.3, abs=1e-14)
    # ... while an earlier non-terminal one is kept
    sol = _one_step([Event(lambda t, y: y[0] - 0.6, terminal=True), Event(lambda t, y: y[0] - 0.3)])
    assert len(sol.t_events[0]) == 1 and len(sol.t_events[1]) == 1


@pytest.mark.parametrize("mode", ["direct", "checkpoint"])
def test_event_time_gradient_matches_the_analytic_one(mode):
    # impact time T = sqrt(2 h / g) with h = y0[0]; dT/dh = 1 / (g T); dT/dg = −T / (2 g)
    g = torch.tensor(G, dtype=F64, requires_grad=True)
    y0 = torch.tensor([10.0, 0.0], dtype=F64, requires_grad=True)

    def field(t, y):
        return torch.stack([y[1], -g * torch.ones_like(y[0])])

    sol = solve_ivp(field, (0.0, 10.0), y0, events=[ground], rtol=1e-10, atol=1e-12, gradient=mode,
                    adjoint_params=(g,))
    T = sol.t_events[0][0]
    dh, dg = torch.autograd.grad(T, (y0, g))
    T_exact = math.sqrt(20 / G)
    assert float(dh[0]) == pytest.approx(1 / (G * T_exact), rel=1e-7)
    # moving v0 by δ changes T by δ/(g T)... from v0 = 0: dT/dv0 = 1/g · (1 + 0) at h > 0 is v(T)-weighted
    assert float(dh[1]) == pytest.approx(1 / G, rel=1e-7)
    assert float(dg) == pytest.approx(-T_exact / (2 * G), rel=1e-7)


def test_event_state_gradient_includes_the_moving_time():
    y0 = torch.tensor([10.0, 0.0], dtype=F64, requires_grad=True)
    sol = solve_ivp(ball, (0.0, 10.0), y0, events=[ground], rtol=1e-10, atol=1e-12)
    v_impact = sol.y_events[0][0][1]  # −sqrt(2 g h)
    (dv,) = torch.autograd.grad(v_impact, y0)
    assert float(dv[0]) == pytest.approx(-math.sqrt(2 * G) / (2 * math.sqrt(10.0)), rel=1e-7)


def test_odeint_event_fn_follows_torchdiffeq():
    y0 = torch.tensor([10.0, 0.0], dtype=F64, requires_grad=True)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    event_t, sol = odeint(ball, y0, t, event_fn=lambda t, y: y[0], rtol=1e-10, atol=1e-12)
    assert sol.shape == (2, 2)
    torch.testing.assert_close(sol[0], y0)
    assert float(event_t.detach()) == pytest.approx(math.sqrt(20 / G), abs=1e-9)
    (dh,) = torch.autograd.grad(event_t, y0)
    assert float(dh[0]) == pytest.approx(1 / (G * math.sqrt(20 / G)), rel=1e-7)
    torchdiffeq = pytest.importorskip("torchdiffeq")
    y0b = y0.detach().clone().requires_grad_(True)
    ref_t, ref_sol = torchdiffeq.odeint_event(ball, y0b, t[0], event_fn=lambda t, y: y[0], rtol=1e-10, atol=1e-12)
    assert float(event_t.detach()) == pytest.approx(float(ref_t.detach()), abs=1e-7)
    torch.testing.assert_close(sol[-1].detach(), ref_sol[-1].detach(), rtol=0, atol=1e-7)
    torch.testing.assert_close(dh, torch.autograd.grad(ref_t, y0b)[0], rtol=1e-6, atol=1e-9)


def test_odeint_event_fn_with_several_outputs_and_backwards_time():
    # torchdiffeq semantics: the first component to change sign ends the solve; t[1] < t[0] runs backwards
    def fall(t, y):
        return -torch.ones_like(y)

    y0 = torch.tensor([1.0], dtype=F64)
    event_t, sol = odeint(fall, y0, torch.tensor([0.0, 1.0], dtype=F64),
                          event_fn=lambda t, y: torch.cat([y - 0.5, y - 0.25]))
    assert float(event_t.detach()) == pytest.approx(0.5, abs=1e-9)
    event_t, sol = odeint(fall, y0, torch.tensor([0.0, -1.0], dtype=F64), event_fn=lambda t, y: y - 1.5)
    assert float(event_t) == pytest.approx(-0.5, abs=1e-9) and float(sol[-1]) == pytest.approx(1.5, abs=1e-9)
    module = torch.nn.Linear(1, 1, dtype=F64)
    event_t, _ = odeint_adjoint(lambda t, y: fall(t, y) + 0 * module(y), y0, torch.tensor([0.0, 1.0], dtype=F64),
                                event_fn=lambda t, y: y - 0.5, adjoint_params=tuple(module.parameters()))
    assert float(event_t.detach()) == pytest.approx(0.5, abs=1e-9)


def test_event_errors_are_reported():
    y0 = torch.tensor([10.0, 0.0], dtype=F64)
    with pytest.raises(InputError, match="scalar"):
        solve_ivp(ball, (0.0, 1.0), y0, events=[lambda t, y: y])
    with pytest.raises(InputError, match="events"):
        solve_ivp(ball, (0.0, 1.0), y0, events=["not callable"])
    with pytest.raises(InputError, match="gradient"):
        solve_ivp(ball, (0.0, 1.0), y0, events=[ground], gradient="backsolve", adjoint_params=())
    with pytest.raises(InputError, match="batch"):
        solve_ivp(ball, (0.0, 1.0), y0[None], events=[ground], batch="independent")
    with pytest.raises(InputError, match="finite"):
        solve_ivp(ball, (0.0, math.inf), y0, events=[Event(ground)])  # no terminal event: no end
    with pytest.raises(InputError, match="t"):
        odeint(ball, y0, torch.tensor([0.0, 1.0, 2.0], dtype=F64), event_fn=lambda t, y: y[0])
