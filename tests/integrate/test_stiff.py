"""Stiff methods: tableaus, orders, validation against scipy Radau, Jacobians, batches, auto switching."""

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp as scipy_solve_ivp

from sciml.errors import InputError, SolverError
from sciml.integrate import METHODS, Status, solve_ivp
from sciml.integrate.tableaus import IMPLICIT
from sciml.integrate.testproblems import hires, robertson

from .problems import MLPField, lotka_volterra, nonlinear, nonlinear_exact

F64 = torch.float64
DIRK = [n for n in IMPLICIT if METHODS[n].kind == "dirk"]
ROSENBROCK = [n for n in IMPLICIT if METHODS[n].kind == "rosenbrock"]


# ------------------------------------------------------------------------------------------ tableaus
def _trees(order):
    """Rooted trees with ``order`` nodes, each a sorted tuple of its subtrees (the leaf is ())."""
    if order == 1:
        return [()]
    out = set()
    for parts in _partitions(order - 1):
        for combo in itertools.product(*[_trees(p) for p in parts]):
            out.add(tuple(sorted(combo)))
    return sorted(out)


def _partitions(n, largest=None):
    largest = n if largest is None else largest
    if n == 0:
        yield ()
        return
    for k in range(min(n, largest), 0, -1):
        for rest in _partitions(n - k, k):
            yield (k,) + rest


def _size(tree):
    return 1 + sum(_size(t) for t in tree)


def _gamma(tree):
    return _size(tree) * math.prod(_gamma(t) for t in tree)


def _phi(tree, A):
    v = np.ones(A.shape[0])
    for t in tree:
        v = v * (A @ _phi(t, A))
    return v


@pytest.mark.parametrize("name", DIRK)
def test_dirk_order_conditions_hold_for_every_tree(name):
    tab = METHODS[name]
    A, b = tab.full_a(), np.array(tab.b)
    b_hat = b - np.array(tab.b_error)
    for p in range(1, tab.order + 1):
        for tree in _trees(p):
            assert b @ _phi(tree, A) == pytest.approx(1 / _gamma(tree), abs=1e-12), (p, tree)
            if p <= tab.error_order:
                assert b_hat @ _phi(tree, A) == pytest.approx(1 / _gamma(tree), abs=1e-12), (p, tree)
    # ... and not for every tree of the next order (the order is not understated)
    assert any(abs(b @ _phi(t, A) - 1 / _gamma(t)) > 1e-8 for t in _trees(tab.order + 1))
    assert np.allclose(A.sum(1), tab.c)


def _rosenbrock_matrices(tab):
    G = tab.gamma_matrix()
    s = tab.stages
    a = np.zeros((s, s))
    for i, row in enumerate(tab.a):
        a[i, :i] = row
    alpha = a @ G  # the original α from the transformed a = α Γ⁻¹
    return alpha, G, np.array(tab.b) @ G, (np.array(tab.b) - np.array(tab.b_error)) @ G


@pytest.mark.parametrize("name", ROSENBROCK)
def test_rosenbrock_tableau_is_consistent_and_third_order_conditions_hold(name):
    tab = METHODS[name]
    alpha, G, b, b_hat = _rosenbrock_matrices(tab)
    g = tab.gamma
    np.testing.assert_allclose(alpha.sum(1), tab.c, atol=1e-12)
    np.testing.assert_allclose(G.sum(1), tab.d, atol=1e-12)
    np.testing.assert_allclose(np.diag(G), g, atol=1e-14)
    beta = alpha + G - np.diag(np.diag(G))
    for w in (b, b_hat):  # Hairer & Wanner II, Table IV.7.1, orders 1-3
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert w @ beta.sum(1) == pytest.approx(0.5 - g, abs=1e-12)
        assert w @ alpha.sum(1) ** 2 == pytest.approx(1 / 3, abs=1e-12)
        assert w @ beta @ beta.sum(1) == pytest.approx(1 / 6 - g + g * g, abs=1e-12)


