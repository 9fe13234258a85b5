"""A PNG of data against the simulated discovered model (matplotlib's Agg canvas, no pyplot state)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sciml.atomic import atomic_path
from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.errors import InputError, SciMLError

__all__ = ["plot_fit"]


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _ode(fig, model, data: ODEDataset):
    t, y, u = data.trajectories()[0]
    try:
        sim = model.simulate(y[0], t, u=u, on_failure="return")
        note = ""
    except SciMLError as exc:
        sim, note = np.full_like(y, np.nan), f" (simulation failed: {exc})"
    axes = fig.subplots(len(model.states), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, name) in enumerate(zip(axes, model.states)):
        ax.plot(t, y[:, i], ".", ms=2, color="0.55", label="data")
        ax.plot(t, sim[:, i], "-", lw=1.2, color="C3", label="discovered model")
        ax.set_ylabel(name)
    axes[0].legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("t")
    fig.suptitle("data vs simulated discovered model" + note, fontsize=10)


def _pde(fig, model, data: PDEDataset):
    name = model.states[0]
    field = data.fields[name]
    try:
        u0 = np.stack([data.fields[s][0] for s in model.states])
        sim = model.simulate(u0, data.t, coords=data.coords).fields[name]
        note = ""
    except SciMLError as exc:
        sim, note = np.full_like(field, np.nan), f"\n(simulation failed: {exc})"
    if field.ndim == 2:
        x = next(iter(data.coords.values()))
        extent = [data.t[0], data.t[-1], x[0], x[-1]]
        panels = [("data", field), ("discovered model", sim), ("difference", sim - field)]
        axes = fig.subplots(1, 3, sharey=True)
        for ax, (title, values) in zip(axes, panels):
            im = ax.imshow(values.T, origin="lower", aspect="auto", extent=extent, cmap="RdBu_r")
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("t")
            fig.colorbar(im, ax=ax, shrink=0.8)
        axes[0].set_ylabel(next(iter(data.coords)))
    else:
        mid = tuple(s // 2 for s in field.shape[2:])
        axes = fig.subplots(1, 3)
        panels = [("data (last time)", field[-1]), ("model (last time)", sim[-1]),
                  ("difference", sim[-1] - field[-1])]
        for ax, (title, values) in zip(axes, panels):
            im = ax.imshow(values[(slice(None), slice(None), *mid)].T, origin="lower", cmap="RdBu_r")
            ax.set_title(title, fontsize=9)
            fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"{name}: data vs simulated discovered model" + note, fontsize=10)


def plot_fit(model, data, path: str | os.PathLike) -> Path:
    """Write a PNG comparing ``data`` with ``model`` simulated from the data's initial state."""
    if isinstance(data, ODEDataset) and model.kind == "ode":
        fig = _figure(8, 1.8 * len(model.states) + 0.8)
        _ode(fig, model, data)
    elif isinstance(data, PDEDataset) and model.kind == "pde":
        fig = _figure(12, 3.6)
        _pde(fig, model, data)
    else:
        raise InputError("data", f"{model.kind.upper()} data matching the model", repr(data))
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
