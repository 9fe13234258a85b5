import numpy as np
import pysindy as ps
import pytest
import sympy as sp

from sciml.discovery import SR3, STLSQ, CustomLibrary, FourierLibrary, PolynomialLibrary, differentiate
from sciml.discovery.library import evaluate_terms
from sciml.discovery.pde_library import PDELibrary
from sciml.discovery.test_functions import bump, corner_wavenumber
from sciml.discovery.weak import WeakODE, WeakPDE
from sciml.errors import InputError

x, y = sp.symbols("x y")


def test_libraries_build_sympy_terms_and_evaluate_in_one_call():
    poly = PolynomialLibrary(2)
    assert poly.terms([x, y]) == [1, x, y, x**2, x * y, y**2]
    lib = poly + FourierLibrary(1) + CustomLibrary(["exp(-x)", "x*y"])  # x*y is dropped as a repeat
    terms = lib.terms([x, y])
    assert terms[-3:] == [sp.cos(y), sp.exp(-x)] or sp.exp(-x) in terms
    assert len(terms) == len(set(terms)) == 11
    values = np.array([[0.5, 2.0], [1.5, -1.0]])
    out = evaluate_terms(terms, [x, y], values)
    expected = np.array([[float(tm.subs({x: a, y: b})) for tm in terms] for a, b in values])
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    assert (PolynomialLibrary(1) * PolynomialLibrary(1)).terms([x]) == [1, x, x**2]
    with pytest.raises(InputError, match="degree"):
        PolynomialLibrary(0)
    with pytest.raises(InputError, match="expressions"):
        CustomLibrary(["os.system('true')"]).terms([x])


def test_pde_library_weak_and_strong_terms():
    X, T = sp.symbols("x t")
    u = sp.Function("u")(X, T)
    lib = PDELibrary(degree=2, order=2)
    weak = [term for term, _ in lib.weak_terms([u], [X])]
    assert sp.Derivative(u**2, X) in weak and sp.Derivative(u, (X, 2)) in weak and len(weak) == 7
    strong = lib.strong_terms([u], [X])
    assert u * u.diff(X) in strong and u**2 * u.diff(X, 2) in strong


def test_derivative_methods_on_noisy_and_clean_sines():
    t = np.linspace(0, 2 * np.pi, 401)
    f = np.sin(t)
    for method, tol in (("fd", 1e-3), ("savgol", 1e-3), ("tv", 5e-2)):
        d = differentiate(f, t, method=method)
        assert np.abs(d - np.cos(t))[20:-20].max() < tol, method
    periodic = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    d2 = differentiate(np.sin(periodic), periodic, method="spectral", order=2)
    np.testing.assert_allclose(d2, -np.sin(periodic), atol=1e-10)
    noisy = f + 0.01 * np.random.default_rng(0).standard_normal(len(t))
    err_tv = np.abs(differentiate(noisy, t, method="tv") - np.cos(t))[20:-20].mean()
    err_fd = np.abs(differentiate(noisy, t, method="fd") - np.cos(t))[20:-20].mean()
    assert err_tv < err_fd / 5
    with pytest.raises(InputError, match="method"):
        differentiate(f, t, method="magic")


def test_weak_form_integration_by_parts_is_exact_for_smooth_data():
    t = np.linspace(0, 4, 801)
    y = np.stack([np.sin(2 * t), np.exp(-t)], axis=1)
    dy = np.stack([2 * np.cos(2 * t), -np.exp(-t)], axis=1)
    w = WeakODE(t, y, radius=40)
    np.testing.assert_allclose(w.target(y), w.project(dy), atol=1e-9)
    x = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    tt = np.linspace(0, 1, 60)
    u = np.sin(x)[None, :] * np.exp(-tt)[:, None]
    wp = WeakPDE(tt, [x], [u], max_order=2, radii=[10, 20])
    # u_t = u_xx for this u: the weak integrals agree
    lhs = wp.target(u)
    np.testing.assert_allclose(lhs, wp.project(u, (2,)), atol=1e-5 * np.abs(lhs).max())


def test_bump_and_corner():
    b = bump(10, 4, 0.1, 1)
    assert b.shape == (21,) and abs(b[0]) < 1e-12 and abs(b[-1]) < 1e-12
    t = np.linspace(0, 10, 2001)
    clean = np.sin(t) + 0.5 * np.sin(3 * t)
    noisy = clean + 0.05 * np.random.default_rng(1).standard_normal(len(t))
    assert corner_wavenumber(noisy) < 40  # the corner sits near the signal's band, far below 1000


