"""Wide, complex and text data: bounded work and clear messages (issue 18's discovery rows)."""

import numpy as np
import pytest

from sciml.data import ODEDataset, PDEDataset
from sciml.discovery import SINDy
from sciml.errors import DataFormatError, DiscoveryWarning, InputError


def _smooth_wide(n_states=200, n_samples=1000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 10, n_samples)
    freqs = rng.uniform(0.2, 1.0, n_states)
    return t, np.sin(np.outer(t, freqs) + rng.uniform(0, 6, n_states))


def test_200_states_refuse_with_the_estimate_instead_of_building_a_million_terms():
    t, y = _smooth_wide()
    with pytest.raises(InputError, match=r"201 terms in the smallest automatic candidate \(poly1\) for 200 "
                                         r"variables.*pass a smaller library"):
        SINDy().fit(y, t=t)
    with pytest.raises(InputError, match="poly3 with 1373701 terms for 200 variables"):
        SINDy(library="poly3").fit(y, t=t)


def test_a_library_too_big_for_the_data_is_reduced_automatically_and_terms_stay_light():
    rng = np.random.default_rng(1)
    t = np.linspace(0, 10, 1000)
    y = np.cumsum(rng.standard_normal((1000, 12)) * 0.05, axis=0)  # rough: many regression rows
    with pytest.warns(DiscoveryWarning):
        est = SINDy(stability_check=False).fit(y, t=t)
    notes = " ".join(est.model_.choices["notes"])
    assert "poly3 skipped" in notes or "poly3, poly3+fourier1 skipped" in notes
    assert "455" in notes  # the estimate of the dropped candidate is printed
    assert len(est.terms_) >= 91 and len(est.terms_._exprs) <= sum(est.model_.scores["n_terms"])


def test_complex_states_are_never_cast_to_real():
    t = np.linspace(0, 1, 50)
    with pytest.raises(InputError, match="complex values"):
        SINDy().fit(np.exp(1j * t)[:, None], t=t)
    x = np.linspace(0, 1, 16, endpoint=False)
    psi = np.exp(2j * np.pi * (x[None] - t[:, None]))
    data = PDEDataset(t, {"x": x}, {"psi": psi})
    assert data.fields["psi"].dtype == np.complex128
    with pytest.raises(InputError, match="weak form .* for complex fields"):
        SINDy(method="stlsq").fit(data)


def test_text_data_say_the_dtype_found_and_what_is_expected(tmp_path):
    import h5py

    from sciml.data import load

    with pytest.raises(InputError, match=r"y: expected a numeric array \(real\), got text \(dtype <U3"):
        SINDy().fit(np.array([["1.0", "abc"]] * 20), t=np.arange(20.0))
    path = tmp_path / "text.h5"
    with h5py.File(path, "w") as f:
        f.attrs["sciml_format"] = "dataset/1"
        f.attrs["kind"] = "ode"
        f["t"] = np.arange(5.0)
        f["y"] = np.array([b"a", b"b", b"c", b"d", b"e"])
    with pytest.raises(DataFormatError, match=r"y: expected a numeric array \(real\), got text \(dtype \|S1"):
        load(path)
    assert ODEDataset(np.arange(3.0), np.array([1, 2, 3], dtype=np.int32)).y.dtype == np.float64