def _stability(A, b, z):
    s = len(b)
    return 1 + z * b @ np.linalg.solve(np.eye(s) - z * A, np.ones(s))


@pytest.mark.parametrize("name", DIRK + ROSENBROCK)
def test_methods_are_l_stable(name):
    tab = METHODS[name]
    if tab.kind == "dirk":
        A, b = tab.full_a(), np.array(tab.b)
    else:
        alpha, G, b, _ = _rosenbrock_matrices(tab)
        A = alpha + G  # a Rosenbrock method's stability function is that of the RK method (α + Γ, b)
    assert abs(_stability(A, b, -1e10)) < 1e-6  # R(∞) = 0
    for y in np.logspace(-2, 4, 40):  # |R(iy)| ≤ 1 on the imaginary axis (A-stability)
        assert abs(_stability(A, b, 1j * y)) <= 1 + 1e-10
    for x in -np.logspace(-2, 6, 40):
        assert abs(_stability(A, b, x)) <= 1 + 1e-10


def test_stability_bounds_of_explicit_pairs_are_right():
    for name in ("tsit5", "dopri5"):
        tab = METHODS[name]
        s = tab.stages
        A = np.zeros((s, s))
        for i, row in enumerate(tab.a):
            A[i, : len(row)] = row
        assert abs(_stability(A, np.array(tab.b), -tab.stability_bound)) == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------------------------------------ orders
@pytest.mark.parametrize("name", DIRK)
def test_dirk_global_order(name):
    """Steps pinned by max_step; generous tolerances accept them; a tight Newton tolerance solves the stages."""
    order = METHODS[name].order
    steps = (16, 32, 64, 128) if order == 3 else (8, 12, 16, 24)
    errs, hs = [], []
    y0 = torch.tensor([1.0, 1.0], dtype=F64)
    for n in steps:
        h = 2.0 / n
        sol = solve_ivp(nonlinear, (0.0, 2.0), y0, t_eval=torch.tensor([0.0, 2.0], dtype=F64), method=name,
                        rtol=0.1, atol=0.1, first_step=h, max_step=h, newton_tol=1e-13)
        assert sol.stats["n_steps"] == n
        errs.append(float((sol.ys[-1] - nonlinear_exact(torch.tensor(2.0, dtype=F64))).abs().max()))
        hs.append(h)
    slope = np.polyfit(np.log(hs), np.log(errs), 1)[0]
    assert abs(slope - order) < 0.3, (errs, slope)


@pytest.mark.parametrize("name", IMPLICIT)
def test_error_follows_the_tolerance(name):
    y0 = torch.tensor([1.0, 1.0], dtype=F64)
    t = torch.tensor([0.0, 3.0], dtype=F64)
    errs = []
    tols = (1e-4, 1e-7, 1e-10) if METHODS[name].order >= 5 else (1e-3, 1e-5, 1e-7)
    for tol in tols:
        sol = solve_ivp(nonlinear, (0.0, 3.0), y0, t_eval=t, method=name, rtol=tol, atol=tol)
        errs.append(float((sol.ys[-1] - nonlinear_exact(t[-1])).abs().max()))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 100 * tols[2]


@pytest.mark.parametrize("name", IMPLICIT)
def test_dense_output_is_accurate_inside_steps(name):
    y0 = torch.tensor([1.0, 1.0], dtype=F64)
    tol = 1e-9 if METHODS[name].order >= 5 else 1e-7
    sol = solve_ivp(nonlinear, (0.0, 3.0), y0, method=name, rtol=tol, atol=tol, dense=True)
    tq = torch.linspace(0.0, 3.0, 301, dtype=F64)
    err = float((sol.evaluate(tq) - nonlinear_exact(tq)).abs().max())
    # Rodas' own 4th-order interpolant follows the tolerance; Kværnø's methods have only cubic Hermite
    bound = 1000 * tol if METHODS[name].dense.order >= 4 else 1e-5
    assert err < bound and sol.stats["n_steps"] < 300  # outputs between steps, from far fewer steps


