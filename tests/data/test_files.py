import h5py
import numpy as np
import pytest

from sciml.data import ODEDataset, PDEDataset, load, save
from sciml.errors import DataFormatError, InputError


def _ode(ntraj=None, inputs=False):
    t = np.linspace(0, 1, 11)
    y = np.stack([np.sin(t), np.cos(t)], axis=1)
    u = t[:, None] ** 2 if inputs else None
    if ntraj:
        t = np.stack([t + i for i in range(ntraj)])
        y = np.stack([y * (i + 1) for i in range(ntraj)])
        u = None if u is None else np.stack([u] * ntraj)
    return ODEDataset(t, y, names=["p", "q"], u=u, input_names=["f"] if inputs else None,
                      attrs={"noise": 0.01, "source": "test", "true_equations": ["p' = q", "q' = -p"]})


def _pde2d():
    t = np.linspace(0, 1, 4)
    x, y = np.linspace(0, 1, 5), np.linspace(0, 2, 3)
    u = np.random.default_rng(0).standard_normal((4, 5, 3))
    return PDEDataset(t, {"x": x, "y": y}, {"u": u, "v": 2 * u}, attrs={"noise": 0.0})


@pytest.mark.parametrize("data", [_ode(), _ode(ntraj=3), _ode(inputs=True), _pde2d()], ids=str)
def test_hdf5_round_trip_is_exact(tmp_path, data):
    path = save(data, tmp_path / "d.h5")
    back = load(path)
    assert back.kind == data.kind
    np.testing.assert_array_equal(back.t, data.t)
    if data.kind == "ode":
        np.testing.assert_array_equal(back.y, data.y)
        assert back.names == data.names
        assert back.input_names == data.input_names
        if data.u is not None:
            np.testing.assert_array_equal(back.u, data.u)
        assert back.attrs["true_equations"] == data.attrs["true_equations"]
        assert back.attrs["noise"] == 0.01
    else:
        assert list(back.coords) == ["x", "y"]  # axis order kept
        assert list(back.fields) == ["u", "v"]
        np.testing.assert_array_equal(back.fields["v"], data.fields["v"])
    assert [p.name for p in tmp_path.iterdir()] == ["d.h5"]  # no temporary file left behind


def test_csv_round_trip(tmp_path):
    data = _ode()
    data = ODEDataset(data.t, data.y, names=data.names)
    back = load(save(data, tmp_path / "d.csv"))
    np.testing.assert_array_equal(back.y, data.y)
    assert back.names == ["p", "q"]


def test_csv_refuses_what_it_cannot_hold(tmp_path):
    with pytest.raises(InputError, match="dataset"):
        save(_ode(inputs=True), tmp_path / "d.csv")
    with pytest.raises(InputError, match="path"):
        save(_ode(), tmp_path / "d.txt")


def _write(path, build):
    with h5py.File(path, "w") as fh:
        build(fh)
    return path


def _valid_ode(fh):
    fh.attrs["sciml_format"] = "dataset/1"
    fh.attrs["kind"] = "ode"
    fh["t"] = np.linspace(0, 1, 5)
    fh["y"] = np.ones((5, 2))


