"""The variable-order BDF/NDF method: coefficients, history rescaling, validation, gradients, limits."""

import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp as scipy_solve_ivp

from sciml.errors import InputError, SolverError
from sciml.integrate import METHODS, Status, solve_ivp
from sciml.integrate.tableaus.bdf import rescale_matrix
from sciml.integrate.testproblems import hires, robertson

from .test_stiff import _StiffMLP

F64 = torch.float64


# ------------------------------------------------------------------------------------------ coefficients
def test_ndf_coefficients_give_shampine_reichelts_step_gains():
    coef = METHODS["bdf"].tensors(F64, torch.device("cpu"))
    # Shampine & Reichelt (1997), Table 1: the NDF's step size over the BDF's at equal accuracy
    gains = [(1.0 / (k + 1) / coef.error_const[k]) ** (1.0 / (k + 1)) for k in range(1, 6)]
    np.testing.assert_allclose(gains, [1.26, 1.26, 1.26, 1.12, 1.00], atol=0.005)
    assert coef.alpha[1] == pytest.approx(1.185) and coef.gamma[3] == pytest.approx(11 / 6)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("rho", [0.3, 1.0, 2.5])
def test_rescaled_differences_belong_to_the_same_polynomial(k, rho):
    g = np.random.default_rng(k)
    coeffs = g.standard_normal(k + 1)  # a polynomial of degree k: its differences determine it exactly
    h = 0.1

    def differences(step):
        values = np.polyval(coeffs, -step * np.arange(k + 1))  # y_n, y_{n−1}, ... at spacing `step`
        return np.array([sum((-1) ** l * math.comb(i, l) * values[l] for l in range(i + 1)) for i in range(k + 1)])

    np.testing.assert_allclose(rescale_matrix(k, rho) @ differences(h), differences(rho * h), atol=1e-12)
    if rho == 1.0:
        np.testing.assert_allclose(rescale_matrix(k, rho), np.eye(k + 1), atol=1e-15)


def test_dense_weights_end_at_the_new_value():
    coef = METHODS["bdf"].tensors(F64, torch.device("cpu"))
    for k in range(1, 6):
        at_one = coef.orders[k].dense_p.sum(1)  # b_j(1): ∇¹ counts once, higher differences vanish
        expected = torch.zeros(k + 1, dtype=F64)
        expected[0] = 1.0
        torch.testing.assert_close(at_one, expected, rtol=0, atol=1e-14)


# ------------------------------------------------------------------------------------------ validation
@pytest.fixture(scope="module")
def references():
    out = {}
    for problem in (robertson(), hires()):
        ref = scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method="Radau",
                              rtol=1e-12, atol=1e-14).y[:, -1]
        bdf = scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method="BDF",
                              rtol=problem.rtol, atol=problem.atol)
        out[problem.name] = (problem, ref, bdf.t.size - 1)
    return out


@pytest.mark.parametrize("name", ["robertson", "hires"])
def test_matches_radau_with_scipy_bdfs_step_count(name, references):
    problem, ref, scipy_steps = references[name]
    sol = solve_ivp(problem.f, (0.0, problem.t1), problem.initial(), method="bdf", rtol=problem.rtol,
                    atol=problem.atol, t_eval=torch.tensor([0.0, problem.t1], dtype=F64))
    y = sol.ys[-1].numpy()
    assert np.all(np.abs(y - ref) <= 1e-4 * np.abs(ref) + problem.atol), (y, ref)
    print(f"{name}: {sol.stats['n_steps']} steps, scipy BDF {scipy_steps}")
    assert sol.stats["n_steps"] <= 1.2 * scipy_steps, (sol.stats, scipy_steps)
    # one Jacobian serves many steps: that is the point of the method
    assert sol.stats["n_jac_evals"] * 5 < sol.stats["n_steps"]
    if name == "robertson":
        assert abs(y.sum() - 1.0) <= 1e-8


def test_order_rises_on_a_smooth_problem():
    y0 = torch.tensor([1.0, 0.0], dtype=F64)
    sol = solve_ivp(lambda t, y: torch.stack([y[1], -y[0]]), (0.0, 20.0), y0, method="bdf", rtol=1e-9, atol=1e-12,
                    t_eval=torch.tensor([0.0, 20.0], dtype=F64))
    torch.testing.assert_close(sol.ys[-1], torch.tensor([math.cos(20.0), -math.sin(20.0)], dtype=F64),
                               rtol=0, atol=1e-6)
    assert sol.stats["n_steps"] < 1500  # order 1 alone would need ~10⁵ steps at this tolerance