# ------------------------------------------------------------------------------------------ validation
@pytest.fixture(scope="module")
def references():
    out = {}
    for problem in (robertson(), hires()):  # OREGO's 1e-12 reference takes ~10 s: benchmarks/stiff.py
        ref = scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method="Radau",
                              rtol=1e-12, atol=1e-14)
        steps = {m: scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method=m,
                                    rtol=problem.rtol, atol=problem.atol).t.size - 1 for m in ("Radau", "BDF")}
        out[problem.name] = (problem, ref.y[:, -1], steps)
    return out


@pytest.mark.parametrize("method", ["rodas5p", "kvaerno5", "auto"])
def test_robertson_matches_radau_and_conserves_mass(method, references):
    problem, ref, steps = references["robertson"]
    sol = solve_ivp(problem.f, (0.0, problem.t1), problem.initial(), method=method, rtol=problem.rtol,
                    atol=problem.atol, t_eval=torch.tensor([0.0, problem.t1], dtype=F64))
    y = sol.ys[-1].numpy()
    assert np.all(np.abs(y - ref) / np.abs(ref) <= 1e-4), (y, ref)
    assert abs(y.sum() - 1.0) <= 1e-8
    assert sol.stats["n_steps"] <= 2 * min(steps.values()), (sol.stats, steps)


@pytest.mark.parametrize("name", ["hires"])
@pytest.mark.parametrize("method", ["rodas5p", "auto"])
def test_hires_matches_radau(name, method, references):
    problem, ref, steps = references[name]
    sol = solve_ivp(problem.f, (0.0, problem.t1), problem.initial(), method=method, rtol=problem.rtol,
                    atol=problem.atol, t_eval=torch.tensor([0.0, problem.t1], dtype=F64))
    y = sol.ys[-1].numpy()
    assert np.all(np.abs(y - ref) <= 1e-4 * np.abs(ref) + 1e-9), (y, ref)
    assert sol.stats["n_steps"] <= 2 * min(steps.values()), (sol.stats, steps)


def test_explicit_method_cannot_do_what_the_stiff_ones_do():
    problem = robertson(t1=1e3)
    with pytest.raises(SolverError):
        solve_ivp(problem.f, (0.0, problem.t1), problem.initial(), method="tsit5", rtol=1e-6, atol=1e-10,
                  max_steps=2000)


# ------------------------------------------------------------------------------------------ auto
def test_auto_stays_explicit_on_a_nonstiff_problem():
    y0 = torch.tensor([1.0, 1.0], dtype=F64)
    t = torch.tensor([0.0, 10.0], dtype=F64)
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), y0, t_eval=t, method="auto", rtol=1e-6, atol=1e-9)
    ref = solve_ivp(lotka_volterra, (0.0, 10.0), y0, t_eval=t, method="tsit5", rtol=1e-6, atol=1e-9)
    assert sol.stats["n_switches"] == 0 and sol.stats["n_jac_evals"] == 0
    torch.testing.assert_close(sol.ys, ref.ys, rtol=0, atol=0)


def test_auto_switches_to_the_stiff_method_and_reports_it():
    problem = robertson(t1=1e3)
    sol = solve_ivp(problem.f, (0.0, problem.t1), problem.initial(), method="auto", rtol=1e-6, atol=1e-10)
    assert sol.stats["n_switches"] >= 1
    t_switch, to = sol.stats["switches"][0]
    assert to == "rodas5p" and 0.0 < t_switch < 1.0  # stiffness sets in within the first time unit
    assert sol.stats["n_steps"] < 300


