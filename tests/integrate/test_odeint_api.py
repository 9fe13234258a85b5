"""torchdiffeq's interface: scalar states, mixed dtypes, norms, options, odeint_event, error names."""

import math

import pytest
import torch

import sciml
import sciml.compat.torchdiffeq as torchdiffeq
from sciml.errors import InputError, SolverError
from sciml.integrate import Status, odeint, odeint_adjoint, odeint_dense, odeint_event, solve_ivp

F64 = torch.float64


def test_compat_namespace_is_sciml():
    assert torchdiffeq.odeint is odeint and torchdiffeq.odeint_adjoint is odeint_adjoint
    assert torchdiffeq.odeint_event is odeint_event is sciml.odeint_event and torchdiffeq.odeint_dense is odeint_dense
    assert set(torchdiffeq.__all__) == {"odeint", "odeint_adjoint", "odeint_event", "odeint_dense"}


def test_odeint_dense():
    y0 = torch.tensor([1.0, 0.0], dtype=F64, requires_grad=True)
    dense = odeint_dense(lambda t, y: torch.stack([y[1], -y[0]]), y0, torch.tensor(0.0, dtype=F64),
                         torch.tensor(3.0, dtype=F64), rtol=1e-10, atol=1e-12)
    t = torch.linspace(0.1, 2.9, 7, dtype=F64)
    exact = torch.stack([torch.cos(t), -torch.sin(t)], dim=-1)
    torch.testing.assert_close(dense(t), exact, rtol=0, atol=1e-8)
    assert dense(t[3]).shape == (2,)
    dense(t)[:, 0].sum().backward()  # d/dy0[0] of Σ cos(t_i) y0[0] − ...: Σ cos(t_i)
    assert y0.grad[0].item() == pytest.approx(float(torch.cos(t).sum()), rel=1e-6)


@pytest.mark.parametrize("method", ["dopri5", "rk4", "implicit_adams", "bdf"])
def test_scalar_state(method):
    y0 = torch.tensor(2.0, dtype=F64, requires_grad=True)
    t = torch.linspace(0.0, 1.0, 5, dtype=F64)
    shapes = []

    def field(t, y):
        shapes.append(y.shape)
        return -y

    options = {"step_size": 0.01} if method in ("rk4", "implicit_adams") else None
    ys = odeint(field, y0, t, method=method, options=options, rtol=1e-8, atol=1e-10)
    assert ys.shape == (5,) and set(shapes) == {()}
    torch.testing.assert_close(ys, 2.0 * torch.exp(-t), rtol=1e-6, atol=1e-7)
    ys[-1].backward()
    assert y0.grad == pytest.approx(math.exp(-1.0), rel=1e-5)


def test_scalar_parts_of_a_tuple_state_and_adjoint():
    class Pair(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.k = torch.nn.Parameter(torch.tensor(0.5, dtype=F64))

        def forward(self, t, state):
            x, v = state
            return v.sum(), -self.k * x * torch.ones_like(v)

    y0 = (torch.tensor(1.0, dtype=F64), torch.zeros(2, dtype=F64))
    f = Pair()
    t = torch.linspace(0.0, 2.0, 3, dtype=F64)
    xs, vs = odeint_adjoint(f, y0, t, rtol=1e-9, atol=1e-10)
    assert xs.shape == (3,) and vs.shape == (3, 2)
    xs[-1].backward()
    grad_adjoint = f.k.grad.clone()
    f.k.grad = None
    xs2, _ = odeint(f, y0, t, rtol=1e-9, atol=1e-10)
    xs2[-1].backward()
    torch.testing.assert_close(grad_adjoint, f.k.grad, rtol=1e-5, atol=1e-8)


def test_float32_state_with_float64_times():
    seen = []

    class Field(torch.nn.Module):  # float32 parameters, and t used in the output
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(0.3))

        def forward(self, t, y):
            seen.append(t.dtype)
            return self.a * t + 0.0 * y

    y0 = torch.tensor(1.0)
    t = torch.linspace(0.0, 2.0, 4, dtype=F64, requires_grad=True)
    for fn in (odeint, odeint_adjoint):
        ys = fn(Field(), y0, t)
        assert ys.dtype == torch.float32
        torch.testing.assert_close(ys.double(), 1.0 + 0.15 * t.detach() ** 2, rtol=1e-6, atol=1e-6)
        ys.sum().backward()
        assert t.grad is not None and t.grad.dtype == F64
        t.grad = None
    assert set(seen) == {torch.float32}
    # solve_ivp does the same: t reaches func in the state's dtype
    seen.clear()
    solve_ivp(Field(), (torch.tensor(0.0, dtype=F64), torch.tensor(1.0, dtype=F64)), y0)
    assert set(seen) == {torch.float32}


