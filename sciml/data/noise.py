"""Measurement noise for synthetic data: Gaussian, scaled to each signal's standard deviation."""

from __future__ import annotations

import numpy as np

from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.errors import InputError

__all__ = ["add_noise"]


def add_noise(dataset: ODEDataset | PDEDataset, level: float, seed: int | None = 0) -> ODEDataset | PDEDataset:
    """A copy of ``dataset`` with Gaussian noise of standard deviation ``level * std`` added.

    The standard deviation is taken per state (over all samples and
    trajectories) or per field (over the whole space-time grid), the
    convention of PDE-FIND (Rudy et al. 2017). ``level = 0.01`` is "1% noise".
    A complex field gets independent noise on its real and imaginary parts,
    each scaled to that part's standard deviation (as PDE-FIND's NLS example).
    The result records ``noise`` and ``seed`` in its attributes.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not np.isfinite(level) \
            or level < 0:
        raise InputError("level", "a finite number >= 0 (e.g. 0.01 for 1%)", repr(level))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise InputError("seed", "an integer or None", repr(seed))
    rng = np.random.default_rng(seed)
    attrs = {**dataset.attrs, "noise": float(level), "seed": -1 if seed is None else int(seed)}
    if isinstance(dataset, ODEDataset):
        y = dataset.y
        axes = tuple(range(y.ndim - 1))
        noisy = y + level * y.std(axis=axes) * rng.standard_normal(y.shape)
        return ODEDataset(dataset.t, noisy, names=dataset.names, u=dataset.u,
                          input_names=dataset.input_names or None, attrs=attrs)
    if isinstance(dataset, PDEDataset):
        fields = {k: _noisy(f, level, rng) for k, f in dataset.fields.items()}
        return PDEDataset(dataset.t, dataset.coords, fields, attrs=attrs)
    raise InputError("dataset", "an ODEDataset or PDEDataset", type(dataset).__name__)


def _noisy(f: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    if np.iscomplexobj(f):
        return _noisy(f.real, level, rng) + 1j * _noisy(f.imag, level, rng)
    return f + level * f.std() * rng.standard_normal(f.shape)
