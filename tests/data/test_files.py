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
