"""Build the regression system of PDE discovery from fields on a grid.

Weak form (default; Messenger & Bortz, J. Comput. Phys. 2021): the columns
are ``int (D^alpha phi) m(u)`` for field monomials ``m`` and derivative
multi-indices ``alpha`` — every derivative sits on the separable test
function, so none is taken of the data. Strong form (PDE-FIND, Rudy et al.
2017): pointwise derivatives of the data at a random subset of interior grid
points.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from sciml.data.dataset import PDEDataset
from sciml.discovery.pde_library import PDELibrary
from sciml.discovery.regression import RegressionSystem
from sciml.discovery.folds import interleaved_folds
from sciml.discovery.test_functions import data_radius
from sciml.discovery.weak import WeakPDE
from sciml.symbolic import compile_numpy, split_derivatives

__all__ = ["pde_system", "field_functions"]


def field_functions(data: PDEDataset) -> tuple[list[sp.Expr], list[sp.Symbol], sp.Symbol]:
    """``([u(x, t), …], [x, …], t)`` for the fields of ``data``."""
    coords = [sp.Symbol(c) for c in data.coords]
    t = sp.Symbol("t")
    return [sp.Function(f)(*coords, t) for f in data.fields], coords, t


def pde_system(data: PDEDataset, library: PDELibrary, weak: bool = True, test_functions: Mapping | None = None,
               derivative: str = "savgol", max_rows: int = 200_000, seed: int = 0,
               n_folds: int = 5) -> RegressionSystem:
    """The weak (or strong) regression system of ``data`` over ``library``."""
    funcs, coords, _ = field_functions(data)
    plain = {f: sp.Symbol(str(f.func)) for f in funcs}
    values = list(data.fields.values())
    name = library.describe()
    if weak:
        w = WeakPDE(data.t, list(data.coords.values()), values, max_order=library.order,
                    **dict(test_functions or {}))
        pairs = library.weak_terms(funcs, coords)
        monos = list(dict.fromkeys(wt.monomial for _, wt in pairs))
        mono_values = compile_numpy([m.xreplace(plain) for m in monos], list(plain.values()))(*values)
        table = {m: np.broadcast_to(v, w.shape) for m, v in zip(monos, mono_values)}
        G = np.stack([w.project(table[wt.monomial], wt.alpha) for _, wt in pairs], axis=1)
        B = np.stack([w.target(v) for v in values], axis=1)
        n_eff = float(np.prod([n / (2.0 * r) for n, r in zip(w.shape, w.radii)]))
        info = {"formulation": "weak", "test_function_radius": list(w.radii),
                "test_function_degree": list(w.degrees), "rows": int(w.n_rows)}
        terms = [term for term, _ in pairs]
        folds = interleaved_folds([data.t[w.row_times()]], [(2 * w.radii[0] + 1) * w.spacings[0]], n_folds)
        return RegressionSystem(G, B, terms, folds, n_eff,
                                {name: list(range(len(terms)))}, info)
    return _strong(data, library, funcs, coords, values, derivative, max_rows, seed, n_folds, name)


def _strong(data, library, funcs, coords, values, derivative, max_rows, seed, n_folds, name):
    from sciml.discovery.derivatives import differentiate

    grids = [data.t, *data.coords.values()]
    terms = library.strong_terms(funcs, coords)
    flat, mapping = [], {}
    for term in terms:
        e, m = split_derivatives(term, funcs, coords)
        flat.append(e)
        mapping.update(m)
    for i, f in enumerate(funcs):
        mapping.setdefault(sp.Symbol(str(f.func)), (i, (0,) * len(coords)))
    arrays = {}
    for sym, (i, alpha) in mapping.items():
        a = values[i]
        for axis, order in enumerate(alpha, start=1):
            if order:
                a = differentiate(a, grids[axis], method=derivative, order=order, axis=axis)
        arrays[sym] = a
    # Fourier differentiation assumes periodicity, which time never has
    time_method = "fd" if derivative == "spectral" else derivative
    u_t = [differentiate(v, data.t, method=time_method, axis=0) for v in values]
    margin = 0 if derivative == "spectral" else max(library.order, 5)
    inner = tuple(slice(margin, n - margin) if n > 2 * margin + 2 else slice(None) for n in data.shape)
    idx = np.stack(np.meshgrid(*[np.arange(n)[s] for n, s in zip(data.shape, inner)], indexing="ij"), -1)
    idx = idx.reshape(-1, len(data.shape))
    if len(idx) > max_rows:
        idx = idx[np.sort(np.random.default_rng(seed).choice(len(idx), max_rows, replace=False))]
    pick = tuple(idx.T)
    args = sorted(arrays, key=str)
    cols = compile_numpy(flat, args)(*(arrays[a][pick] for a in args))
    G = np.stack([np.broadcast_to(c, (len(idx),)) for c in cols], axis=1)
    B = np.stack([d[pick] for d in u_t], axis=1)
    # independent samples: set by the data's bandwidth per axis, as for the weak form
    radii = [data_radius(values, a, 8) for a in range(len(data.shape))]
    n_eff = float(np.prod([n / (2.0 * r) for n, r in zip(data.shape, radii)]))
    info = {"formulation": "strong", "derivative": derivative, "rows": int(len(idx))}
    folds = interleaved_folds([data.t[idx[:, 0]]], [2 * radii[0] * float(np.median(np.diff(data.t)))], n_folds)
    return RegressionSystem(G, B, list(terms), folds,
                            n_eff, {name: list(range(len(terms)))}, info, floor=1e-3)

