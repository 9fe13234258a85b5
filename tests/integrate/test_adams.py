"""The fixed-grid Adams methods: weights, order of convergence, uneven grids, torchdiffeq's numbers."""

import dataclasses
import warnings

import numpy as np
import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import METHODS, odeint, solve_ivp
from sciml.integrate.tableaus.adams import adams_weights

from .problems import nonlinear, nonlinear_exact

F64 = torch.float64
Y0 = torch.tensor([1.0, 1.0], dtype=F64)


def test_weights_are_the_classical_coefficients():
    np.testing.assert_allclose(adams_weights([0, -1, -2, -3]) * 24, [55, -59, 37, -9], rtol=1e-14)
    np.testing.assert_allclose(adams_weights([1, 0, -1, -2]) * 24, [9, 19, -5, 1], rtol=1e-14)
    ab11 = [2132509567, -8271795124, 23591063805, -46113029016, 63716378958, -63176201472, 44857168434,
            -22329634920, 7417904451, -1479574348, 134211265]
    np.testing.assert_allclose(adams_weights(-np.arange(11.0)) * 479001600, ab11, rtol=1e-13)
    # on an uneven grid the weights still integrate every polynomial through the nodes exactly
    nodes = np.array([0.0, -0.7, -2.1, -2.5])
    w = adams_weights(nodes)
    for degree in range(4):
        assert w @ nodes**degree == pytest.approx(1.0 / (degree + 1), rel=1e-13)


def _error(method, n, t_eval=None):
    t = torch.tensor([0.0, 2.0], dtype=F64) if t_eval is None else t_eval
    kwargs = {"step_size": 2.0 / n} if t_eval is None else {}
    sol = solve_ivp(nonlinear, (0.0, 2.0), Y0, t_eval=t, method=method, rtol=1e-13, atol=1e-13, **kwargs)
    return float((sol.ys[-1] - nonlinear_exact(t[-1])).abs().max())


def _slope(ns, errs):
    return -np.polyfit(np.log(ns), np.log(errs), 1)[0]


@pytest.mark.parametrize("name, ns", [("explicit_adams", (64, 128, 256, 512)),
                                      ("implicit_adams", (128, 192, 256, 384))])
def test_order_of_convergence(name, ns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the corrector's iteration limit at rtol=1e-13
        errs = [_error(name, n) for n in ns]
    assert abs(_slope(ns, errs) - METHODS[name].order) < 0.4, errs


def test_uneven_grid_keeps_the_order():
    """Stepping from output time to output time on a jittered grid: variable-coefficient Adams stays 4th order."""
    rng = np.random.default_rng(0)
    errs, ns = [], (64, 128, 256)
    for n in ns:
        nodes = np.linspace(0.0, 2.0, n + 1)
        nodes[1:-1] += rng.uniform(-0.3, 0.3, n - 1) * (2.0 / n)
        errs.append(_error("explicit_adams", n, torch.tensor(nodes, dtype=F64)))
    assert _slope(ns, errs) > 3.6, errs


@pytest.mark.parametrize("name", ["explicit_adams", "implicit_adams"])
def test_same_numbers_as_torchdiffeq(name):
    torchdiffeq = pytest.importorskip("torchdiffeq")
    t = torch.linspace(0.0, 1.0, 21, dtype=F64)
    y0 = torch.tensor([1.0, 0.5], dtype=F64)

    def field(t, y):
        return torch.stack([y[1], -y[0] + 0.1 * torch.sin(t)])

    options = {"max_order": 12}  # torchdiffeq's default order for both
    ours = odeint(field, y0, t, method=name, options=options)
    theirs = torchdiffeq.odeint(field, y0, t, method=name, options=options)
    torch.testing.assert_close(ours, theirs, rtol=1e-11, atol=1e-12)


def test_explicit_default_order_is_stable_where_order_eleven_is_not():
    t = torch.linspace(0.0, 20.0, 2001, dtype=F64)
    y0 = torch.tensor([1.0, 0.0], dtype=F64)

    def damped(t, y):
        return torch.stack([y[1], -y[0] - 0.1 * y[1]])

    ref = odeint(damped, y0, t, method="dopri8", rtol=1e-12, atol=1e-12)
    ys = odeint(damped, y0, t, method="explicit_adams")
    assert float((ys - ref).abs().max()) < 1e-7
    high = odeint(damped, y0, t, method="explicit_adams", options={"max_order": 12})
    assert not float((high - ref).abs().max()) < 1.0  # torchdiffeq's order 11: h |λ| = 0.01 > 0.0034


def test_corrector_that_does_not_converge_warns_and_lowers_the_order():
    with pytest.warns(RuntimeWarning, match="did not converge"):
        sol = solve_ivp(lambda t, y: -50.0 * y, (0.0, 1.0), Y0, method="implicit_adams", step_size=0.03,
                        rtol=1e-12, atol=1e-14)
    assert sol.stats["n_corrector_unconverged"] > 0


@pytest.mark.parametrize("kwargs, match", [({"batch": "independent"}, "joint"),
                                           ({"gradient": "checkpoint", "adjoint_params": ()}, "backsolve")])
def test_modes_a_multistep_method_cannot_run(kwargs, match):
    with pytest.raises(InputError, match=match):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), Y0[None], method="explicit_adams", step_size=0.1, **kwargs)


def test_max_order_option_is_a_method_variant():
    ab3 = dataclasses.replace(METHODS["explicit_adams"], max_order=4)
    errs = [_error(ab3, n) for n in (64, 128, 256)]
    assert abs(_slope((64, 128, 256), errs) - 3.0) < 0.3  # Adams–Bashforth 3 after the start-up steps
