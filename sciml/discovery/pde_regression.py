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
from sciml.discovery.folds import Folds, interleaved_folds
from sciml.discovery.noise_floor import derivative_gain, noise_std
from sciml.discovery.pde_library import PDELibrary, conjugate_fields
from sciml.discovery.regression import RegressionSystem
from sciml.discovery.test_functions import data_radius
from sciml.discovery.weak import WeakPDE
from sciml.errors import InputError
from sciml.symbolic import compile_numpy, split_derivatives

__all__ = ["pde_system", "field_functions", "realify"]


def field_functions(data: PDEDataset) -> tuple[list[sp.Expr], list[sp.Symbol], sp.Symbol]:
    """``([u(x, t), …], [x, …], t)`` for the fields of ``data``."""
    coords = [sp.Symbol(c) for c in data.coords]
    t = sp.Symbol("t")
    return [sp.Function(f)(*coords, t) for f in data.fields], coords, t


def pde_system(data: PDEDataset, library: PDELibrary, weak: bool = True, test_functions: Mapping | None = None,
               derivative: str = "savgol", max_rows: int = 200_000, seed: int = 0, n_folds: int = 5,
               candidates: Mapping[str, PDELibrary] | None = None) -> RegressionSystem:
    """The weak (or strong) regression system of ``data`` over ``library``.

    ``candidates`` are sub-libraries of ``library`` that compete in the
    selection (default: ``library`` alone). Complex fields enter with their
    conjugates, and the complex regression is returned in real form
    (:func:`realify`).
    """
    funcs, coords, _ = field_functions(data)
    values = list(data.fields.values())
    is_complex = [np.iscomplexobj(v) for v in values]
    candidates = dict(candidates or {library.describe(): library})
    if not weak:
        if any(is_complex):
            raise InputError("method", "the weak form (auto, weak or ensemble) for complex fields",
                             "a strong-form method", "complex data are fitted in the weak form only")
        return _strong(data, library, candidates, funcs, coords, values, derivative, max_rows, seed, n_folds)
    variables = conjugate_fields(funcs, is_complex)
    arrays = {}
    for f, v, c in zip(funcs, values, is_complex):
        arrays[f] = v
        if c:
            arrays[sp.conjugate(f)] = np.conj(v)
    sizing = [p for v, c in zip(values, is_complex) for p in ((v.real, v.imag) if c else (v,))]
    w = WeakPDE(data.t, list(data.coords.values()), sizing, max_order=library.order, **dict(test_functions or {}))
    pairs = library.weak_terms(variables, coords)
    by_monomial: dict[sp.Expr, list[int]] = {}
    for j, (_, wt) in enumerate(pairs):
        by_monomial.setdefault(wt.monomial, []).append(j)
    columns: list[np.ndarray | None] = [None] * len(pairs)
    for mono, js in by_monomial.items():
        projected = w.project_all(np.broadcast_to(_monomial_values(mono, arrays), w.shape),
                                  [pairs[j][1].alpha for j in js])
        for j, col in zip(js, projected):
            columns[j] = col
    G = np.stack(columns, axis=1)
    B = np.stack([w.target(v) for v in values], axis=1)
    n_eff = float(np.prod([n / (2.0 * r) for n, r in zip(w.shape, w.radii)]))
    # noise floor of each target row: sigma^2 |phi_t|^2 |phi_x|^2 … (separable test functions, white noise)
    gain = float(np.prod([np.sum(w._matrix(a, int(a == 0))[0] ** 2) for a in range(len(w.shape))]))
    info = {"formulation": "weak", "test_function_radius": list(w.radii),
            "test_function_degree": list(w.degrees), "rows": int(w.n_rows),
            "noise_energy": [noise_std(v) ** 2 * gain * w.n_rows for v in values]}
    terms = [term for term, _ in pairs]
    index = {term: j for j, term in enumerate(terms)}
    libraries = {name: [index[term] for term, _ in lib.weak_terms(variables, coords)]
                 for name, lib in candidates.items()}
    folds = interleaved_folds([data.t[w.row_times()]], [(2 * w.radii[0] + 1) * w.spacings[0]], n_folds)
    system = RegressionSystem(G, B, terms, folds, n_eff, libraries, info)
    return realify(system) if any(is_complex) else system


def _monomial_values(mono: sp.Expr, arrays: Mapping[sp.Expr, np.ndarray]):
    """Values of a product of powers of fields (and conjugate fields), by repeated multiplication."""
    out = 1.0
    for base, power in mono.as_powers_dict().items():
        if base == 1:
            continue
        out = out * arrays[base] ** int(power)
    return out


def realify(system: RegressionSystem) -> RegressionSystem:
    """The complex least-squares problem ``B ~ G w`` as a real one with twice the rows and columns.

    A complex coefficient ``a + i b`` of a term ``g`` is two real coefficients,
    of ``g`` and of ``i g``; the rows are the real parts, then the imaginary
    parts. Sparsity then acts on real and imaginary parts separately (``i psi_xx``
    is one term), and every real method (MSTLS, cross-validation, bagging)
    applies unchanged. Real and imaginary parts of a row are separate
    observations, so the effective row count doubles.
    """
    G, B = np.asarray(system.G, dtype=complex), np.asarray(system.B, dtype=complex)
    J = G.shape[1]
    Gr = np.block([[G.real, -G.imag], [G.imag, G.real]])
    Br = np.vstack([B.real, B.imag])
    terms = list(system.terms) + [sp.I * term for term in system.terms]
    libraries = {name: list(cols) + [J + c for c in cols] for name, cols in system.libraries.items()}
    f = system.folds
    excluded = None if f.excluded is None else [np.concatenate([e, e]) for e in f.excluded]
    folds = Folds(np.concatenate([f.test, f.test]), excluded, f.description)
    info = dict(system.info, complex=True)
    return RegressionSystem(Gr, Br, terms, folds, 2 * system.n_eff, libraries, info, system.floor)


def _strong(data, library, candidates, funcs, coords, values, derivative, max_rows, seed, n_folds):
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
    gain = derivative_gain(data.t, time_method)
    info = {"formulation": "strong", "derivative": derivative, "rows": int(len(idx)),
            "noise_energy": [None if gain is None else noise_std(v) ** 2 * gain * len(idx) for v in values]}
    index = {term: j for j, term in enumerate(terms)}
    libraries = {name: [index[term] for term in lib.strong_terms(funcs, coords)] for name, lib in candidates.items()}
    folds = interleaved_folds([data.t[idx[:, 0]]], [2 * radii[0] * float(np.median(np.diff(data.t)))], n_folds)
    return RegressionSystem(G, B, list(terms), folds,
                            n_eff, libraries, info, floor=1e-3)

