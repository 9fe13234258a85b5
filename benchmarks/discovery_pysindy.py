"""PySINDy runs for benchmarks/discovery.py: the anchor configurations and a term reader.

Every configuration is PySINDy's own objects with fixed, documented settings:
STLSQ(threshold=0.1) on a degree-2 polynomial library with finite differences
or Savitzky–Golay smoothed finite differences (the settings the issue names),
its weak library (WeakPDELibrary, K test functions), and for PDEs PDE-FIND's
strong form (PDELibrary) next to the weak one.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import sympy as sp

from sciml.symbolic import parse_expression

warnings.filterwarnings("ignore", module="pysindy")
warnings.filterwarnings("ignore", category=UserWarning)

import pysindy as ps  # noqa: E402


def ode_model(kind: str, t: np.ndarray, threshold: float = 0.1, degree: int = 2):
    """An unfitted PySINDy model: ``fd``, ``sfd`` or ``weak`` (K=200 test functions, p=4)."""
    optimizer = ps.STLSQ(threshold=threshold)
    if kind == "weak":
        library = ps.WeakPDELibrary(function_library=ps.PolynomialLibrary(degree), spatiotemporal_grid=t, K=200,
                                    p=4)
        return ps.SINDy(optimizer=optimizer, feature_library=library)
    differentiation = ps.FiniteDifference() if kind == "fd" else ps.SmoothedFiniteDifference()
    return ps.SINDy(optimizer=optimizer, feature_library=ps.PolynomialLibrary(degree),
                    differentiation_method=differentiation)


def ode_terms(model, names: list[str]) -> list[dict[sp.Expr, float]]:
    """``[{term: coefficient}]`` per equation, read with our restricted parser."""
    generic = [sp.Symbol(f"x{i}") for i in range(len(names))]
    rename = dict(zip(generic, (sp.Symbol(n) for n in names)))
    features = model.get_feature_names()
    exprs = [parse_expression(f.replace("^", "**").replace(" ", "*"), generic).xreplace(rename) for f in features]
    coef = model.coefficients()
    return [{exprs[j]: float(coef[i, j]) for j in np.nonzero(coef[i])[0]} for i in range(coef.shape[0])]


def pde_model(kind: str, x: np.ndarray, t: np.ndarray, order: int = 4):
    """PDE-FIND (``strong``: PDELibrary, finite differences) or ``weak`` (WeakPDELibrary, K=200)."""
    functions = ps.PolynomialLibrary(degree=2, include_bias=False)
    optimizer = ps.STLSQ(threshold=0.05, alpha=1e-5, normalize_columns=True)
    if kind == "strong":
        library = ps.PDELibrary(function_library=functions, derivative_order=order, spatial_grid=x,
                                include_bias=True, is_uniform=True)
    else:
        grid = np.stack(np.meshgrid(x, t, indexing="ij"), axis=-1)
        library = ps.WeakPDELibrary(function_library=functions, derivative_order=order, spatiotemporal_grid=grid,
                                    is_uniform=True, K=200, include_bias=True)
    return ps.SINDy(feature_library=library, optimizer=optimizer)


def pde_terms(model) -> dict[str, float]:
    """``{'u*u_x': c, …}`` from PySINDy's feature names (x0 -> u, x0_11 -> u_xx, x0x0_1 -> u*u_x)."""
    out = {}
    coef = model.coefficients()[0]
    for name, c in zip(model.get_feature_names(), coef):
        if c == 0:
            continue
        out[_pde_name(name)] = float(c)
    return out


def _pde_name(name: str) -> str:
    """PySINDy's ``x0^2x0_11`` -> ``u**2*u_xx`` (one field named u, one spatial axis x)."""
    if name == "1":
        return "1"
    m = re.fullmatch(r"(x0\^2|x0)?(?:x0_(\d+))?", name)
    if m is None:
        return name
    parts = []
    if m.group(1):
        parts.append({"x0": "u", "x0^2": "u**2"}[m.group(1)])
    if m.group(2):
        parts.append("u_" + "x" * len(m.group(2)))
    return "*".join(parts)


def pde_model_fields(kind: str, coords: list[np.ndarray], t: np.ndarray, degree: int = 3, order: int = 2,
                     threshold: float = 0.05):
    """PDE-FIND (``strong``) or ``weak`` (K=200) for several fields on a 1-D or 2-D grid.

    The settings of the PDE rows above (STLSQ threshold 0.05, alpha 1e-5, normalised columns), with the
    degree-3 function library the cubic reaction terms need, as PySINDy's reaction-diffusion examples.
    """
    functions = ps.PolynomialLibrary(degree=degree, include_bias=False)
    optimizer = ps.STLSQ(threshold=threshold, alpha=1e-5, normalize_columns=True)
    if kind == "strong":
        grid = coords[0] if len(coords) == 1 else np.stack(np.meshgrid(*coords, indexing="ij"), axis=-1)
        library = ps.PDELibrary(function_library=functions, derivative_order=order, spatial_grid=grid,
                                include_bias=True, is_uniform=True)
    else:
        grid = np.stack(np.meshgrid(*coords, t, indexing="ij"), axis=-1)
        library = ps.WeakPDELibrary(function_library=functions, derivative_order=order, spatiotemporal_grid=grid,
                                    is_uniform=True, K=200, include_bias=True)
    return ps.SINDy(feature_library=library, optimizer=optimizer)


def fields_array(fields: list[np.ndarray]) -> np.ndarray:
    """Our (nt, n1, …) fields as PySINDy's (n1, …, nt, n_fields)."""
    return np.stack([np.moveaxis(f, 0, -1) for f in fields], axis=-1)


def pde_terms_fields(model, fields: list[str], coords: list[str]) -> list[dict[str, float]]:
    """Per equation ``{sympy text of the term: coefficient}`` from PySINDy's names (``x0^2 x1x0_11`` -> u**2*v*u_xx)."""
    symbols = {f"x{i}": sp.Symbol(f) for i, f in enumerate(fields)}
    out = []
    coef = model.coefficients()
    names = model.get_feature_names()
    for row in coef:
        eq = {}
        for name, c in zip(names, row):
            if c != 0:
                eq[sp.sstr(_field_term(name, symbols, fields, coords))] = float(c)
        out.append(eq)
    return out


def _field_term(name: str, symbols: dict, fields: list[str], coords: list[str]) -> sp.Expr:
    if name == "1":
        return sp.Integer(1)
    m = re.search(r"x(\d+)_(\d+)$", name)
    term = sp.Integer(1)
    if m:
        axes = "".join(coords[int(a) - 1] for a in m.group(2))
        term = sp.Symbol(f"{fields[int(m.group(1))]}_{axes}")
        name = name[: m.start()]
    for factor in name.split():
        base, _, power = factor.partition("^")
        term = term * symbols[base] ** int(power or 1)
    return term