def test_stlsq_matches_pysindy_and_sr3_recovers_support():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((200, 8))
    w = np.array([0, 1.5, 0, 0, -2.0, 0, 0.7, 0])
    b = G @ w + 0.01 * rng.standard_normal(200)
    ours = STLSQ(threshold=0.1).fit(G, b).coef_[:, 0]
    theirs = ps.STLSQ(threshold=0.1, alpha=0.0).fit(G, b).coef_[0]
    np.testing.assert_allclose(ours, theirs, atol=1e-10)
    np.testing.assert_array_equal(ours != 0, w != 0)
    sr3 = SR3(threshold=0.1).fit(G, b).coef_[:, 0]
    np.testing.assert_array_equal(sr3 != 0, w != 0)
    with pytest.raises(InputError, match="threshold"):
        STLSQ(threshold=-1).fit(G, b)
    with pytest.raises(InputError, match="B"):
        STLSQ().fit(G, b[:10])


@pytest.mark.parametrize("uniform", [True, False])
def test_finite_differences_match_pysindy(uniform):
    from sciml.discovery.finite_differences import finite_difference

    rng = np.random.default_rng(3)
    t = np.linspace(0, 3, 40) if uniform else np.sort(rng.uniform(0, 3, 40))
    x = rng.standard_normal((40, 3))
    for d in (1, 2, 3, 4):
        theirs = ps.FiniteDifference(order=2, d=d, axis=0)._differentiate(x, t)
        np.testing.assert_allclose(finite_difference(x, t, d), theirs, rtol=1e-9, atol=1e-9 * np.abs(theirs).max())
    smoothed = ps.SmoothedFiniteDifference(axis=0)._differentiate(x, t) if uniform else None
    if uniform:
        np.testing.assert_allclose(differentiate(x, t, "savgol"), smoothed, rtol=1e-9, atol=1e-9)


def test_spectral_derivative_matches_pysindy_and_complex_data_differentiate():
    rng = np.random.default_rng(4)
    for n in (32, 33):
        g = np.linspace(0, 2 * np.pi, n, endpoint=False)
        x = rng.standard_normal((n, 2))
        for d in (1, 2, 3):
            theirs = ps.SpectralDerivative(d=d, axis=0)._differentiate(x, g)
            np.testing.assert_allclose(differentiate(x, g, "spectral", order=d), theirs, atol=1e-9)
    t = np.linspace(0, 1, 50)
    z = np.exp(2j * t)
    np.testing.assert_allclose(differentiate(z, t, "fd")[5:-5], 2j * z[5:-5], atol=1e-3)


def test_sr3_matches_pysindy():
    from sciml.discovery.sr3 import sr3_l0

    rng = np.random.default_rng(5)
    G = rng.standard_normal((100, 10))
    b = G @ np.array([0, 1.0, 0, 0.3, 0, 0, -0.8, 0, 0, 0.05]) + 0.05 * rng.standard_normal(100)
    for threshold in (0.02, 0.1, 0.5):
        opt = ps.SR3(reg_weight_lam=threshold**2 / 2, regularizer="L0", relax_coeff_nu=1.0, max_iter=100, tol=1e-8,
                     unbias=False).fit(G, b)
        np.testing.assert_allclose(sr3_l0(G, b)(threshold), np.ravel(opt.coef_), atol=1e-10)


def test_term_labels_are_short():
    from sciml.discovery.report import format_number, term_label

    X, T = sp.symbols("x t")
    u = sp.Function("u")(X, T)
    assert [term_label(e) for e in (u.diff(X, 2), sp.Derivative(u**2, X), x**2 * y, sp.sin(x), sp.Integer(1))] == \
        ["u_xx", "(u^2)_x", "x^2 y", "sin(x)", "1"]
    assert [format_number(v) for v in (10.0, 2.6666, 0.1, -0.99991)] == ["10.00", "2.667", "0.1000", "-0.9999"]


def test_discovery_needs_no_pysindy_at_run_time():
    import subprocess
    import sys

    code = ("import sys; sys.modules['pysindy'] = None\n"
            "import numpy as np\n"
            "from sciml.discovery import SINDy, differentiate\n"
            "t = np.linspace(0, 4, 401); y = np.stack([np.exp(-t), np.exp(-2 * t)], 1)\n"
            "for m in ('sr3', 'stlsq'):\n"
            "    SINDy(method=m, library='poly1', stability_check=False).fit(y, t=t)\n"
            "differentiate(np.sin(t), t, 'spectral')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
