"""Random-number states (torch CPU and CUDA, numpy's global generator, Python's ``random``) as plain
tensors, ints and tuples, so that a checkpoint holds them without pickled objects and a resumed run
draws the same numbers as one never interrupted."""

from __future__ import annotations

import random

import torch

__all__ = ["capture_rng", "restore_rng"]


def capture_rng() -> dict:
    """Every global random state this process uses."""
    state = {"torch": torch.get_rng_state(), "python": _python_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    numpy_state = _numpy_state()
    if numpy_state is not None:
        state["numpy"] = numpy_state
    return state


def restore_rng(state: dict) -> None:
    """Put back the states of :func:`capture_rng` (those this process has)."""
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        for i, s in enumerate(state["cuda"][: torch.cuda.device_count()]):
            torch.cuda.set_rng_state(s, i)
    if "python" in state:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        import numpy as np

        s = state["numpy"]
        np.random.set_state((s["name"], s["keys"].numpy().astype(np.uint32), s["pos"],  # noqa: NPY002
                             s["has_gauss"], s["cached_gaussian"]))


def _python_state():
    version, internal, gauss = random.getstate()
    return version, list(internal), gauss


def _numpy_state():
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency of sciml, not of torch
        return None
    name, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002 - the global state users seed
    return {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}
