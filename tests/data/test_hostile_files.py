"""Data files that try to exhaust memory or reach outside the file end as DataFormatError, quickly."""

import math

import h5py
import numpy as np
import pytest

from sciml.data import load
from sciml.errors import DataFormatError
from tests.fuzzing import memory_cap


def _ode_file(path, build):
    with h5py.File(path, "w") as fh:
        fh.attrs["sciml_format"] = "dataset/1"
        fh.attrs["kind"] = "ode"
        fh["t"] = np.linspace(0, 1, 5)
        build(fh)
    return path


CASES = {
    # 8 TB declared, a few KB stored
    "bomb": (lambda fh: fh.create_dataset("y", shape=(10**12,), dtype="f8", chunks=(10**6,), compression="gzip",
                                          fillvalue=1.0), "decompression bomb"),
    "2 GB of fill": (lambda fh: fh.create_dataset("y", shape=(2**28,), dtype="f8", chunks=(2**20,),
                                                  compression="gzip", fillvalue=0.0), "decompression bomb"),
    "soft link loop": (lambda fh: fh.__setitem__("y", h5py.SoftLink("/y")), "SoftLink"),
    "dangling link": (lambda fh: fh.__setitem__("y", h5py.SoftLink("/nowhere")), "SoftLink"),
    "external link": (lambda fh: fh.__setitem__("y", h5py.ExternalLink("/etc/hostname", "/")), "ExternalLink"),
    "external storage": (lambda fh: fh.create_dataset("y", shape=(5, 1), dtype="f8",
                                                      external=[("/dev/zero", 0, 40)]), "external"),
    "no dataspace": (lambda fh: fh.create_dataset("y", data=h5py.Empty("f8")), "empty dataset"),
    "opaque": (lambda fh: fh.__setitem__("y", np.array([np.void(b"12345678")] * 5)), "raw bytes"),
    "compound": (lambda fh: fh.__setitem__("y", np.zeros(5, dtype=[("a", "f8"), ("b", "i4")])), "records"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_hdf5_files(tmp_path, case):
    build, message = CASES[case]
    path = _ode_file(tmp_path / "hostile.h5", build)
    with memory_cap(512 * 1024**2), pytest.raises(DataFormatError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_a_large_csv_is_read_in_blocks(tmp_path):
    n = 20_000  # several blocks of rows
    t = np.arange(n) * 0.01
    path = tmp_path / "big.csv"
    path.write_text("t,x,y\n" + "\n".join(f"{a!r},{math.sin(a)!r},{math.cos(a)!r}" for a in t.tolist()) + "\n")
    data = load(path)
    assert data.y.shape == (n, 2) and data.names == ["x", "y"]
    np.testing.assert_array_equal(data.t, t)
    np.testing.assert_allclose(data.y[:, 0], np.sin(t), rtol=0, atol=0)
