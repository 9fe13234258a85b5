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


def _attrs(node) -> dict:
    return {k: _decode(v) for k, v in node.attrs.items() if k not in ("sciml_format", "kind", "names", "axes")}


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
        fmt = _decode(fh.attrs.get("sciml_format"))
        if fmt is None:
            fail("root attribute 'sciml_format'", f"'{FORMAT}' (this HDF5 file is not a sciml data set)", "none")
        if fmt != FORMAT:
            fail("root attribute 'sciml_format'", f"'{FORMAT}'", repr(fmt))
        kind = _decode(fh.attrs.get("kind"))
        if kind not in ("ode", "pde"):
            fail("root attribute 'kind'", "'ode' or 'pde'", repr(kind))
        if "t" not in fh or not isinstance(fh["t"], h5py.Dataset):
            fail("dataset 't'", "a dataset of times", "nothing")
        t = _values(fh["t"])
        attrs = _attrs(fh)
        if kind == "ode":
            if "y" not in fh or not isinstance(fh["y"], h5py.Dataset):
                fail("dataset 'y'", "a dataset of states", "nothing")
            y = _values(fh["y"])
            names = _decode(fh["y"].attrs.get("names"))
            u = input_names = None
            if "u" in fh:
                if not isinstance(fh["u"], h5py.Dataset):
                    fail("'u'", "a dataset of control inputs", "a group")
                u = _values(fh["u"])
                input_names = _decode(fh["u"].attrs.get("names"))
            return ODEDataset(t, y, names=names, u=u, input_names=input_names, attrs=attrs, _fail=fail)
        for group in ("coords", "fields"):
            if group not in fh or not isinstance(fh[group], h5py.Group) or not len(fh[group]):
                fail(f"group '{group}'", "a group with one dataset per " +
                     ("spatial variable" if group == "coords" else "field"), "nothing")
        coords = {k: _values(fh["coords"][k]) for k in _axis_order(fh, t, fail)}
        fields = {}
        for k in _ordered_keys(fh["fields"]):
            if not isinstance(fh["fields"][k], h5py.Dataset):
                fail(f"fields/{k}", "a dataset", "a group")
            fields[k] = _values(fh["fields"][k])
        return PDEDataset(t, coords, fields, attrs=attrs, _fail=fail)


def _ordered_keys(group) -> list[str]:
    order = _decode(group.attrs.get("order"))
    keys = list(group.keys())
    if isinstance(order, list) and sorted(order) == sorted(keys):
        return order
    return keys


def _axis_order(fh, t, fail) -> list[str]:
    """Spatial axes in order: the ``axes`` attribute, else the field shapes, else the stored order."""
    coords = fh["coords"]
    keys = list(coords.keys())
    for k in keys:
        if not hasattr(coords[k], "shape") or len(coords[k].shape) != 1:
            fail(f"coords/{k}", "a 1-D dataset", getattr(coords[k], "shape", "a group"))
    axes = _decode(coords.attrs.get("axes"))
    if axes is not None:
        if not isinstance(axes, list) or sorted(axes) != sorted(keys):
            fail("coords attribute 'axes'", f"the names {sorted(keys)} in axis order", axes)
        return axes
    first = next(iter(fh["fields"].values()))
    shape = tuple(first.shape[1:]) if hasattr(first, "shape") else ()
    by_length = {}
    for k in keys:
        by_length.setdefault(coords[k].shape[0], []).append(k)
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