def test_auto_in_an_independent_batch_switches_as_a_group():
    k1 = torch.tensor([0.01, 0.04, 0.1], dtype=F64)
    y0 = torch.tensor([[1.0, 0.0, 0.0]] * 3, dtype=F64)
    t = torch.tensor([0.0, 1.0, 1e3], dtype=F64)
    sol = solve_ivp(robertson(k1=k1).f, (0.0, 1e3), y0, t_eval=t, method="auto", batch="independent", rtol=1e-6,
                    atol=1e-10, dense=True)
    assert sol.stats["n_switches"] >= 1 and sol.stats["switches"][0][1] == "rodas5p"
    assert int(sol.stats["n_steps"].max()) < 400  # tsit5 alone needs ~10⁴ steps here
    for i in range(3):
        ref = scipy_solve_ivp(robertson(k1=float(k1[i])).f_numpy, (0.0, 1e3), [1.0, 0.0, 0.0], method="Radau",
                              rtol=1e-11, atol=1e-14, t_eval=[1.0, 1e3], dense_output=True)
        np.testing.assert_allclose(sol.ys[1:, i].numpy(), ref.y.T, rtol=1e-4, atol=1e-10)
        # the interpolant across the switch: tsit5 steps before it, rodas5p steps after it
        tq = np.array([1e-3, 0.2, 3.0, 500.0])
        dense = sol.evaluate(torch.tensor(tq, dtype=F64))[:, i].numpy()
        np.testing.assert_allclose(dense, ref.sol(tq).T, rtol=1e-3, atol=1e-9)


def test_auto_in_an_independent_batch_stays_explicit_when_nothing_is_stiff():
    y0 = torch.tensor([[1.0, 1.0], [2.0, 0.5]], dtype=F64)
    t = torch.tensor([0.0, 10.0], dtype=F64)
    kw = dict(t_eval=t, batch="independent", rtol=1e-6, atol=1e-9)
    sol = solve_ivp(lotka_volterra, (0.0, 10.0), y0, method="auto", **kw)
    ref = solve_ivp(lotka_volterra, (0.0, 10.0), y0, method="tsit5", **kw)
    assert sol.stats["n_switches"] == 0
    torch.testing.assert_close(sol.ys, ref.ys, rtol=0, atol=0)


def test_auto_in_an_independent_batch_has_checkpoint_gradients():
    k = torch.tensor([0.02, 0.08], dtype=F64, requires_grad=True)
    y0 = torch.tensor([[1.0, 0.0, 0.0]] * 2, dtype=F64)
    grads = []
    for mode in ("direct", "checkpoint"):
        problem = robertson(k1=k)
        sol = solve_ivp(problem.f, (0.0, 50.0), y0, t_eval=torch.tensor([0.0, 50.0], dtype=F64), method="auto",
                        batch="independent", rtol=1e-7, atol=1e-11, gradient=mode, adjoint_params=(k,))
        assert sol.stats["n_switches"] >= 1
        grads.append(torch.autograd.grad(sol.ys[-1, :, 0].sum(), k)[0])
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-8, atol=1e-12)
    assert bool((grads[0] < 0).all())  # a faster first reaction leaves less of species 1


# ------------------------------------------------------------------------------------------ Jacobians
def test_user_jacobian_gives_the_same_solution():
    k1, k2, k3 = 0.04, 3e7, 1e4
    problem = robertson(t1=100.0)
    calls = []

    def jac(t, y):
        calls.append(1)
        y1, y2, y3 = y
        return torch.stack([
            torch.stack([-k1 + 0 * y1, k3 * y3, k3 * y2]),
            torch.stack([k1 + 0 * y1, -2 * k2 * y2 - k3 * y3, -k3 * y2]),
            torch.stack([0 * y1, 2 * k2 * y2, 0 * y1]),
        ])

    for method in ("rodas5p", "kvaerno5"):
        a = solve_ivp(problem.f, (0.0, 100.0), problem.initial(), method=method, rtol=1e-8, atol=1e-12)
        calls.clear()
        b = solve_ivp(problem.f, (0.0, 100.0), problem.initial(), method=method, rtol=1e-8, atol=1e-12, jac=jac)
        assert len(calls) == b.stats["n_jac_evals"] > 0
        torch.testing.assert_close(a.ys[-1], b.ys[-1], rtol=1e-10, atol=1e-14)