BAD_FILES = {
    "not ours": (lambda fh: fh.create_dataset("t", data=np.arange(3.0)), "not a sciml data set"),
    "wrong version": (lambda fh: (_valid_ode(fh), fh.attrs.__setitem__("sciml_format", "dataset/9")),
                      "sciml_format"),
    "bad kind": (lambda fh: (_valid_ode(fh), fh.attrs.__setitem__("kind", "sde")), "kind"),
    "missing t": (lambda fh: (_valid_ode(fh), fh.__delitem__("t")), "dataset 't'"),
    "missing y": (lambda fh: (_valid_ode(fh), fh.__delitem__("y")), "dataset 'y'"),
    "wrong y shape": (lambda fh: (_valid_ode(fh), fh.__delitem__("y"), fh.create_dataset("y", data=np.ones((4, 2)))),
                      "y: expected an array of shape"),
    "nan": (lambda fh: (_valid_ode(fh), fh["y"].__setitem__((2, 1), np.nan)), "NaN"),
    "inf in t": (lambda fh: (_valid_ode(fh), fh["t"].__setitem__(4, np.inf)), "t: expected finite"),
    "non-monotone t": (lambda fh: (_valid_ode(fh), fh["t"].__setitem__(3, 0.1)), "strictly increasing"),
    "bad names": (lambda fh: (_valid_ode(fh), fh["y"].attrs.__setitem__("names", ["a"])), "names"),
    "bad inputs": (lambda fh: (_valid_ode(fh), fh.create_dataset("u", data=np.ones(3))), "u: expected"),
    "pde without fields": (lambda fh: (fh.attrs.update({"sciml_format": "dataset/1", "kind": "pde"}),
                                       fh.create_dataset("t", data=np.arange(3.0)),
                                       fh.create_group("coords").create_dataset("x", data=np.arange(4.0))),
                           "group 'fields'"),
    "pde field shape": (lambda fh: (fh.attrs.update({"sciml_format": "dataset/1", "kind": "pde"}),
                                    fh.create_dataset("t", data=np.arange(3.0)),
                                    fh.create_group("coords").create_dataset("x", data=np.arange(4.0)),
                                    fh.create_group("fields").create_dataset("u", data=np.ones((3, 5)))),
                        "fields/u"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_hdf5_files_raise_one_clear_error(tmp_path, case):
    build, message = BAD_FILES[case]
    path = _write(tmp_path / "bad.h5", build)
    with pytest.raises(DataFormatError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_not_hdf5_and_missing_and_bad_csv(tmp_path):
    (tmp_path / "junk.h5").write_bytes(b"this is not HDF5")
    with pytest.raises(DataFormatError, match="not a readable HDF5 file"):
        load(tmp_path / "junk.h5")
    with pytest.raises(DataFormatError, match="no such file"):
        load(tmp_path / "absent.h5")
    (tmp_path / "bad.csv").write_text("t,x\n0,1\n1,abc\n2,3\n")
    with pytest.raises(DataFormatError, match="line 3"):
        load(tmp_path / "bad.csv")
    (tmp_path / "back.csv").write_text("t,x\n0,1\n2,1\n1,3\n")
    with pytest.raises(DataFormatError, match="strictly increasing"):
        load(tmp_path / "back.csv")


def test_axis_order_inferred_from_field_shape_without_axes_attribute(tmp_path):
    def build(fh):
        fh.attrs.update({"sciml_format": "dataset/1", "kind": "pde"})
        fh["t"] = np.arange(3.0)
        coords = fh.create_group("coords")
        coords["a"] = np.arange(4.0)  # stored alphabetically, but the field says (y=2 points, a=4 points)
        coords["b"] = np.arange(2.0)
        fh.create_group("fields")["u"] = np.zeros((3, 2, 4))

    data = load(_write(tmp_path / "x.h5", build))
    assert list(data.coords) == ["b", "a"]


def test_dataset_arguments_are_validated():
    with pytest.raises(InputError, match="y"):
        ODEDataset(np.arange(5.0), np.ones((4, 2)))
    with pytest.raises(InputError, match="names"):
        ODEDataset(np.arange(5.0), np.ones((5, 2)), names=["x", "x"])
    with pytest.raises(InputError, match="input_names"):
        ODEDataset(np.arange(5.0), np.ones((5, 1)), names=["x"], u=np.ones(5), input_names=["x"])
    with pytest.raises(InputError, match="fields/u"):
        PDEDataset(np.arange(3.0), {"x": np.arange(4.0)}, {"u": np.ones((3, 5))})
    with pytest.raises(InputError, match="coords/x"):
        PDEDataset(np.arange(3.0), {"x": np.array([0.0, 2.0, 1.0])}, {"u": np.ones((3, 3))})


def _h5(path, kind="pde", t=None, field=None, y=None):
    with h5py.File(path, "w") as f:
        f.attrs["sciml_format"] = "dataset/1"
        f.attrs["kind"] = kind
        f["t"] = np.linspace(0, 1, 4) if t is None else t
        if kind == "pde":
            f.create_group("coords")["x"] = np.linspace(0, 1, 5)
            f.create_group("fields")["psi"] = field
        else:
            f["y"] = y
    return path


def test_complex_fields_round_trip_and_other_tools_compounds(tmp_path):
    t, x = np.linspace(0, 1, 4), np.linspace(0, 1, 5)
    psi = np.exp(1j * (x[None] - t[:, None])) * (1 + t[:, None])
    data = PDEDataset(t, {"x": x}, {"psi": psi})
    back = load(save(data, tmp_path / "c.h5"))
    assert back.fields["psi"].dtype == np.complex128
    np.testing.assert_array_equal(back.fields["psi"], psi)
    # MATLAB/Julia style compound (real, imag) members are complex too
    record = np.empty(psi.shape, dtype=[("real", "<f8"), ("imag", "<f8")])
    record["real"], record["imag"] = psi.real, psi.imag
    np.testing.assert_array_equal(load(_h5(tmp_path / "m.h5", field=record)).fields["psi"], psi)


@pytest.mark.parametrize("case", ["complex_t", "complex_y", "text_field", "text_y", "record_field"])
def test_complex_where_real_is_needed_and_text_data_name_the_dtype(tmp_path, case):
    p = tmp_path / f"{case}.h5"
    good = np.ones((4, 5))
    if case == "complex_t":
        _h5(p, t=np.linspace(0, 1, 4) + 1j, field=good)
        match = "'t'|t: expected real values, got complex"
    elif case == "complex_y":
        _h5(p, kind="ode", y=np.ones((4, 2)) * (1 + 1j))
        match = "y: expected real values, got complex values.*two states"
    elif case == "text_field":
        _h5(p, field=np.array([["a"] * 5] * 4, dtype="S1"))
        match = r"fields/psi: expected a numeric array \(real or complex\), got text \(dtype \|S1"
    elif case == "text_y":
        _h5(p, kind="ode", y=np.array([["1.0", "x"]] * 4, dtype=h5py.string_dtype()))
        match = r"y: expected a numeric array \(real\), got text \(variable-length strings, e.g. b'1.0'\)"
    else:
        _h5(p, field=np.zeros((4, 5), dtype=[("a", "<f8"), ("b", "<i4")]))
        match = r"fields/psi: expected a numeric array.*records with fields \('a', 'b'\)"
    with pytest.raises(DataFormatError, match=match) as info:
        load(p)
    assert str(p) in str(info.value)


def test_in_memory_complex_and_text_are_input_errors():
    with pytest.raises(InputError, match="y: expected real values, got complex"):
        ODEDataset(np.arange(3.0), np.ones(3) * 1j)
    with pytest.raises(InputError, match="got text"):
        ODEDataset(np.arange(3.0), np.array(["a", "b", "c"]))
    with pytest.raises(InputError, match="coords/x: expected real values"):
        PDEDataset(np.arange(3.0), {"x": np.arange(4.0) * 1j}, {"u": np.ones((3, 4))})
