"""Reference solutions to compare with: callables, ``dataset/1`` HDF5 files, or (points, values).

Reading uses plain h5py in the layout of ``docs/data-format.md`` (root attributes
``sciml_format="dataset/1"``, ``kind="pde"``; dataset ``t``; groups ``coords`` and ``fields``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sciml.errors import DataFormatError, InputError

__all__ = ["reference_values", "read_grid", "default_grid"]


def read_grid(path):
    """(axes {name: 1-D array} in axis order, fields {name: array (nt, n1, ...)}) of a dataset/1 file."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise InputError("reference", "a path to an existing HDF5 file", str(path))
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("sciml_format") != "dataset/1" or f.attrs.get("kind") != "pde":
                raise DataFormatError(f"{path}: not a sciml PDE data set (attributes sciml_format/kind)")
            for part in ("t", "coords", "fields"):
                if part not in f:
                    raise DataFormatError(f"{path}: missing '{part}'")
            names = list(f["coords"].attrs.get("axes", list(f["coords"].keys())))
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
            axes = {"t": np.asarray(f["t"][:], dtype=float)}
            for n in names:
                axes[n] = np.asarray(f["coords"][n][:], dtype=float)
            fields = {k: np.asarray(f["fields"][k][:], dtype=float) for k in f["fields"].keys()}
    except OSError as exc:
        raise DataFormatError(f"{path}: not a readable HDF5 file ({exc})") from exc
    shape = tuple(len(axes[k]) for k in axes)
    for k, v in fields.items():
        if v.shape != shape:
            raise DataFormatError(f"{path}: field {k} has shape {v.shape}, expected {shape}")
    return axes, fields


def default_grid(problem, n=101):
    """{variable name: 1-D axis} covering the domain's bounding box, ``n`` points per axis."""
    lo, hi = problem.domain.bounds
    return {str(v): np.linspace(a, b, n) for v, a, b in zip(problem.variables, lo, hi)}


def _grid_points(problem, axes):
    names = [str(v) for v in problem.variables]
    missing = [n for n in names if n not in axes]
    if missing:
        raise InputError("reference", f"a grid over the variables {names}", f"missing {missing}")
    order = [k for k in axes if k in names]
    mesh = np.meshgrid(*[axes[k] for k in order], indexing="ij")
    X = np.stack([mesh[order.index(n)].ravel() for n in names], axis=1)
    return X, mesh[0].shape, order


def reference_values(problem, reference, points=None):
    """(points (N, d), {field name: reference values (N,)}, grid info or None).

    ``reference``: a callable ``reference(**coords)`` returning an array (single field)
    or a dict of arrays per field; a path to a ``dataset/1`` file; or ``(points, values)``.
    """
    field_names = [f.func.__name__ for f in problem.fields]
    names = [str(v) for v in problem.variables]
    if isinstance(reference, (str, Path)):
        axes, fields = read_grid(reference)
        if problem.time is None and "t" in axes and "t" not in names:
            t_axis = axes.pop("t")
            if len(t_axis) != 1:
                raise DataFormatError("a steady problem needs a reference with one time point")
            fields = {k: v[0] for k, v in fields.items()}
        X, shape, order = _grid_points(problem, axes)
        fields = {k: v.reshape(-1) for k, v in fields.items() if k in field_names}
        if not fields:
            raise DataFormatError(f"the reference has none of the fields {field_names}")
        inside = problem.domain.contains(X)
        return X[inside], {k: v[inside] for k, v in fields.items()}, {"axes": axes, "shape": shape, "order": order}
    if isinstance(reference, tuple) and len(reference) == 2:
        X = np.asarray(reference[0], dtype=float)
        values = reference[1]
        if not isinstance(values, dict):
            values = {field_names[0]: np.asarray(values, dtype=float).ravel()}
        return X, {k: np.asarray(v, dtype=float).ravel() for k, v in values.items()}, None
    if callable(reference):
        if points is None:
            axes = default_grid(problem)
            X, shape, order = _grid_points(problem, axes)
            X = X[problem.domain.contains(X)]
        else:
            X = np.asarray(points, dtype=float)
        out = reference(**{n: X[:, i] for i, n in enumerate(names)})
        if not isinstance(out, dict):
            out = {field_names[0]: out}
        values = {}
        for k, v in out.items():
            k = getattr(k, "func", k)
            k = getattr(k, "__name__", str(k))
            values[k] = np.asarray(v, dtype=float) * np.ones(len(X))
        return X, values, None
    raise InputError("reference", "a callable, a path to a dataset/1 HDF5 file, or (points, values)",
                     type(reference).__name__)
