"""In-memory data sets: time series of an ODE system, or fields of a PDE on a grid.

Both classes validate on construction; the checks are shared with the file
readers, which report the same problems as :class:`~sciml.errors.DataFormatError`
naming the file and the item, while bad constructor arguments raise
:class:`~sciml.errors.InputError` naming the argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from sciml.errors import InputError

__all__ = ["ODEDataset", "PDEDataset", "Dataset", "Fail"]

#: ``fail(item, expected, got)`` raises the caller's error for a bad part of the data.
Fail = Callable[[str, str, Any], None]


def _input_fail(item: str, expected: str, got: Any = None) -> None:
    raise InputError(item, expected, got)


def check_time(t: np.ndarray, name: str, fail: Fail) -> np.ndarray:
    t = _finite_array(t, name, fail)
    if t.ndim not in (1, 2):
        fail(name, "an array of shape (nt,) or (ntraj, nt)", f"shape {t.shape}")
    if t.shape[-1] < 2:
        fail(name, "at least 2 time points", f"shape {t.shape}")
    if not np.all(np.diff(t, axis=-1) > 0):
        fail(name, "strictly increasing times", "times that do not increase")
    return t


def numeric_array(a, name: str, fail: Fail, complex_ok: bool = False) -> np.ndarray:
    """``a`` as float64 (or complex128 where ``complex_ok``); text, objects, records and lost parts fail."""
    expected = "a numeric array (real" + (" or complex)" if complex_ok else ")")
    try:
        a = np.asarray(a)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        fail(name, expected, f"a ragged {type(a).__name__} ({str(exc).split('.')[0]})")
    kind = a.dtype.kind
    if kind in "SUa":
        sample = a.ravel()[:1].tolist()
        fail(name, expected, f"text (dtype {a.dtype}, e.g. {sample[0]!r})" if sample else f"text (dtype {a.dtype})")
    if kind == "V":
        fail(name, expected, f"records with fields {a.dtype.names} (dtype {a.dtype})"
             if a.dtype.names else f"raw bytes (dtype {a.dtype})")
    if kind == "O":
        try:
            a = a.astype(complex if complex_ok else float)
        except (TypeError, ValueError):
            items = a.ravel()[:1000]
            kinds = sorted({type(v).__name__ for v in items})
            if set(kinds) <= {"bytes", "str"}:
                fail(name, expected, f"text (variable-length strings, e.g. {items[0]!r})")
            fail(name, expected, f"an object array holding {', '.join(kinds)}")
        kind = a.dtype.kind
    if kind == "c":
        if not complex_ok:
            fail(name, "real values", f"complex values (dtype {a.dtype}); only PDE fields may be complex "
                 "(store an ODE state's real and imaginary parts as two states)")
        return a.astype(np.complex128, copy=False)
    if kind not in "biuf":
        fail(name, expected, f"dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def _finite_array(a, name: str, fail: Fail, complex_ok: bool = False) -> np.ndarray:
    a = numeric_array(a, name, fail, complex_ok)
    if a.size == 0:
        fail(name, "a non-empty array", "an empty array")
    if not np.isfinite(a).all():
        bad = int(np.count_nonzero(~np.isfinite(a)))
        fail(name, "finite values", f"{bad} NaN/Inf value(s)")
    return a


def _names(names, count: int, default: str, name: str, fail: Fail) -> list[str]:
    if names is None:
        return [f"{default}{i}" for i in range(count)] if count > 1 else [default]
    names = [n.decode() if isinstance(n, bytes) else n for n in np.atleast_1d(np.asarray(names, dtype=object))]
    if len(names) != count or not all(isinstance(n, str) and n.isidentifier() for n in names):
        fail(name, f"{count} distinct identifiers", names)
    if len(set(names)) != len(names):
        fail(name, "distinct names", names)
    return list(names)


class ODEDataset:
    """Samples of an ODE system: one trajectory, or several with the same number of samples.

    Parameters
    ----------
    t : array (nt,) or (ntraj, nt)
        Strictly increasing times.
    y : array (nt, n) or (ntraj, nt, n)
        States; a 1-D ``y`` is one state.
    names : sequence of str, optional
        State names (identifiers), default ``x0, x1, …``.
    u : array, optional
        Control inputs with the same leading shape as ``y``.
    input_names : sequence of str, optional
        Names of the inputs, default ``u0, u1, …``.
    attrs : mapping, optional
        Free attributes (``noise``, ``source``, ``true_equations`` …).
    """

    kind = "ode"

    def __init__(self, t, y, names: Sequence[str] | None = None, u=None,
                 input_names: Sequence[str] | None = None, attrs: Mapping | None = None,
                 *, _fail: Fail = _input_fail):
        fail = _fail
        t = check_time(t, "t", fail)
        y = _finite_array(y, "y", fail)
        if y.ndim == t.ndim:
            y = y[..., None]
        if y.ndim != t.ndim + 1 or y.shape[:-1] != t.shape:
            fail("y", f"an array of shape {t.shape + ('n',)} matching t", f"shape {y.shape}")
        self.t, self.y = t, y
        self.names = _names(names, y.shape[-1], "x", "names", fail)
        if u is not None:
            u = _finite_array(u, "u", fail)
            if u.ndim == t.ndim:
                u = u[..., None]
            if u.ndim != t.ndim + 1 or u.shape[:-1] != t.shape:
                fail("u", f"an array of shape {t.shape + ('m',)} matching t", f"shape {u.shape}")
            self.input_names = _names(input_names, u.shape[-1], "u", "input_names", fail)
            if set(self.input_names) & set(self.names):
                fail("input_names", "names different from the state names", self.input_names)
        else:
            self.input_names = []
        self.u = u
        self.attrs = dict(attrs or {})

    @property
    def n_states(self) -> int:
        return self.y.shape[-1]

    @property
    def n_trajectories(self) -> int:
        return 1 if self.t.ndim == 1 else self.t.shape[0]

    def trajectories(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """``[(t, y, u), …]`` with ``y`` of shape (nt, n) and ``u`` (nt, m) or None."""
        if self.t.ndim == 1:
            return [(self.t, self.y, self.u)]
        return [(self.t[i], self.y[i], None if self.u is None else self.u[i]) for i in range(self.t.shape[0])]

    def __repr__(self) -> str:
        shape = "x".join(str(s) for s in self.y.shape)
        inputs = f", inputs {self.input_names}" if self.input_names else ""
        return f"ODEDataset({shape}, states {self.names}{inputs})"


class PDEDataset:
    """Fields sampled on a rectilinear grid: ``fields[name]`` has shape (nt, n1, …, nd).

    Parameters
    ----------
    t : array (nt,)
        Strictly increasing times.
    coords : mapping name -> 1-D array
        Spatial coordinates in axis order (strictly increasing).
    fields : mapping name -> array (nt, n1, …, nd)
        Field values, real or complex (``complex128``; discovery then fits
        complex coefficients over the field and its conjugate).
    attrs : mapping, optional
        Free attributes.
    """

    kind = "pde"

    def __init__(self, t, coords: Mapping[str, Any], fields: Mapping[str, Any], attrs: Mapping | None = None,
                 *, _fail: Fail = _input_fail):
        fail = _fail
        t = check_time(t, "t", fail)
        if t.ndim != 1:
            fail("t", "a 1-D time grid for PDE data", f"shape {t.shape}")
        if not isinstance(coords, Mapping) or not coords:
            fail("coords", "a mapping of at least one spatial coordinate name to a 1-D grid", type(coords).__name__)
        if not isinstance(fields, Mapping) or not fields:
            fail("fields", "a mapping of at least one field name to an array", type(fields).__name__)
        self.t = t
        self.coords: dict[str, np.ndarray] = {}
        for name, c in coords.items():
            _names([name], 1, "x", "coords", fail)
            c = check_time(c, f"coords/{name}", fail)
            if c.ndim != 1:
                fail(f"coords/{name}", "a 1-D grid", f"shape {c.shape}")
            self.coords[name] = c
        shape = (len(t),) + tuple(len(c) for c in self.coords.values())
        self.fields: dict[str, np.ndarray] = {}
        for name, f in fields.items():
            _names([name], 1, "u", "fields", fail)
            f = _finite_array(f, f"fields/{name}", fail, complex_ok=True)
            if f.shape != shape:
                fail(f"fields/{name}", f"shape {shape} (t, {', '.join(self.coords)})", f"shape {f.shape}")
            self.fields[name] = f
        clash = set(self.fields) & (set(self.coords) | {"t"})
        if clash or "t" in self.coords:
            fail("fields", "field names different from the coordinate names and 't'", sorted(clash or {"t"}))
        self.attrs = dict(attrs or {})

    @property
    def names(self) -> list[str]:
        return list(self.fields)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.t),) + tuple(len(c) for c in self.coords.values())

    def __repr__(self) -> str:
        grid = "x".join(str(s) for s in self.shape)
        return f"PDEDataset({grid} over (t, {', '.join(self.coords)}), fields {self.names})"


Dataset = ODEDataset | PDEDataset