def test_bad_user_jacobian_is_reported():
    problem = robertson(t1=1.0)
    with pytest.raises(InputError, match="jac"):
        solve_ivp(problem.f, (0.0, 1.0), problem.initial(), method="rodas5p", jac=lambda t, y: torch.eye(2))
    with pytest.raises(InputError, match="jac"):
        solve_ivp(problem.f, (0.0, 1.0), problem.initial(), method="rodas5p", jac="analytic")


def test_newton_that_cannot_converge_fails_cleanly():
    # a Jacobian of zeros turns Newton into a fixed-point iteration, which diverges on a stiff problem
    problem = robertson(t1=10.0)
    with pytest.raises(SolverError) as info:
        solve_ivp(problem.f, (0.0, 10.0), problem.initial(), method="kvaerno5", rtol=1e-6, atol=1e-10,
                  jac=lambda t, y: torch.zeros(3, 3, dtype=F64), max_steps=3000)
    assert info.value.status in (Status.NEWTON_FAILURE, Status.MAX_STEPS)
    assert info.value.t is not None and info.value.step_size is not None


# ------------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("method", ["rodas5p", "kvaerno5"])
@pytest.mark.parametrize("mode", ["direct", "checkpoint"])
def test_linear_system_gradient_matches_matrix_exponential(method, mode):
    g = torch.Generator().manual_seed(3)
    A = (0.5 * torch.randn(3, 3, generator=g, dtype=F64) - 20 * torch.eye(3, dtype=F64)).requires_grad_(True)
    A.data[0, 0] = -500.0  # a stiff mode
    y0 = torch.randn(3, generator=g, dtype=F64).requires_grad_(True)
    w = torch.randn(3, generator=g, dtype=F64)
    T = 0.05
    exact = w @ (torch.linalg.matrix_exp(A * T) @ y0)
    gA_exact, gy_exact = torch.autograd.grad(exact, (A, y0))
    sol = solve_ivp(lambda t, y: A @ y, (0.0, T), y0, t_eval=torch.tensor([0.0, T], dtype=F64), method=method,
                    rtol=1e-9, atol=1e-11, gradient=mode, adjoint_params=(A,))
    gA, gy = torch.autograd.grad(w @ sol.ys[-1], (A, y0))
    torch.testing.assert_close(gy, gy_exact, rtol=0, atol=1e-7)
    torch.testing.assert_close(gA, gA_exact, rtol=0, atol=1e-7)


class _StiffMLP(torch.nn.Module):
    """A small neural field with a stiff linear part."""

    def __init__(self):
        super().__init__()
        self.mlp = MLPField(dim=2, hidden=6, seed=4)
        self.decay = torch.nn.Parameter(torch.tensor([-200.0, -1.0], dtype=F64))

    def forward(self, t, y):
        return self.decay * y + self.mlp(t, y)


def _stiff_mlp_grads(method, mode, batch="joint"):
    field = _StiffMLP()
    y0 = torch.tensor([[1.0, 0.5], [-0.3, 0.8]], dtype=F64, requires_grad=True)
    t = torch.linspace(0.0, 0.3, 3, dtype=F64)
    sol = solve_ivp(field, (0.0, 0.3), y0, t_eval=t, method=method, rtol=1e-7, atol=1e-9, gradient=mode,
                    batch=batch)
    loss = (sol.ys**2).sum() + sol.ys[1:, :, 1].sin().sum()
    # y0 first, then decay, then the MLP's parameters
    return loss, torch.autograd.grad(loss, (y0, field.decay, *field.mlp.parameters())), field, y0, t


