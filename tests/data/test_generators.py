import numpy as np
import pytest
import sympy as sp

from sciml.data import GENERATORS, add_noise, make
from sciml.data.spectral import etdrk4, spectral_derivative, wavenumbers
from sciml.errors import InputError


def test_every_generator_is_registered_with_a_kind():
    assert {"lorenz", "lotka_volterra", "van_der_pol", "duffing", "pendulum", "burgers", "kdv",
            "kuramoto_sivashinsky", "reaction_diffusion"} <= set(GENERATORS)
    assert all(kind in ("ode", "pde") for kind, _, _ in GENERATORS.values())


@pytest.mark.parametrize("name", ["lorenz", "lotka_volterra", "van_der_pol", "duffing", "pendulum"])
def test_ode_generators_follow_their_equations(name):
    from sciml.data.ode_systems import ODE_SYSTEMS

    data = make(name, t_end=1.0)
    system = ODE_SYSTEMS[name]
    # the sampled trajectory satisfies y' = f(y): compare a 4th-order central difference with f
    f = sp.lambdify(system.symbols, list(system.rhs), "numpy")
    h = data.t[1] - data.t[0]
    y = data.y
    dy = (-y[4:] + 8 * y[3:-1] - 8 * y[1:-3] + y[:-4]) / (12 * h)
    rhs = np.stack([np.broadcast_to(v, (len(y),)) for v in f(*y.T)], axis=1)[2:-2]
    np.testing.assert_allclose(dy, rhs, atol=1e-6 * np.abs(rhs).max() + 1e-8)
    np.testing.assert_array_equal(data.y[0], system.y0)
    assert data.names == list(system.names)


def test_lorenz_follows_the_published_grid():
    data = make("lorenz")
    assert data.y.shape == (5001, 3)
    assert data.t[1] - data.t[0] == pytest.approx(0.002)
    np.testing.assert_array_equal(data.y[0], [-8.0, 8.0, 27.0])


def test_noise_is_deterministic_by_seed_and_scaled_per_state():
    clean = make("van_der_pol", t_end=5.0)
    a = add_noise(clean, 0.1, seed=3)
    b = add_noise(clean, 0.1, seed=3)
    c = add_noise(clean, 0.1, seed=4)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y)
    ratio = (a.y - clean.y).std(axis=0) / clean.y.std(axis=0)
    np.testing.assert_allclose(ratio, 0.1, rtol=0.1)
    assert a.attrs["noise"] == 0.1 and a.attrs["seed"] == 3
    with pytest.raises(InputError, match="level"):
        add_noise(clean, -1.0)


def test_kdv_scheme_moves_a_soliton_exactly():
    # one soliton (c/2) sech^2(sqrt(c)/2 (x - c t - a)) is an exact solution of u_t = -6 u u_x - u_xxx
    from sciml.data.pde_systems import _solve_1d

    x = np.linspace(-30, 30, 256, endpoint=False)
    t = np.linspace(0, 4, 21)
    exact = [0.5 / np.cosh(0.5 * (x - s + 10)) ** 2 for s in t]
    u = _solve_1d(x, t, exact[0], lambda k: 1j * k**3, -3.0, 40, None)
    np.testing.assert_allclose(u, np.array(exact), atol=1e-6)


def test_burgers_conserves_mass_and_decays():
    data = make("burgers", t_end=2.0)
    mass = data.fields["u"].sum(axis=1)
    np.testing.assert_allclose(mass, mass[0], rtol=1e-10)
    assert data.fields["u"].shape == (21, 256)
    assert data.fields["u"].max(axis=1)[-1] < data.fields["u"].max(axis=1)[0]


def test_kuramoto_sivashinsky_and_reaction_diffusion_small_grids():
    ks = make("kuramoto_sivashinsky", n=128, t_end=8.0)
    assert ks.fields["u"].shape == (21, 128)
    assert np.isfinite(ks.fields["u"]).all()
    rd = make("reaction_diffusion", n=32, t_end=0.5)
    assert set(rd.fields) == {"u", "v"} and rd.fields["u"].shape == (11, 32, 32)
    # lambda-omega keeps the amplitude near the limit cycle |A| = 1 away from the spiral core
    amp = np.sqrt(rd.fields["u"][-1] ** 2 + rd.fields["v"][-1] ** 2)
    assert 0.5 < np.median(amp) < 1.1


def test_spectral_pieces():
    x = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    np.testing.assert_allclose(spectral_derivative(np.sin(3 * x), 2 * np.pi, 2), -9 * np.sin(3 * x), atol=1e-10)
    k = wavenumbers(64, 2 * np.pi, real=True)
    # purely linear problem: ETDRK4 is exact for u_t = -k^2 u
    v0 = np.fft.rfft(np.sin(x) + np.cos(5 * x))
    out = etdrk4(-(k**2), lambda v: 0 * v, v0, 0.1, 10, 10)
    np.testing.assert_allclose(np.fft.irfft(out[-1], 64), np.exp(-1) * np.sin(x) + np.exp(-25) * np.cos(5 * x),
                               atol=1e-12)


def test_make_rejects_unknown_names_and_options():
    with pytest.raises(InputError, match="name"):
        make("lorentz")
    with pytest.raises(InputError, match="options"):
        make("lorenz", grid=3)
