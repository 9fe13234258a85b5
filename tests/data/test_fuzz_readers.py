"""Fuzzing the data-set readers: any HDF5 or CSV file gives a data set or a DataFormatError naming the file.

HDF5 files start from a valid ``dataset/1`` file (ODE or PDE) and get a few
mutations: a dataset replaced by another dtype or shape, by a group, a
dangling or external link, an empty dataset, or a compressed dataset that
declares far more data than it stores (a decompression bomb); attributes
replaced by values of any type; items deleted. CSV files are drawn as rows
of cells (numbers, junk, quotes, NUL bytes, odd line ends) and as raw bytes.
"""

import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sciml.data import ODEDataset, PDEDataset, load
from sciml.errors import DataFormatError
from tests.fuzzing import DEFAULT_CASES, SLOW_CASES, Record, fuzz_settings, memory_cap

DIR = Path(tempfile.mkdtemp(prefix="sciml_fuzz_data_"))
STRING = h5py.string_dtype()
DTYPES = st.sampled_from([np.float64, np.float32, np.int32, np.uint8, np.bool_, np.complex128, "S4",
                          np.dtype([("a", "f8"), ("b", "i4")])])
ARRAYS = st.one_of(
    hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
               elements=st.floats(allow_nan=True, allow_infinity=True, width=64)),
    st.lists(st.text(max_size=4), min_size=1, max_size=4).map(lambda v: np.array(v, dtype=STRING)),
    st.lists(st.binary(min_size=8, max_size=8), min_size=1, max_size=4).map(
        lambda v: np.array([np.void(b) for b in v])),  # opaque
    st.lists(st.integers(0, 1), min_size=1, max_size=4).map(
        lambda v: np.array(v, dtype=h5py.enum_dtype({"OFF": 0, "ON": 1}, basetype="i1"))),
)
ATTRIBUTES = st.one_of(st.text(max_size=12), st.binary(max_size=8), st.integers(-2**63, 2**63 - 1),
                       st.floats(), st.sampled_from(["dataset/1", "ode", "pde", "dataset/2"]),
                       st.lists(st.text(max_size=4), max_size=4), ARRAYS, st.just("EMPTY"))
