import numpy as np
import pytest
import sympy as sp

from sciml.data import ODEDataset, add_noise, make
from sciml.discovery import SINDy, discover
from sciml.errors import DiscoveryWarning

x, y, z = sp.symbols("x y z")
LORENZ = [{x: -10.0, y: 10.0}, {x: 28.0, y: -1.0, x * z: -1.0}, {x * y: 1.0, z: -8.0 / 3.0}]


def _terms(model):
    out = []
    for rhs in model.rhs:
        out.append({term: coef for coef, term in
                    [t.as_coeff_Mul() for t in sp.Add.make_args(sp.expand(rhs))] if coef != 0})
    return out


def _check(model, truth, rtol):
    found = _terms(model)
    for i, (f, t) in enumerate(zip(found, truth)):
        assert set(f) == set(t), f"equation {i}: found {f}, expected terms {set(t)}"
        for term, value in t.items():
            assert float(f[term]) == pytest.approx(value, rel=rtol), (i, term)


def test_clean_lorenz_exactly_seven_terms_within_half_percent(lorenz):
    model = discover(lorenz)
    _check(model, LORENZ, 0.005)
    assert sum(len(e) for e in _terms(model)) == 7
    assert model.choices["automatic"] and model.choices["formulation"] == "weak"
    assert min(model.scores["r2"]) > 0.999999
    assert [str(eq.lhs) for eq in model.equations] == ["Derivative(x, t)", "Derivative(y, t)", "Derivative(z, t)"]


def test_noisy_lorenz_structure_and_coefficients(lorenz):
    model = discover(add_noise(lorenz, 0.05, seed=11))
    _check(model, LORENZ, 0.02)


def test_strong_form_stlsq_and_sr3_on_clean_lorenz(lorenz):
    for method in ("stlsq", "sr3"):
        model = SINDy(method=method, library="poly2").fit(lorenz).model_
        _check(model, LORENZ, 0.01)
        assert model.choices["formulation"] == "strong"


def test_fixed_threshold_is_an_absolute_coefficient_threshold(lorenz):
    est = SINDy(library="poly2", threshold=0.5).fit(lorenz)
    _check(est.model_, LORENZ, 0.005)
    with pytest.warns(DiscoveryWarning, match="z: the empty model wins"):
        est = SINDy(library="poly2", threshold=5.0).fit(lorenz)  # drops every |coefficient| < 5
    assert set(_terms(est.model_)[2]) == set()
    assert est.model_.verdict["causes"] == ["empty_model"] and not est.model_.verdict["ok"]


@pytest.mark.parametrize("name,truth", [
    ("van_der_pol", [{y: 1.0}, {y: 1.0, x: -1.0, x**2 * y: -1.0}]),
    ("duffing", [{sp.Symbol("v"): 1.0}, {sp.Symbol("v"): -0.1, x: -1.0, x**3: -5.0}]),
    ("pendulum", [{sp.Symbol("omega"): 1.0}, {sp.sin(sp.Symbol("theta")): -9.81, sp.Symbol("omega"): -0.25}]),
    ("lotka_volterra", [{x: 1.5, x * y: -1.0}, {y: -3.0, x * y: 1.0}]),
])
def test_standard_systems_at_one_percent_noise_with_defaults(name, truth):
    model = discover(make(name, noise=0.01, seed=5))
    _check(model, truth, 0.03)


def test_multiple_trajectories_and_array_input():
    from sciml.data.ode_systems import ODE_SYSTEMS, simulate_system

    system = ODE_SYSTEMS["van_der_pol"]
    runs = [simulate_system(system, y0=y0, t_end=t_end) for y0, t_end in (((2.0, 0.0), 6.0), ((0.5, 1.0), 4.0))]
    est = SINDy().fit([r.y for r in runs], t=[r.t for r in runs], names=["x", "y"])
    _check(est.model_, [{y: 1.0}, {y: 1.0, x: -1.0, x**2 * y: -1.0}], 0.005)
    assert est.model_.spec.info["data"]["trajectories"] == 2
    stacked = ODEDataset(np.stack([runs[0].t[:401], runs[0].t[:401] + 1]), np.stack([runs[0].y[:401], runs[1].y[:401]]),
                         names=["x", "y"])
    assert len(stacked.trajectories()) == 2
    _check(SINDy().fit(stacked).model_, [{y: 1.0}, {y: 1.0, x: -1.0, x**2 * y: -1.0}], 0.005)


def test_control_inputs_sindyc():
    # a damped oscillator driven by an input: x' = v, v' = -x - 0.2 v + 0.5 f
    import torch

    from sciml.integrate import solve_ivp

    t = np.linspace(0, 30, 3001)
    forcing = lambda s: np.sin(0.7 * s) + 0.5 * np.cos(2.3 * s)  # noqa: E731

    def rhs(s, state):
        f = torch.sin(0.7 * s) + 0.5 * torch.cos(2.3 * s)
        return torch.stack([state[1], -state[0] - 0.2 * state[1] + 0.5 * f])

    sol = solve_ivp(rhs, (0.0, 30.0), torch.tensor([1.0, 0.0], dtype=torch.float64),
                    t_eval=torch.tensor(t), rtol=1e-10, atol=1e-12)
    data = ODEDataset(t, sol.ys.numpy(), names=["x", "v"], u=forcing(t), input_names=["f"])
    model = SINDy(max_degree=2).fit(data).model_
    f, v = sp.symbols("f v")
    _check(model, [{v: 1.0}, {x: -1.0, v: -0.2, f: 0.5}], 0.005)
    assert model.inputs == ["f"]
    sim = model.simulate(data.y[0], t[:500], u=data.u[:500])
    np.testing.assert_allclose(sim, data.y[:500], atol=1e-3)


def test_ensemble_reports_inclusion_and_spread(lorenz):
    noisy = add_noise(lorenz, 0.05, seed=2)
    model = SINDy(method="ensemble", n_models=20).fit(noisy).model_
    _check(model, LORENZ, 0.03)
    unc = model.uncertainties
    assert unc is not None
    for eq in unc:
        for stats in eq.values():
            assert stats["inclusion"] >= 0.5
            assert 0 < stats["std"] < 0.5
    assert "ensemble" in model.choices


def test_predict_and_score(lorenz):
    est = SINDy().fit(lorenz)
    rhs = est.predict(lorenz.y[:5])
    X, Y, Z = lorenz.y[:5].T
    np.testing.assert_allclose(rhs, np.stack([10 * (Y - X), X * (28 - Z) - Y, X * Y - 8 / 3 * Z], 1), rtol=1e-6)
    other = make("lorenz", y0=(1.0, 1.0, 1.0), t_end=3.0)
    assert est.score(other) > 0.99999