def test_events_on_the_interpolant():
    def ball(t, y):
        return torch.stack([y[1], -9.81 * torch.ones_like(y[0])])

    def ground(t, y):
        return y[0]

    ground.terminal, ground.direction = True, -1
    sol = solve_ivp(ball, (0.0, 100.0), torch.tensor([10.0, 0.0], dtype=F64), method="bdf", events=[ground],
                    rtol=1e-10, atol=1e-12)
    assert sol.status == Status.EVENT
    assert float(sol.t_events[0][0]) == pytest.approx(math.sqrt(2 * 10.0 / 9.81), abs=1e-7)


def test_float32_state_stays_float32():
    problem = robertson(t1=10.0)
    sol = solve_ivp(problem.f, (0.0, 10.0), problem.initial(torch.float32), method="bdf", rtol=1e-4, atol=1e-7)
    assert sol.ys.dtype == torch.float32 and abs(float(sol.ys[-1].sum()) - 1.0) < 1e-5


# ------------------------------------------------------------------------------------------ gradients
def test_linear_system_gradient_matches_matrix_exponential():
    g = torch.Generator().manual_seed(3)
    A = (0.5 * torch.randn(3, 3, generator=g, dtype=F64) - 20 * torch.eye(3, dtype=F64)).requires_grad_(True)
    A.data[0, 0] = -500.0  # a stiff mode
    y0 = torch.randn(3, generator=g, dtype=F64).requires_grad_(True)
    w = torch.randn(3, generator=g, dtype=F64)
    T = 0.05
    exact = w @ (torch.linalg.matrix_exp(A * T) @ y0)
    gA_exact, gy_exact = torch.autograd.grad(exact, (A, y0))
    sol = solve_ivp(lambda t, y: A @ y, (0.0, T), y0, t_eval=torch.tensor([0.0, T], dtype=F64), method="bdf",
                    rtol=1e-10, atol=1e-12)
    gA, gy = torch.autograd.grad(w @ sol.ys[-1], (A, y0))
    torch.testing.assert_close(gy, gy_exact, rtol=0, atol=1e-6)
    torch.testing.assert_close(gA, gA_exact, rtol=0, atol=1e-6)


def test_direct_gradient_matches_finite_differences_of_the_solver():
    field = _StiffMLP()
    y0 = torch.tensor([1.0, 0.5], dtype=F64, requires_grad=True)
    t = torch.linspace(0.0, 0.3, 4, dtype=F64)

    def loss(y_init, grad=True):
        with torch.set_grad_enabled(grad):
            ys = solve_ivp(field, (0.0, 0.3), y_init, t_eval=t, method="bdf", rtol=1e-10, atol=1e-12).ys
            return (ys**2).sum() + ys[1:, 1].sin().sum()

    g_y0, g_decay = torch.autograd.grad(loss(y0), (y0, field.decay))
    eps = 1e-6
    for i in range(2):
        plus, minus = y0.detach().clone(), y0.detach().clone()
        plus[i] += eps
        minus[i] -= eps
        fd = float(loss(plus, False) - loss(minus, False)) / (2 * eps)
        assert abs(float(g_y0[i]) - fd) <= 1e-4 * max(1.0, abs(fd))
    with torch.no_grad():
        field.decay[0] += eps
        plus = float(loss(y0.detach(), False))
        field.decay[0] -= 2 * eps
        minus = float(loss(y0.detach(), False))
        field.decay[0] += eps
    fd = (plus - minus) / (2 * eps)
    assert abs(float(g_decay[0]) - fd) <= 1e-4 * max(1.0, abs(fd))


# ------------------------------------------------------------------------------------------ limits
def test_unsupported_modes_are_refused_with_the_alternative():
    problem = robertson(t1=1.0)
    y0 = problem.initial()
    with pytest.raises(InputError, match="batch.*rodas5p"):
        solve_ivp(problem.f, (0.0, 1.0), y0[None], method="bdf", batch="independent")
    field = _StiffMLP()
    with pytest.raises(InputError, match="gradient"):
        solve_ivp(field, (0.0, 1.0), torch.ones(2, dtype=F64), method="bdf", gradient="checkpoint")


def test_newton_that_cannot_converge_fails_cleanly():
    problem = robertson(t1=10.0)
    with pytest.raises(SolverError) as info:
        solve_ivp(problem.f, (0.0, 10.0), problem.initial(), method="bdf", rtol=1e-6, atol=1e-10,
                  jac=lambda t, y: torch.zeros(3, 3, dtype=F64), max_steps=3000)
    assert info.value.status in (Status.NEWTON_FAILURE, Status.MAX_STEPS, Status.STEP_UNDERFLOW)
    assert info.value.t is not None and info.value.t < 10.0


def test_nan_in_the_field_stops_with_the_time_reached():
    def f(t, y):
        return torch.where(t < 1.0, -y, torch.full_like(y, float("nan")))

    with pytest.raises(SolverError) as info:
        solve_ivp(f, (0.0, 5.0), torch.ones(2, dtype=F64), method="bdf")
    assert 0.9 < info.value.t <= 1.0