PATHS = ["t", "y", "u", "coords", "coords/x", "coords/y", "fields", "fields/u", "fields/v", "extra"]
MUTATIONS = st.one_of(
    st.tuples(st.just("data"), st.sampled_from(PATHS), ARRAYS),
    st.tuples(st.just("group"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("softlink"), st.sampled_from(PATHS), st.sampled_from(["/missing", "/t", "/fields"])),
    st.tuples(st.just("extlink"), st.sampled_from(PATHS), st.sampled_from(["/etc/hostname", "missing.h5"])),
    st.tuples(st.just("empty"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("bomb"), st.sampled_from(PATHS), st.sampled_from([(10**6, 10**4), (10**12,), (2**20, 300)])),
    st.tuples(st.just("attr"), st.sampled_from(["", *PATHS]),
              st.tuples(st.sampled_from(["sciml_format", "kind", "names", "axes", "order", "noise", "seed"]),
                        ATTRIBUTES)),
)


@st.composite
def hdf5_plans(draw):
    kind = draw(st.sampled_from(["ode", "pde"]))
    n = draw(st.integers(2, 8))
    return kind, n, draw(st.lists(MUTATIONS, max_size=3))


def _write_base(fh, kind, n):
    fh.attrs["sciml_format"] = "dataset/1"
    fh.attrs["kind"] = kind
    fh["t"] = np.linspace(0.0, 1.0, n)
    if kind == "ode":
        fh.create_dataset("y", data=np.cos(np.arange(2 * n, dtype=float)).reshape(n, 2))
        fh["y"].attrs.create("names", ["a", "b"], dtype=STRING)
        return
    coords = fh.create_group("coords")
    coords["x"] = np.linspace(0.0, 1.0, 5)
    coords.attrs.create("axes", ["x"], dtype=STRING)
    fields = fh.create_group("fields")
    fields["u"] = np.sin(np.arange(5 * n, dtype=float)).reshape(n, 5)
    fields.attrs.create("order", ["u"], dtype=STRING)


def _apply(fh, op, path, value):
    if op == "attr":
        name, attr = value
        node = fh if path == "" else fh.get(path)
        if node is not None:
            node.attrs[name] = h5py.Empty("f8") if isinstance(attr, str) and attr == "EMPTY" else attr
        return
    if path in fh or fh.get(path, getlink=True) is not None:
        del fh[path]
    parent = path.rpartition("/")[0]
    if parent and parent not in fh:
        fh.create_group(parent)
    if op == "data":
        fh[path] = value
    elif op == "group":
        fh.create_group(path)
    elif op == "softlink":
        fh[path] = h5py.SoftLink(value)
    elif op == "extlink":
        fh[path] = h5py.ExternalLink(value, "/t")
    elif op == "empty":
        fh.create_dataset(path, data=h5py.Empty("f8"))
    elif op == "bomb":
        fh.create_dataset(path, shape=value, dtype="f8", chunks=True, compression="gzip", fillvalue=1.0)


def _make_hdf5(plan, path):
    kind, n, mutations = plan
    with h5py.File(path, "w") as fh:
        _write_base(fh, kind, n)
        for op, where, value in mutations:
            try:
                _apply(fh, op, where, value)
            except (TypeError, ValueError, OSError, KeyError, RuntimeError):  # h5py cannot store this: skip
                pass


CELLS = st.one_of(st.floats().map(repr), st.integers().map(str), st.sampled_from(
    ["", " ", "nan", "inf", "-inf", "1_000", "1e999", "0x10", "1,5", '"1"', '"', "a", "t", "x", "\x00", "é",
     "1" * 5000, "  2.5 ", "None", "True"]))
HEADERS = st.lists(st.one_of(st.sampled_from(["t", "x", "y", "", "1x", "x y", "t", "lambda", "é", '"q"']),
                             st.from_regex(r"[a-z]{1,4}", fullmatch=True)), min_size=0, max_size=5)


def _rarely(draw) -> bool:
    return draw(st.sampled_from([False] * 4 + [True]))


@st.composite
def csv_files(draw):
    """A valid CSV file (increasing times, finite values) with now and then a cell, row or byte broken."""
    if _rarely(draw) and _rarely(draw):
        return draw(st.binary(max_size=300))
    names = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,3}", fullmatch=True), min_size=1, max_size=4,
                          unique=True))
    header = [draw(st.sampled_from(["t", "time", ""]))] + names
    times = sorted(set(draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=12))))
    rows = [[repr(t)] + [repr(draw(st.floats(-1e6, 1e6))) for _ in names] for t in times]
    for _ in range(draw(st.integers(0, 2)) if _rarely(draw) else 0):
        table = [header, *rows]
        i = draw(st.integers(0, len(table) - 1))
        op = draw(st.sampled_from(["cell", "drop", "add", "header"]))
        if op == "cell" and table[i]:
            table[i][draw(st.integers(0, len(table[i]) - 1))] = draw(CELLS)
        elif op == "drop" and len(table[i]) > 1:
            table[i].pop()
        elif op == "add":
            table[i].append(draw(CELLS))
        else:
            table[0] = draw(HEADERS)
        header, rows = table[0], table[1:]
    sep = "," if not _rarely(draw) else draw(st.sampled_from([";", "\t", ", "]))
    end = "\n" if not _rarely(draw) else draw(st.sampled_from(["\r\n", "\r", "\n\n"]))
    text = end.join(sep.join(r) for r in [header, *rows])
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode("utf-8", "surrogatepass")


def _load(record, data_path, description):
    with record.case(description) as outcome:
        try:
            data = load(data_path)
        except DataFormatError as exc:
            assert str(data_path) in str(exc), exc
            outcome("DataFormatError")
            return
        assert isinstance(data, (ODEDataset, PDEDataset))


def _run_hdf5(cases, run):
    record = Record("dataset reader (HDF5)")
    path = DIR / "data.h5"

    @fuzz_settings(cases)
    @given(hdf5_plans())
    def fuzz(plan):
        _make_hdf5(plan, path)
        _load(record, path, plan)

    with memory_cap():
        fuzz()
    print(record.report(run))
    assert record.count >= cases


def _run_csv(cases, run):
    record = Record("dataset reader (CSV)")
    path = DIR / "data.csv"

    @fuzz_settings(cases)
    @given(csv_files())
    def fuzz(data):
        path.write_bytes(data)
        _load(record, path, data)

    with memory_cap():
        fuzz()
    print(record.report(run))
    assert record.count >= cases


def test_fuzz_hdf5():
    _run_hdf5(DEFAULT_CASES, "default")


def test_fuzz_csv():
    _run_csv(DEFAULT_CASES, "default")


@pytest.mark.slow
def test_fuzz_hdf5_slow():
    _run_hdf5(SLOW_CASES, "slow")


@pytest.mark.slow
def test_fuzz_csv_slow():
    _run_csv(SLOW_CASES, "slow")
