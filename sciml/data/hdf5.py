"""The ``dataset/1`` HDF5 format (see docs/data-format.md): reader and atomic writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sciml.atomic import atomic_path
from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.errors import DataFormatError

__all__ = ["FORMAT", "read_hdf5", "write_hdf5"]

FORMAT = "dataset/1"
_OPTIONAL_ATTRS = ("noise", "source", "true_equations", "seed", "description")


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OSU":
            return [_decode(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


#: compound member names other tools use for complex numbers (h5py itself maps ("r", "i") to complex)
_COMPLEX_MEMBERS = (("r", "i"), ("re", "im"), ("real", "imag"), ("real", "imaginary"))


def _values(node) -> np.ndarray:
    """The data of an HDF5 dataset; a two-member real/imaginary compound becomes complex."""
    a = node[()]
    names = getattr(getattr(a, "dtype", None), "names", None)
    if names and tuple(n.lower() for n in names) in _COMPLEX_MEMBERS:
        re, im = (a[n] for n in names)
        if re.dtype.kind in "iuf" and im.dtype.kind in "iuf":
            return re.astype(np.float64) + 1j * im.astype(np.float64)
    return a


MAX_EXPANSION = 1000  # declared bytes per stored byte above which a dataset is not read…
MIN_SUSPECT_BYTES = 256 * 1024**2  # …once it declares more than this


def _attrs(node, item: str, fail) -> dict:
    try:
        return {k: _decode(v) for k, v in node.attrs.items() if k not in ("sciml_format", "kind", "names", "axes")}
    except (OSError, TypeError, ValueError, KeyError, RuntimeError) as exc:
        fail(f"attributes of {item}", "attributes h5py can read", f"{type(exc).__name__}: {exc}")


def _attr(node, name: str, item: str, fail):
    try:
        return _decode(node.attrs.get(name))
    except (OSError, TypeError, ValueError, KeyError, RuntimeError) as exc:
        fail(f"attribute {name!r} of {item}", "an attribute h5py can read", f"{type(exc).__name__}: {exc}")


def _get(group, name: str, item: str, fail, kind=None):
    """``group[name]`` when it is stored in this file (a hard link) and of ``kind``; None when absent.

    Soft and external links are refused: they can point anywhere (another file, a loop).
    """
    import h5py

    try:
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            fail(item, "an object stored in this file", f"a {type(link).__name__}")
        node = group[name]
    except (KeyError, RuntimeError, OSError, ValueError, TypeError) as exc:
        fail(item, "an object h5py can open", f"{type(exc).__name__}: {exc}")
    if kind is not None and not isinstance(node, kind):
        fail(item, "a dataset" if kind is h5py.Dataset else "a group", type(node).__name__)
    return node


def _read(ds, item: str, fail):
    """The values of dataset ``ds``, after checks that reading it is safe and bounded."""
    if ds.shape is None:
        fail(item, "a dataset with values", "an empty dataset (no dataspace)")
    if ds.is_virtual or ds.external:
        fail(item, "data stored in this file", "a virtual or external dataset")
    declared = ds.size * ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if declared > MIN_SUSPECT_BYTES and declared > MAX_EXPANSION * max(stored, 1):
        fail(item, "a dataset whose size matches what the file stores",
             f"{declared} bytes declared from {stored} stored (a decompression bomb?)")
    try:
        return _values(ds)
    except (OSError, TypeError, ValueError, RuntimeError, MemoryError) as exc:
        fail(item, "a dataset h5py can read", f"{type(exc).__name__}: {exc}")


def read_hdf5(path: str | Path) -> ODEDataset | PDEDataset:
    """Read a ``dataset/1`` file; every problem is a :class:`DataFormatError` naming the file and item."""
    import h5py

    path = Path(path)

    def fail(item: str, expected: str, got: Any = None) -> None:
        got_text = f", got {got}" if got is not None else ""
        raise DataFormatError(f"{path}: {item}: expected {expected}{got_text}")

    try:
        fh = h5py.File(path, "r")
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataFormatError(f"{path}: not a readable HDF5 file ({exc})") from None
    with fh:
        fmt = _attr(fh, "sciml_format", "the root", fail)
        if fmt is None:
            fail("root attribute 'sciml_format'", f"'{FORMAT}' (this HDF5 file is not a sciml data set)", "none")
        if fmt != FORMAT:
            fail("root attribute 'sciml_format'", f"'{FORMAT}'", repr(fmt))
        kind = _attr(fh, "kind", "the root", fail)
        if kind not in ("ode", "pde"):
            fail("root attribute 'kind'", "'ode' or 'pde'", repr(kind))
        ds = _get(fh, "t", "dataset 't'", fail, h5py.Dataset)
        if ds is None:
            fail("dataset 't'", "a dataset of times", "nothing")
        t = _read(ds, "dataset 't'", fail)
        attrs = _attrs(fh, "the root", fail)
        if kind == "ode":
            ds = _get(fh, "y", "dataset 'y'", fail, h5py.Dataset)
            if ds is None:
                fail("dataset 'y'", "a dataset of states", "nothing")
            y = _read(ds, "dataset 'y'", fail)
            names = _attr(ds, "names", "dataset 'y'", fail)
            u = input_names = None
            ds = _get(fh, "u", "'u'", fail, h5py.Dataset)
            if ds is not None:
                u = _read(ds, "dataset 'u'", fail)
                input_names = _attr(ds, "names", "dataset 'u'", fail)
            return ODEDataset(t, y, names=names, u=u, input_names=input_names, attrs=attrs, _fail=fail)
        groups = {}
        for group in ("coords", "fields"):
            node = _get(fh, group, f"group '{group}'", fail, h5py.Group)
            if node is None or not len(node):
                fail(f"group '{group}'", "a group with one dataset per " +
                     ("spatial variable" if group == "coords" else "field"), "nothing")
            groups[group] = node
        datasets = {}
        for group, node in groups.items():
            for k in node:
                ds = _get(node, k, f"{group}/{k}", fail, h5py.Dataset)
                datasets[group, k] = ds
        order = _axis_order(groups["coords"], datasets, fail)
        coords = {k: _read(datasets["coords", k], f"coords/{k}", fail) for k in order}
        fields = {k: _read(datasets["fields", k], f"fields/{k}", fail)
                  for k in _ordered_keys(groups["fields"], fail)}
        return PDEDataset(t, coords, fields, attrs=attrs, _fail=fail)


def _ordered_keys(group, fail) -> list[str]:
    order = _attr(group, "order", "group 'fields'", fail)
    keys = list(group.keys())
    if isinstance(order, list) and sorted(order) == sorted(keys):
        return order
    return keys


def _axis_order(coords, datasets, fail) -> list[str]:
    """Spatial axes in order: the ``axes`` attribute, else the field shapes, else the stored order."""
    keys = list(coords.keys())
    for k in keys:
        if len(datasets["coords", k].shape or ()) != 1:
            fail(f"coords/{k}", "a 1-D dataset", datasets["coords", k].shape)
    axes = _attr(coords, "axes", "group 'coords'", fail)
    if axes is not None:
        if not isinstance(axes, list) or sorted(map(str, axes)) != sorted(keys) or len(axes) != len(keys):
            fail("coords attribute 'axes'", f"the names {sorted(keys)} in axis order", axes)
        return axes
    first = next(ds for (group, _), ds in datasets.items() if group == "fields")
    shape = tuple(first.shape[1:]) if first.shape else ()
    by_length = {}
    for k in keys:
        by_length.setdefault(datasets["coords", k].shape[0], []).append(k)
    if len(shape) == len(keys) and all(len(by_length.get(n, [])) == 1 for n in shape):
        return [by_length[n][0] for n in shape]
    return keys


def write_hdf5(dataset: ODEDataset | PDEDataset, path: str | Path) -> Path:
    """Write ``dataset`` to ``path`` atomically (temporary file, fsync, rename)."""
    import h5py

    path = Path(path)
    str_list = h5py.string_dtype()
    with atomic_path(path) as tmp, h5py.File(tmp, "w", track_order=True) as fh:
        fh.attrs["sciml_format"] = FORMAT
        fh.attrs["kind"] = dataset.kind
        for key, value in dataset.attrs.items():
            _write_attr(fh, key, value, str_list)
        fh.create_dataset("t", data=dataset.t)
        if dataset.kind == "ode":
            y = fh.create_dataset("y", data=dataset.y, compression="gzip", shuffle=True)
            y.attrs.create("names", dataset.names, dtype=str_list)
            if dataset.u is not None:
                u = fh.create_dataset("u", data=dataset.u, compression="gzip", shuffle=True)
                u.attrs.create("names", dataset.input_names, dtype=str_list)
        else:
            coords = fh.create_group("coords", track_order=True)
            coords.attrs.create("axes", list(dataset.coords), dtype=str_list)
            for k, c in dataset.coords.items():
                coords.create_dataset(k, data=c)
            fields = fh.create_group("fields", track_order=True)
            fields.attrs.create("order", list(dataset.fields), dtype=str_list)
            for k, f in dataset.fields.items():
                fields.create_dataset(k, data=f, compression="gzip", shuffle=True)
    return path


def _write_attr(node, key, value, str_dtype) -> None:
    if value is None:
        return
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        node.attrs.create(key, list(value), dtype=str_dtype)
    elif isinstance(value, dict):
        node.attrs[key] = json.dumps(value)
    else:
        node.attrs[key] = value