@pytest.mark.parametrize("method", ["rodas5p", "kvaerno5"])
def test_direct_and_checkpoint_agree_and_match_finite_differences(method):
    _, direct, field, y0, t = _stiff_mlp_grads(method, "direct")
    _, ckpt, _, _, _ = _stiff_mlp_grads(method, "checkpoint")
    for a, b in zip(direct, ckpt):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)

    def loss_at(y_init):
        with torch.no_grad():
            ys = solve_ivp(field, (0.0, 0.3), y_init, t_eval=t, method=method, rtol=1e-11, atol=1e-13).ys
            return float((ys**2).sum() + ys[1:, :, 1].sin().sum())

    eps = 1e-6
    for idx in [(0, 0), (1, 1)]:
        plus, minus = y0.detach().clone(), y0.detach().clone()
        plus[idx] += eps
        minus[idx] -= eps
        fd = (loss_at(plus) - loss_at(minus)) / (2 * eps)
        assert abs(float(direct[0][idx]) - fd) <= 1e-4 * max(1.0, abs(fd))
    decay = field.decay
    old = float(decay.detach()[1])
    with torch.no_grad():
        decay[1] = old + eps
        plus = loss_at(y0.detach())
        decay[1] = old - eps
        minus = loss_at(y0.detach())
        decay[1] = old
    fd = (plus - minus) / (2 * eps)
    assert abs(float(direct[1][1]) - fd) <= 1e-4 * max(1.0, abs(fd))


@pytest.mark.parametrize("method", ["rodas5p", "kvaerno5"])
def test_independent_batch_gradients_match_joint(method):
    _, joint, _, _, _ = _stiff_mlp_grads(method, "direct")
    for mode in ("direct", "checkpoint"):
        _, ind, _, _, _ = _stiff_mlp_grads(method, mode, batch="independent")
        for a, b in zip(joint, ind):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8)


def test_newton_iterations_are_not_differentiated():
    """The graph of a direct ESDIRK solve holds one implicit-function node per stage, no Newton history."""
    field = _StiffMLP()
    y0 = torch.tensor([1.0, 0.5], dtype=F64, requires_grad=True)
    sol = solve_ivp(field, (0.0, 0.2), y0, method="kvaerno5", rtol=1e-8, atol=1e-10)
    names = set()
    stack = [sol.ys[-1].grad_fn]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(type(node).__name__)
        stack.extend(fn for fn, _ in node.next_functions)
    assert "_StageSolveBackward" in names
    assert not any("LinalgLuSolve" in n for n in names)  # the Newton solves are outside the graph


# ------------------------------------------------------------------------------------------ batches
@pytest.mark.parametrize("method", ["rodas5p", "kvaerno5"])
def test_each_system_identical_alone_or_in_a_batch(method):
    k1 = torch.tensor([0.01, 0.04, 0.1], dtype=F64)
    y0 = torch.tensor([[1.0, 0.0, 0.0]] * 3, dtype=F64)
    t = torch.tensor([0.0, 1.0, 40.0], dtype=F64)
    batch = solve_ivp(robertson(k1=k1).f, (0.0, 40.0), y0, t_eval=t, method=method, batch="independent",
                      rtol=1e-6, atol=1e-10)
    for i in range(3):
        alone = solve_ivp(robertson(k1=k1[i:i + 1]).f, (0.0, 40.0), y0[i:i + 1], t_eval=t, method=method,
                          batch="independent", rtol=1e-6, atol=1e-10)
        torch.testing.assert_close(batch.ys[:, i], alone.ys[:, 0], rtol=0, atol=1e-12)
        assert int(batch.stats["n_steps"][i]) == int(alone.stats["n_steps"][0])
    assert len(set(batch.stats["n_steps"].tolist())) > 1  # each system really took its own steps


def test_invalid_combinations_are_rejected():
    problem = robertson(t1=1.0)
    y0 = problem.initial()
    with pytest.raises(InputError, match="gradient"):
        solve_ivp(MLPField(dim=3), (0.0, 1.0), y0, method="rodas5p", gradient="backsolve")
    with pytest.raises(InputError, match="newton_tol"):
        solve_ivp(problem.f, (0.0, 1.0), y0, method="kvaerno5", newton_tol=-1.0)


def test_float32_state_stays_float32():
    problem = robertson(t1=10.0)
    sol = solve_ivp(problem.f, (0.0, 10.0), problem.initial(torch.float32), method="rodas5p", rtol=1e-4,
                    atol=1e-7)
    assert sol.ys.dtype == torch.float32 and abs(float(sol.ys[-1].sum()) - 1.0) < 1e-5
