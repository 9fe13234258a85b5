"""Symplectic splitting methods and corrected (hypersolver) steps: orders, energy, layouts, gradients, errors."""

import math

import numpy as np
import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import SYMPLECTIC, Corrected, odeint, solve_ivp
from sciml.integrate.tableaus import METHODS

F64 = torch.float64


def pendulum(t, y):  # H = p²/2 − cos q, separable
    n = y.shape[-1] // 2
    return torch.cat([y[..., n:], -torch.sin(y[..., :n])], -1)


def energy(y):
    return 0.5 * y[..., 1] ** 2 - torch.cos(y[..., 0])


Y0 = torch.tensor([1.2, 0.0], dtype=F64)


def test_registry_and_consistency():
    assert set(SYMPLECTIC) == {"symplectic_euler", "leapfrog", "ruth3", "yoshida4"}
    for name in SYMPLECTIC:
        tab = METHODS[name]
        assert tab.kind == "partitioned" and not tab.adaptive and not tab.implicit
        for part in ("kick", "drift"):
            assert sum(c for p, c in tab.steps if p == part) == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("name", SYMPLECTIC)
def test_global_order_on_a_separable_problem(name):
    t_end = 4.0
    ref = solve_ivp(pendulum, (0.0, t_end), Y0, t_eval=torch.tensor([0.0, t_end], dtype=F64), method="dopri8",
                    rtol=1e-13, atol=1e-13).ys[-1]
    steps = (40, 80, 160, 320)
    errs = []
    for n in steps:
        sol = solve_ivp(pendulum, (0.0, t_end), Y0, method=name, step_size=t_end / n)
        errs.append(float((sol.ys[-1] - ref).abs().max()))
    slope = np.polyfit(np.log([t_end / n for n in steps]), np.log(errs), 1)[0]
    assert abs(slope - METHODS[name].order) < 0.3, (errs, slope)


@pytest.mark.parametrize("name,per_step", [("symplectic_euler", 2), ("leapfrog", 2), ("ruth3", 6), ("yoshida4", 6)])
def test_evaluations_per_step(name, per_step):
    sol = solve_ivp(pendulum, (0.0, 1.0), Y0, method=name, step_size=0.01)
    assert sol.stats["n_steps"] == 100
    # the initial evaluation serves the first step; the methods ending as they start reuse their last one
    assert sol.stats["n_f_evals"] == 100 * per_step + METHODS[name].reuses_last


def test_energy_error_stays_bounded_where_rk4_drifts():
    h, t_end = 0.5, 1000.0
    lf = solve_ivp(pendulum, (0.0, t_end), Y0, method="leapfrog", step_size=h)
    rk = solve_ivp(pendulum, (0.0, t_end), Y0, method="rk4", step_size=h)
    e_lf = (energy(lf.ys) - energy(Y0)).abs()
    e_rk = (energy(rk.ys) - energy(Y0)).abs()
    n = len(e_lf) // 10
    assert float(e_lf[-n:].max()) < 1.2 * float(e_lf[:n].max())  # bounded oscillation, no drift
    assert float(e_rk[-n:].max()) > 5 * float(e_rk[:n].max())  # RK4 loses energy steadily
    assert float(e_rk[-n:].max()) > float(e_lf[-n:].max())


def test_leapfrog_is_time_reversible():
    fwd = solve_ivp(pendulum, (0.0, 20.0), Y0, method="leapfrog", step_size=0.1)
    back = solve_ivp(pendulum, (20.0, 0.0), fwd.ys[-1], method="leapfrog", step_size=0.1)
    torch.testing.assert_close(back.ys[-1], Y0, atol=1e-12, rtol=0)


def test_layouts_tuple_flat_and_independent_agree():
    torch.manual_seed(0)
    q, p = torch.randn(5, 3, dtype=F64), torch.randn(5, 3, dtype=F64)
    t = torch.linspace(0.0, 2.0, 5, dtype=F64)
    tup = odeint(lambda t, y: (y[1], -torch.sin(y[0])), (q, p), t, method="yoshida4", options={"step_size": 0.05})
    flat = odeint(pendulum, torch.cat([q, p], -1), t, method="yoshida4", options={"step_size": 0.05})
    ind = solve_ivp(pendulum, (0.0, 2.0), torch.cat([q, p], -1), t_eval=t, method="yoshida4", step_size=0.05,
                    batch="independent")
    torch.testing.assert_close(flat[..., :3], tup[0], atol=1e-13, rtol=0)
    torch.testing.assert_close(flat[..., 3:], tup[1], atol=1e-13, rtol=0)
    torch.testing.assert_close(ind.ys, flat, atol=1e-13, rtol=0)
    exact = odeint(pendulum, torch.cat([q, p], -1), t, method="dopri8", rtol=1e-12, atol=1e-12)
    assert float((flat - exact).abs().max()) < 1e-5


def test_outputs_between_steps_are_linear_interpolation():
    grid = solve_ivp(pendulum, (0.0, 1.0), Y0, method="leapfrog", step_size=0.1)
    mid = solve_ivp(pendulum, (0.0, 1.0), Y0, t_eval=torch.tensor([0.0, 0.25, 1.0], dtype=F64),
                    method="leapfrog", step_size=0.1)
    torch.testing.assert_close(mid.ys[1], 0.5 * (grid.ys[2] + grid.ys[3]), atol=1e-14, rtol=0)
    torch.testing.assert_close(mid.ys[-1], grid.ys[-1], atol=1e-14, rtol=0)


