import numpy as np
import pytest
import sympy as sp

from sciml.data import add_noise, make
from sciml.discovery import SINDy, discover

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
ux, uxx, uxxx, uxxxx = (u.diff(x, k) for k in range(1, 5))


def _coefficients(model):
    return {term: float(c) for c, term in (a.as_coeff_Mul() for a in sp.Add.make_args(sp.expand(model.rhs[0])))}


def _check(model, truth, rtol):
    found = _coefficients(model)
    assert set(found) == set(truth), found
    for term, value in truth.items():
        assert found[term] == pytest.approx(value, rel=rtol), term


def test_clean_burgers_within_one_percent(burgers):
    model = discover(burgers)
    _check(model, {u * ux: -1.0, uxx: 0.1}, 0.01)
    assert model.kind == "pde" and model.coords == ["x"]
    assert model.equations[0].lhs == sp.Derivative(u, t)


def test_burgers_one_percent_noise_within_half_percent(burgers):
    _check(discover(add_noise(burgers, 0.01, seed=1)), {u * ux: -1.0, uxx: 0.1}, 0.005)


@pytest.mark.parametrize("name,truth", [
    ("kdv", {u * ux: -6.0, uxxx: -1.0}),
    ("kuramoto_sivashinsky", {u * ux: -1.0, uxx: -1.0, uxxxx: -1.0}),
])
def test_kdv_and_ks_at_one_percent_noise_within_one_percent(name, truth):
    _check(discover(make(name, noise=0.01, seed=3)), truth, 0.01)


def test_strong_form_pde_find_on_clean_burgers(burgers):
    model = SINDy(method="stlsq", derivative="fd").fit(burgers).model_
    _check(model, {u * ux: -1.0, uxx: 0.1}, 0.02)


def test_two_dimensional_reaction_diffusion_weak_form():
    data = make("reaction_diffusion", n=48, t_end=2.0)
    model = SINDy(library="poly3,order2").fit(data).model_
    v = sp.Function("v")(x, sp.Symbol("y"), t)
    U = sp.Function("u")(x, sp.Symbol("y"), t)
    found = {term: float(c) for c, term in (a.as_coeff_Mul() for a in sp.Add.make_args(sp.expand(model.rhs[0])))}
    expected = {U: 1.0, U**3: -1.0, U * v**2: -1.0, v**3: 1.0, U**2 * v: 1.0,
                U.diff(x, 2): 0.1, U.diff(sp.Symbol("y"), 2): 0.1}
    assert set(found) == set(expected), found
    for term, value in expected.items():
        assert found[term] == pytest.approx(value, rel=0.02)


def test_simulate_pde_model_reproduces_the_data(burgers):
    model = discover(burgers)
    sim = model.simulate(burgers.fields["u"][0], burgers.t, coords=burgers.coords)
    err = np.abs(sim.fields["u"] - burgers.fields["u"]).max()
    assert err < 1e-4
