"""Complex fields (NLS), the grown PDE library (cubic reaction terms, 1-D and 2-D) with defaults."""

import numpy as np
import pytest
import sympy as sp

import sciml
from sciml.data import PDEDataset, add_noise, make
from sciml.discovery import discover
from sciml.discovery.report import format_equations, split_terms
from sciml.symbolic.printers import flatten


def _terms(model):
    return [{sp.sstr(term): c for c, term in split_terms(e)} for e in flatten(model.spec).exprs]


def _check(found, truth, rtol):
    assert [set(f) for f in found] == [set(t) for t in truth], found
    for f, t in zip(found, truth):
        for k, v in t.items():
            assert abs(f[k] - v) <= rtol * abs(v), (k, f[k], v)


@pytest.fixture(scope="module")
def nls():
    return make("nls", n=128, nt=101)


def test_nls_complex_field_exact_structure_and_schroedinger_form(nls, tmp_path):
    model = discover(add_noise(nls, 0.01, seed=0))
    _check(_terms(model), [{"psi_xx": 0.5j, "psi**2*conjugate(psi)": 1j}], 0.01)
    assert format_equations(model)[0].startswith("i psi_t = -0.5")
    assert format_equations(model)[0].endswith("|psi|^2 psi")
    assert model.verdict["ok"] and model.terms[0][0]["imaginary"] != 0
    back = sciml.load_model(model.save(tmp_path / "nls.json"))
    assert back.rhs == model.rhs
    sim = back.simulate(nls.fields["psi"][0], nls.t[:11], coords=nls.coords)
    assert sim.fields["psi"].dtype == np.complex128
    assert np.abs(sim.fields["psi"] - nls.fields["psi"][:11]).max() < 1e-2
    with pytest.raises(sciml.InputError, match="real-valued model for C export"):
        back.export("c")


def test_nls_as_two_real_fields_is_found_with_the_default_degree_3(nls):
    pair = PDEDataset(nls.t, nls.coords, {"u": nls.fields["psi"].real, "v": nls.fields["psi"].imag})
    truth = [{"v_xx": -0.5, "u**2*v": -1.0, "v**3": -1.0}, {"u_xx": 0.5, "u**3": 1.0, "u*v**2": 1.0}]
    _check(_terms(discover(pair)), truth, 0.01)


@pytest.mark.parametrize("name,options,truth", [
    ("allen_cahn", {"n": 128, "t_end": 5.0}, [{"u_xx": 0.01, "u": 1.0, "u**3": -1.0}]),
    ("fitzhugh_nagumo", {"t_end": 40.0},
     [{"v_xx": 1.0, "v": 1.0, "v**3": -1.0, "w": -1.0}, {"1": 0.056, "v": 0.08, "w": -0.064}]),
])
def test_cubic_reaction_terms_with_defaults(name, options, truth):
    model = discover(add_noise(make(name, **options), 0.01, seed=1))
    _check(_terms(model), truth, 0.02)
    assert "degree=3" in str(model.choices["library"])


def test_lambda_omega_2d_weak_form_with_defaults():
    data = make("reaction_diffusion", n=32, t_end=4.0)
    truth = [{"u_xx": 0.1, "u_yy": 0.1, "u": 1.0, "u**3": -1.0, "u*v**2": -1.0, "u**2*v": 1.0, "v**3": 1.0},
             {"v_xx": 0.1, "v_yy": 0.1, "v": 1.0, "v**3": -1.0, "u**2*v": -1.0, "u*v**2": -1.0, "u**3": -1.0}]
    _check(_terms(discover(data)), truth, 0.02)


@pytest.mark.slow
def test_gray_scott_2d_with_defaults():
    truth = [{"u_xx": 0.16, "u_yy": 0.16, "u*v**2": -1.0, "1": 0.04, "u": -0.04},
             {"v_xx": 0.08, "v_yy": 0.08, "u*v**2": 1.0, "v": -0.1}]
    _check(_terms(discover(make("gray_scott"))), truth, 0.02)


def test_pde_library_growth_is_bounded_and_explicit_libraries_are_checked():
    from sciml.discovery.candidates import MAX_PDE_TERMS, pde_candidates
    from sciml.discovery.pde_library import library_size

    union, named, notes = pde_candidates("auto", 2, 2)
    assert (union.degree, union.order, len(named), notes) == (3, 4, 12, [])
    assert library_size(2, 2, 3, 4) == 136 and library_size(2, 1, 3, 4) == 46  # NLS: psi and its conjugate
    union, _, notes = pde_candidates("auto", 6, 3)
    assert library_size(6, 3, union.degree, union.order) <= MAX_PDE_TERMS and "reduced" in notes[0]
    with pytest.raises(sciml.InputError, match="terms for 6 field variable"):
        pde_candidates("poly3,order4", 6, 3)