def test_user_norm_sees_the_state_shape():
    seen = []

    def norm(x):
        seen.append(x.shape if isinstance(x, torch.Tensor) else tuple(p.shape for p in x))
        return x.abs().max() if isinstance(x, torch.Tensor) else max(p.abs().max() for p in x)

    t = torch.tensor([0.0, 1.0], dtype=F64)
    odeint(lambda t, y: -y, torch.tensor(1.0, dtype=F64), t, options={"norm": norm})
    odeint(lambda t, y: -y, torch.ones(2, 3, dtype=F64), t, options={"norm": norm})
    odeint(lambda t, y: (-y[0], -y[1]), (torch.tensor(1.0, dtype=F64), torch.ones(2, 2, dtype=F64)), t,
           options={"norm": norm})
    assert {(), (2, 3), ((), (2, 2))} <= set(seen)


def test_callable_adjoint_norm_gets_torchdiffeq_layout():
    calls = []
    p1 = torch.rand(7, dtype=F64, requires_grad=True)
    p2 = torch.rand((), dtype=F64, requires_grad=True)

    def adjoint_norm(parts):
        calls.append(tuple(x.shape for x in parts))
        return max(x.abs().max() for x in parts)

    def field(t, y):
        return (-y[0] * p2, -y[1] * p1.sum())

    y0 = (torch.tensor(1.0, dtype=F64, requires_grad=True), torch.ones(2, 2, dtype=F64))
    t = torch.tensor([0.0, 1.0], dtype=F64)
    xs = odeint_adjoint(field, y0, t, adjoint_params=(p1, p2), adjoint_options={"norm": adjoint_norm})
    xs[0].sum().backward()
    assert calls and set(calls) == {((), (), (2, 2), (), (2, 2), (7,), ())}  # t, y..., a_y..., params
    # it controls the steps: a norm ten times larger costs more backward evaluations
    counts = []
    for scale in (1.0, 10.0):
        count = [0]

        def counted(t, y, count=count):
            count[0] += 1
            return field(t, y)

        xs = odeint_adjoint(counted, y0, t, adjoint_params=(p1, p2), rtol=1e-6, atol=1e-8,
                            adjoint_options={"norm": lambda parts, s=scale: s * max(x.abs().max() for x in parts)})
        count[0] = 0
        xs[0].sum().backward()
        counts.append(count[0])
    assert counts[0] < counts[1]


def _ball(gravity, y0_height):
    def field(t, state):
        pos, vel = state
        return vel, -gravity * torch.ones_like(vel)

    def ground(t, state):
        return state[0]

    return field, ground, (y0_height, torch.zeros((), dtype=F64))


@pytest.mark.parametrize("interface", [odeint, odeint_adjoint])
def test_odeint_event_time_gradient_matches_finite_differences(interface):
    """A falling ball: t* = sqrt(2 h / g); the event time's gradient against central differences."""

    def event_time(h, g, t0):
        field, ground, y0 = _ball(g, h)
        kwargs = {"adjoint_params": (g,)} if interface is odeint_adjoint else {}
        t_event, sol = odeint_event(field, y0, t0, event_fn=ground, odeint_interface=interface, rtol=1e-10,
                                    atol=1e-12, **kwargs)
        return t_event, sol

    h = torch.tensor(2.0, dtype=F64, requires_grad=True)
    g = torch.tensor(9.8, dtype=F64, requires_grad=True)
    t0 = torch.tensor(0.5, dtype=F64, requires_grad=True)
    t_event, (pos, vel) = event_time(h, g, t0)
    assert t_event.item() == pytest.approx(0.5 + math.sqrt(2 * 2.0 / 9.8), rel=1e-9)
    assert pos.shape == (2,) and abs(pos[-1].item()) < 1e-9
    t_event.backward()
    eps = 1e-5
    for var, grad in ((h, h.grad), (g, g.grad), (t0, t0.grad)):
        with torch.no_grad():
            var += eps
            up = event_time(h, g, t0)[0].item()
            var -= 2 * eps
            down = event_time(h, g, t0)[0].item()
            var += eps
        assert float(grad) == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)
    # the state at the event moves with the event time: d vel(t*) / d g = -(t* - t0) - g dt*/dg
    h.grad = g.grad = None
    t_event, (pos, vel) = event_time(h, g, t0)
    vel[-1].backward()
    t_fall = math.sqrt(2 * 2.0 / 9.8)
    assert float(g.grad) == pytest.approx(-t_fall - 9.8 * (-t_fall / (2 * 9.8)), rel=1e-6)


def test_odeint_event_reverse_time():
    y0 = (torch.tensor(1.0, dtype=F64), torch.tensor(2.0, dtype=F64))
    t_event, _ = odeint_event(lambda t, s: (s[1], torch.zeros_like(s[1])), y0, torch.tensor(0.0, dtype=F64),
                              event_fn=lambda t, s: s[0], reverse_time=True)
    assert float(t_event) == pytest.approx(-0.5, rel=1e-9)  # pos = 1 + 2 t reaches 0 at t = -1/2


