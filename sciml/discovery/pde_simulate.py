"""Simulate a PDE model on a periodic grid: Fourier pseudo-spectral ETDRK4.

The model's right-hand side for field ``u`` is split into its linear,
constant-coefficient terms in ``u`` itself (``c D^alpha u``, diagonal in Fourier
space: ``L(k) = sum c (i k)^alpha``) and the rest ``N``, evaluated in physical
space from spectral derivatives. ETDRK4 (Cox & Matthews 2002, with the
contour-integral coefficients of Kassam & Trefethen 2005;
:func:`sciml.data.spectral.etdrk4`) integrates the stiff linear part
exactly, so fourth-order terms such as Kuramoto–Sivashinsky's need no tiny
steps. This is the documented stiff-PDE scheme; ODE models are simulated by
:mod:`sciml.integrate`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from sciml.data.dataset import PDEDataset
from sciml.data.spectral import etdrk4, wavenumbers
from sciml.discovery.report import split_terms
from sciml.errors import InputError
from sciml.symbolic import compile_numpy, split_derivatives

__all__ = ["simulate_pde"]


def _grids(model, coords):
    if isinstance(coords, Mapping):
        missing = [c for c in model.coords if c not in coords]
        if missing:
            raise InputError("coords", f"grids for {model.coords}", f"missing {missing}")
        grids = [np.asarray(coords[c], dtype=float) for c in model.coords]
    else:
        grids = [np.asarray(c, dtype=float) for c in coords]
    if len(grids) != len(model.coords):
        raise InputError("coords", f"{len(model.coords)} grids ({', '.join(model.coords)})", len(grids))
    for name, g in zip(model.coords, grids):
        d = np.diff(g)
        if g.ndim != 1 or len(g) < 8 or not np.allclose(d, d[0], rtol=1e-6):
            raise InputError(f"coords[{name!r}]", "a uniform grid of at least 8 points, periodic, without its "
                             "right end point", g.shape)
    return grids


def simulate_pde(model, u0, t, coords, substeps: int = 10, progress: bool = False) -> PDEDataset:
    """Integrate a PDE ``model`` from ``u0`` on the periodic grid ``coords``; returns a :class:`PDEDataset`.

    Parameters
    ----------
    u0 : array (n1, …) for one field, (n_fields, n1, …), or mapping field -> array
        Initial fields on the grid (complex for models of complex fields: these
        run on full FFTs, real ones on real FFTs).
    t : array (T,)
        Uniform output times, the first being the initial time.
    coords : mapping name -> grid, or a sequence in the model's coordinate order
        Uniform periodic grids (without the right end point).
    substeps : int
        ETDRK4 steps per output interval.
    """
    grids = _grids(model, coords)
    shape = tuple(len(g) for g in grids)
    nf = len(model.states)
    if isinstance(u0, Mapping):
        u0 = np.stack([np.asarray(u0[s]) for s in model.states])
    u0 = np.asarray(u0)
    is_complex = np.iscomplexobj(u0) or any(r.has(sp.I, sp.conjugate) for r in model.rhs)
    u0 = u0.astype(complex if is_complex else float)
    if u0.shape == shape and nf == 1:
        u0 = u0[None]
    if u0.shape != (nf, *shape) or not np.isfinite(u0).all():
        raise InputError("u0", f"finite initial fields of shape {(nf, *shape)}", u0.shape)
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or len(t) < 2 or not np.allclose(np.diff(t), t[1] - t[0], rtol=1e-6) or not t[1] > t[0]:
        raise InputError("t", "uniform increasing output times", t.shape)
    if isinstance(substeps, bool) or not isinstance(substeps, (int, np.integer)) or substeps < 1:
        raise InputError("substeps", "an integer >= 1", substeps)

    axes = tuple(range(1, len(shape) + 1))
    last = len(shape) - 1
    ks = [wavenumbers(n, n * (g[1] - g[0]), real=(a == last and not is_complex)) for a, (n, g) in enumerate(zip(
        shape, grids))]
    space = tuple(range(len(shape)))
    if is_complex:  # complex fields: full FFTs
        forward, backward = (lambda a: np.fft.fftn(a, axes=space)), (lambda a: np.fft.ifftn(a, axes=space))
    else:
        forward = lambda a: np.fft.rfftn(a, axes=space)  # noqa: E731
        backward = lambda a: np.fft.irfftn(a, s=shape, axes=space)  # noqa: E731
    kgrid = np.meshgrid(*ks, indexing="ij")
    fields = model.spec.state_objects
    csyms = model.spec.coordinate_symbols
    linear = np.zeros((nf, *kgrid[0].shape), dtype=complex)
    rests, needed = [], {}
    for i, rhs in enumerate(model.rhs):
        plain, mapping = split_derivatives(rhs, fields, csyms)
        needed.update(mapping)
        rest = []
        for c, term in split_terms(plain):
            if term in mapping and mapping[term][0] == i:
                symbol = np.ones_like(linear[0])
                for k, a in zip(kgrid, mapping[term][1]):
                    symbol = symbol * (1j * k) ** a
                linear[i] += c * symbol
            else:
                rest.append(c * term)
        rests.append(sp.Add(*rest))
    args = sorted(needed, key=str)
    f = compile_numpy(rests, args) if args else None

    def physical(v, field, alpha):
        spec = v[field]
        for k, a in zip(kgrid, alpha):
            if a:
                spec = spec * (1j * k) ** a
        return backward(spec)

    def nonlinear(v):
        if f is None:
            values = [np.broadcast_to(complex(r) if is_complex else float(r), shape) for r in rests]
        else:
            values = f(*(physical(v, *needed[a]) for a in args))
        return np.stack([forward(np.broadcast_to(x, shape)) for x in values])

    from tqdm.auto import tqdm

    bar = tqdm(total=(len(t) - 1) * substeps, disable=not progress, desc="simulate", leave=False)
    done = {"n": 0}

    def tick(n):
        bar.update(n - done["n"])
        done["n"] = n

    v0 = np.fft.fftn(u0, axes=axes) if is_complex else np.fft.rfftn(u0, axes=axes)
    saved = etdrk4(linear, nonlinear, v0, (t[1] - t[0]) / substeps, (len(t) - 1) * substeps, substeps,
                   progress=tick)
    bar.close()
    out = np.stack([np.fft.ifftn(v, axes=axes) if is_complex else np.fft.irfftn(v, s=shape, axes=axes)
                    for v in saved])
    return PDEDataset(t, dict(zip(model.coords, grids)), {s: out[:, i] for i, s in enumerate(model.states)},
                      attrs={"source": "sciml DiscoveredModel.simulate (Fourier ETDRK4)"})
