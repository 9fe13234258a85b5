"""Write a PINN prediction on a grid as a ``dataset/1`` HDF5 file (plain h5py, atomic)."""

from __future__ import annotations

import numpy as np

from sciml.atomic import atomic_path

__all__ = ["solution_grid", "write_solution"]


def solution_grid(problem, n=(256, 100)):
    """(t axis, {spatial name: axis}) over the domain's bounding box; ``n`` = (space, time) points."""
    n_space, n_time = (n, n) if isinstance(n, int) else n
    lo, hi = problem.domain.bounds
    names = [str(v) for v in problem.variables]
    t = np.array([0.0])
    space = {}
    for v, a, b in zip(problem.variables, lo, hi):
        if v == problem.time:
            t = np.linspace(a, b, n_time)
        else:
            space[str(v)] = np.linspace(a, b, n_space if len(names) <= 2 else max(n_space // 4, 16))
    return t, space


def write_solution(result, path, n=(256, 100)):
    """Predict on a grid and write ``t``, ``coords/<x>``, ``fields/<u>`` (shape (nt, nx, ...)),
    plus ``mask`` (1 inside the domain) when the domain is not a box."""
    import h5py

    problem = result.problem
    t, space = solution_grid(problem, n)
    axes = {"t": t, **space}
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    by_name = dict(zip(axes, mesh))
    cols = [by_name["t" if v == problem.time else str(v)].ravel() for v in problem.variables]
    X = np.stack(cols, axis=1)
    values = result.evaluate(X)
    inside = problem.domain.contains(X).reshape(mesh[0].shape)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["sciml_format"] = "dataset/1"
            f.attrs["kind"] = "pde"
            f.attrs["source"] = "sciml.pinn"
            f.attrs["steady"] = problem.time is None
            f.create_dataset("t", data=t)
            g = f.create_group("coords", track_order=True)
            g.attrs["axes"] = list(space)
            for k, v in space.items():
                g.create_dataset(k, data=v)
            h = f.create_group("fields", track_order=True)
            for i, name in enumerate(result.field_names):
                h.create_dataset(name, data=values[:, i].reshape(mesh[0].shape))
            if not inside.all():
                f.create_dataset("mask", data=inside.astype(np.uint8))
    return path