def test_grid_constructor_and_its_checks():
    calls = []

    def grid(func, y0, t):
        calls.append(t.tolist())
        return torch.linspace(float(t[0]), float(t[-1]), 11, dtype=F64)

    x0 = torch.tensor(1.0, dtype=F64, requires_grad=True)
    t = torch.tensor([0.0, 0.35, 1.0], dtype=F64)
    xs = odeint(lambda t, x: x, x0, t, method="euler", options={"grid_constructor": grid})
    assert xs[-1].item() == pytest.approx(1.1**10, rel=1e-12)  # ten Euler steps, the output at 0.35 interpolated
    assert xs[1].item() == pytest.approx(1.1**3 * 1.05, rel=1e-12)  # halfway through the fourth step (linear)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    xs = odeint_adjoint(lambda t, x: x, x0, t, method="euler", options={"grid_constructor": grid},
                        adjoint_params=())
    xs[-1].backward()
    assert x0.grad.item() == pytest.approx(1.1**10, rel=1e-12)  # the backward solve steps on the same grid
    assert calls == [[0.0, 0.35, 1.0], [0.0, 1.0]]
    with pytest.raises(InputError, match="from t"):
        odeint(lambda t, x: x, x0, t, method="euler", options={"grid_constructor": lambda f, y, t: t * 0.5})
    with pytest.raises(InputError, match="fixed-step"):
        odeint(lambda t, x: x, x0, t, method="dopri5", options={"grid_constructor": grid})
    with pytest.raises(InputError, match="exclusive"):
        odeint(lambda t, x: x, x0, t, method="euler", options={"grid_constructor": grid, "step_size": 0.1})


def test_method_options_check_their_method():
    y0 = torch.ones(2, dtype=F64)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    with pytest.raises(InputError, match="scipy_solver"):
        odeint(lambda t, y: -y, y0, t, options={"solver": "RK45"})
    with pytest.raises(InputError, match="one of scipy's"):
        odeint(lambda t, y: -y, y0, t, method="scipy_solver", options={"solver": "rk45"})
    with pytest.raises(InputError, match="adams"):
        odeint(lambda t, y: -y, y0, t, options={"max_order": 4})
    with pytest.raises(InputError, match="1 to 12"):
        odeint(lambda t, y: -y, y0, t, method="implicit_adams", options={"max_order": 20})
    with pytest.raises(InputError, match="jump_t"):
        odeint(lambda t, y: -y, y0, t, options={"jump_t": "soon"})
    # interp and dtype are accepted and change nothing
    a = odeint(lambda t, y: -y, y0, t, method="rk4", options={"step_size": 0.1, "interp": "cubic"})
    b = odeint(lambda t, y: -y, y0, t, method="rk4", options={"step_size": 0.1})
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_meta_device_state_is_an_input_error():
    with pytest.raises(InputError, match="meta") as info:
        odeint(lambda t, y: -y, torch.ones(2, device="meta"), torch.linspace(0, 1, 3, device="meta"))
    assert info.value.argument == "y0"


def test_max_steps_hint_names_the_option_passed():
    field = lambda t, y: torch.stack([y[1], -1e4 * y[0]])  # noqa: E731
    y0 = torch.tensor([1.0, 0.0], dtype=F64)
    t = torch.tensor([0.0, 10.0], dtype=F64)
    with pytest.raises(SolverError) as info:
        odeint(field, y0, t, options={"max_num_steps": 50})
    assert info.value.status == Status.MAX_STEPS
    assert "options['max_num_steps']" in str(info.value) and "max_steps" not in str(info.value).replace(
        "max_num_steps", "")
    with pytest.raises(SolverError) as info:
        solve_ivp(field, (0.0, 10.0), y0, max_steps=50)
    assert "raise max_steps" in str(info.value) and "max_num_steps" not in str(info.value)


def test_event_that_drops_to_zero_and_stays_is_located_where_it_drops():
    """A time limit written as an event (learn_physics.py's): zero after T, positive before."""
    limit = 1.2345

    def event_fn(t, y):
        return torch.zeros_like(t) if t > limit else y[0] + 10.0

    y0 = torch.tensor([1.0, 0.0], dtype=F64)
    t_event, sol = odeint(lambda t, y: torch.stack([y[1], -y[0]]), y0, torch.tensor([0.0, 1.0], dtype=F64),
                          event_fn=event_fn)
    assert t_event.item() == pytest.approx(limit, abs=1e-12)
    torch.testing.assert_close(sol[-1], torch.tensor([math.cos(limit), -math.sin(limit)], dtype=F64), rtol=0,
                               atol=1e-6)


def test_tuple_tolerances_part_by_part():
    field = lambda t, y: (-y[0], -y[1])  # noqa: E731
    y0 = (torch.tensor(1.0, dtype=F64), torch.ones(3, dtype=F64))
    t = torch.tensor([0.0, 1.0], dtype=F64)
    tight = odeint(field, y0, t, rtol=(1e-12, 1e-12), atol=(1e-12, 1e-12))
    mixed = odeint(field, y0, t, rtol=(1e-12, 1e-3), atol=(1e-12, 1e-3))
    assert abs(tight[0][-1].item() - math.exp(-1)) < 1e-10
    assert abs(mixed[0][-1].item() - math.exp(-1)) < 1e-10  # the first part still controls the steps
    with pytest.raises(InputError, match="one tolerance per part"):
        odeint(field, y0, t, rtol=(1e-6,))
