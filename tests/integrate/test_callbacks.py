"""Step callbacks (torchdiffeq's convention): when they are called, with what, and the warnings."""

import warnings

import pytest
import torch

from sciml.integrate import odeint, odeint_adjoint, solve_ivp


class Field(torch.nn.Module):
    """A small oscillating MLP field that records its callbacks."""

    def __init__(self, names=("callback_step", "callback_accept_step", "callback_reject_step"), adjoint=False):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        self.calls = {}
        for name in names:
            full = name + ("_adjoint" if adjoint else "")
            self.calls[full] = []
            setattr(self, full, lambda t0, y0, dt, key=full: self.calls[key].append((t0, y0, dt)))

    def forward(self, t, y):
        return self.net(y) * torch.sin(20 * t)


@pytest.mark.parametrize("method", ["dopri5", "bosh3", "kvaerno5", "bdf"])
def test_adaptive_step_accept_reject_counts(method):
    f = Field()
    sol = solve_ivp(f, (0.0, 1.0), torch.tensor([1.0, 2.0]), method=method, rtol=1e-6, atol=1e-8)
    steps, accepted, rejected = (f.calls[n] for n in ("callback_step", "callback_accept_step", "callback_reject_step"))
    assert len(accepted) == sol.stats["n_steps"] and len(rejected) == sol.stats["n_rejected"]
    assert len(steps) == len(accepted) + len(rejected) and len(rejected) > 0
    t0, y0, dt = accepted[0]
    assert t0.dim() == 0 and t0.item() == 0.0 and y0.shape == (2,) and dt.item() > 0
    # consecutive accepted steps chain: each starts where the last ended
    for (ta, _, ha), (tb, _, _) in zip(accepted, accepted[1:]):
        assert (ta + ha).item() == pytest.approx(tb.item(), abs=1e-6)


def test_fixed_step_calls_callback_step_and_warns_about_the_rest():
    f = Field()
    with pytest.warns(UserWarning, match="callback_accept_step, callback_reject_step"):
        odeint(f, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]), method="rk4", options={"step_size": 0.1})
    assert len(f.calls["callback_step"]) == 10 and not f.calls["callback_accept_step"]
    with pytest.warns(UserWarning, match="scipy"):
        odeint(Field(("callback_step",)), torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]), method="scipy_solver")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only callback_step on a fixed-step method: nothing to warn about
        odeint(Field(("callback_step",)), torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]), method="euler",
               options={"step_size": 0.25})


def test_tuple_state_callbacks_get_the_tuple():
    seen = []

    def field(t, y):
        return -y[0], -y[1]

    field.callback_step = lambda t0, y0, dt: seen.append(tuple(p.shape for p in y0))
    odeint(field, (torch.tensor(1.0), torch.ones(2, 2)), torch.tensor([0.0, 1.0]))
    assert seen and set(seen) == {((), (2, 2))}


@pytest.mark.parametrize("method, kwargs", [("dopri5", {}), ("rk4", {"options": {"step_size": 0.1}}),
                                            ("explicit_adams", {"options": {"step_size": 0.1}})])
def test_adjoint_callbacks_run_in_the_backward_solve(method, kwargs):
    f = Field(adjoint=True)
    fixed = method != "dopri5"
    ys = odeint_adjoint(f, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]), method=method, **kwargs)
    assert not any(f.calls.values())  # nothing in the forward solve
    ys[-1].sum().backward()
    steps = f.calls["callback_step_adjoint"]
    assert len(steps) == (10 if fixed else len(f.calls["callback_accept_step_adjoint"])
                          + len(f.calls["callback_reject_step_adjoint"]))
    t0, state, dt = steps[0]
    assert t0.item() == pytest.approx(1.0) and dt.item() < 0  # backwards in time
    y, a_y, *a_params = state
    assert y.shape == a_y.shape == (2,) and [p.shape for p in a_params] == [p.shape for p in f.parameters()]
