"""``load`` and ``save``: pick the format from the file name (``.h5``/``.hdf5`` or ``.csv``)."""

from __future__ import annotations

import os
from pathlib import Path

from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.errors import DataFormatError, InputError

__all__ = ["load", "save"]

_HDF5 = (".h5", ".hdf5", ".he5")


def _path(path, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(name, "a file path", type(path).__name__)
    return Path(path)


def load(path: str | os.PathLike) -> ODEDataset | PDEDataset:
    """Read a data set: HDF5 ``dataset/1`` or CSV (``t`` column first, header names the states)."""
    from sciml.data.csvfile import read_csv
    from sciml.data.hdf5 import read_hdf5

    path = _path(path, "path")
    if not path.exists():
        raise DataFormatError(f"{path}: no such file")
    if path.is_dir():
        raise DataFormatError(f"{path}: is a directory, expected a .h5 or .csv file")
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    return read_hdf5(path)


def save(dataset: ODEDataset | PDEDataset, path: str | os.PathLike) -> Path:
    """Write ``dataset`` atomically; ``.csv`` for single-trajectory ODE data, else HDF5."""
    from sciml.data.csvfile import write_csv
    from sciml.data.hdf5 import write_hdf5

    if not isinstance(dataset, (ODEDataset, PDEDataset)):
        raise InputError("dataset", "an ODEDataset or PDEDataset", type(dataset).__name__)
    path = _path(path, "path")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(dataset, path)
    if suffix not in _HDF5:
        raise InputError("path", "a file name ending in .h5, .hdf5 or .csv", str(path))
    return write_hdf5(dataset, path)