def test_float32_end_to_end():
    y0 = torch.tensor([[1.0, 0.0], [0.5, 0.3]], requires_grad=True)
    ys = odeint(pendulum, y0, torch.linspace(0, 1, 3), method="leapfrog", options={"step_size": 0.01})
    assert ys.dtype == torch.float32
    ys.sum().backward()
    assert y0.grad.dtype == torch.float32 and bool(torch.isfinite(y0.grad).all())


class _Spring(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.k = torch.nn.Parameter(torch.tensor(1.3, dtype=F64))

    def forward(self, t, y):
        return torch.cat([y[..., 1:], -self.k * y[..., :1]], -1)


@pytest.mark.parametrize("name", ["leapfrog", "yoshida4"])
def test_checkpoint_gradient_equals_direct(name):
    field = _Spring()
    y0 = torch.tensor([1.0, 0.2], dtype=F64, requires_grad=True)
    grads = []
    for gradient in ("direct", "checkpoint"):
        ys = solve_ivp(field, (0.0, 3.0), y0, method=name, step_size=0.05, gradient=gradient).ys
        grads.append(torch.autograd.grad(ys[-1].pow(2).sum(), (y0, field.k)))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-12)


def test_backsolve_needs_a_runge_kutta_adjoint():
    field = _Spring()
    y0 = torch.tensor([1.0, 0.2], dtype=F64)
    with pytest.raises(InputError, match="adjoint_method"):
        solve_ivp(field, (0.0, 1.0), y0, method="leapfrog", step_size=0.05, gradient="backsolve")
    ys = solve_ivp(field, (0.0, 1.0), y0, method="leapfrog", step_size=0.01, gradient="backsolve",
                   adjoint_method="rk4").ys
    (g,) = torch.autograd.grad(ys[-1].sum(), field.k)
    ys = solve_ivp(field, (0.0, 1.0), y0, method="leapfrog", step_size=0.01).ys
    (ref,) = torch.autograd.grad(ys[-1].sum(), field.k)
    assert float(abs(g - ref)) < 1e-3 * float(abs(ref))


@pytest.mark.parametrize("y0", [torch.zeros(3, dtype=F64), torch.zeros(2, 5, dtype=F64),
                                (torch.zeros(2, dtype=F64), torch.zeros(3, dtype=F64))])
def test_states_without_a_q_p_split_are_refused(y0):
    with pytest.raises(InputError, match="y0"):
        solve_ivp(lambda t, y: y, (0.0, 1.0), y0, method="leapfrog", step_size=0.1)


# --- Corrected: a base step plus a learned correction (hypersolvers) ----------------------------------------


def test_the_exact_correction_makes_euler_exact():
    lam, h = -0.7, 0.1

    def exact_local_error(t, y, psi):  # (e^{λh} − 1 − λh) / h² · y
        return (math.exp(lam * h) - 1 - lam * h) / h ** 2 * y

    y0 = torch.tensor([1.0, 2.0], dtype=F64)
    sol = solve_ivp(lambda t, y: lam * y, (0.0, 1.0), y0, method=Corrected("euler", exact_local_error), step_size=h)
    torch.testing.assert_close(sol.ys[-1], y0 * math.exp(lam), atol=1e-13, rtol=0)
    plain = solve_ivp(lambda t, y: lam * y, (0.0, 1.0), y0, method=Corrected("euler", lambda t, y, p: 0 * y),
                      step_size=h)
    euler = solve_ivp(lambda t, y: lam * y, (0.0, 1.0), y0, method="euler", step_size=h)
    torch.testing.assert_close(plain.ys, euler.ys, atol=0, rtol=0)


def test_corrected_gradients_reach_the_correction():
    field, corr = _Spring(), torch.nn.Linear(4, 2).double()

    def g(t, y, psi):
        return corr(torch.cat([y, psi], -1))

    y0 = torch.tensor([1.0, 0.2], dtype=F64)
    params = (field.k, *corr.parameters())
    grads = []
    for gradient in ("direct", "checkpoint"):
        ys = solve_ivp(field, (0.0, 1.0), y0, method=Corrected("rk4", g), step_size=0.1, gradient=gradient,
                       adjoint_params=params).ys
        grads.append(torch.autograd.grad(ys[-1].sum(), params))
    for a, b in zip(*grads):
        assert float(a.abs().max()) > 0
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-12)


def test_corrected_refuses_adaptive_bases():
    with pytest.raises(InputError, match="base"):
        Corrected("dopri5", lambda t, y, p: y)
    with pytest.raises(InputError, match="correction"):
        Corrected("euler", 3)


def test_angular_momentum_of_kepler_is_kept_to_round_off():
    from .problems import kepler, kepler_initial

    y0 = kepler_initial(0.5)
    sol = solve_ivp(kepler, (0.0, 20 * math.pi), y0, method="yoshida4", step_size=0.01)
    L = sol.ys[:, 0] * sol.ys[:, 3] - sol.ys[:, 1] * sol.ys[:, 2]  # kicks are radial, drifts move along p
    assert float((L - L[0]).abs().max()) < 1e-12
