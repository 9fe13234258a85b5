"""Reference solutions computed by the project (never downloaded).

- :func:`burgers_cole_hopf`: the viscous Burgers equation ``u_t + u u_x = nu u_xx`` on
  [-1, 1] with ``u(x, 0) = -sin(pi x)`` and ``u(+-1, t) = 0``, by the Hopf-Cole closed
  form: after the substitution ``eta = sqrt(4 nu t) z`` both integrals are Gaussian-weighted,
  evaluated by the trapezoid rule on z in [-12, 12] with log-sum-exp for stability
  (reproduces the standard 256 x 100 data set of Raissi et al. 2019).
- :func:`allen_cahn_chebyshev`: ``u_t = d u_xx + 5 (u - u^3)`` on [-1, 1] with
  ``u(x, 0) = x^2 cos(pi x)`` and ``u(+-1, t) = -1`` (DeepXDE's form), by Chebyshev
  collocation in x (Trefethen, "Spectral Methods in MATLAB", 2000) and scipy's stiff Radau
  integrator at tight tolerances in t.

``python -m sciml.pde.references DIR`` writes ``burgers_reference.h5`` and
``allen_cahn_reference.h5`` (``dataset/1`` layout, plain h5py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sciml.atomic import atomic_path
from sciml.errors import InputError

__all__ = ["burgers_cole_hopf", "allen_cahn_chebyshev", "write_grid", "main"]


def burgers_cole_hopf(x, t, nu=0.01 / np.pi, nodes=4001, chunk=4096):
    """u(x, t) of the standard Burgers problem at arrays ``x``, ``t`` (broadcast together)."""
    x, t = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(t, dtype=float))
    if np.any(t < 0):
        raise InputError("t", "non-negative times", float(t.min()))
    if not nu > 0:
        raise InputError("nu", "a positive viscosity", nu)
    shape = x.shape
    xs, ts = x.ravel(), t.ravel()
    out = np.empty_like(xs)
    z = np.linspace(-12.0, 12.0, nodes)
    w = np.full(nodes, z[1] - z[0])
    w[0] = w[-1] = w[0] / 2
    logw = np.log(w) - z * z
    for s in range(0, len(xs), chunk):
        xc, tc = xs[s:s + chunk, None], ts[s:s + chunk, None]
        y = xc - np.sqrt(4 * nu * tc) * z[None, :]
        lw = logw[None, :] - np.cos(np.pi * y) / (2 * np.pi * nu)
        lw -= lw.max(axis=1, keepdims=True)
        e = np.exp(lw)
        out[s:s + chunk] = -np.sum(np.sin(np.pi * y) * e, axis=1) / np.sum(e, axis=1)
    return out.reshape(shape)


def _chebyshev(n):
    """Chebyshev points (descending, from 1 to -1) and the differentiation matrix (Trefethen, cheb.m)."""
    k = np.arange(n + 1)
    x = np.cos(np.pi * k / n)
    c = np.where((k == 0) | (k == n), 2.0, 1.0) * (-1.0) ** k
    X = np.tile(x, (n + 1, 1)).T
    dX = X - X.T
    D = np.outer(c, 1 / c) / (dX + np.eye(n + 1))
    D -= np.diag(D.sum(axis=1))
    return x, D


def allen_cahn_chebyshev(x_out, t_out, d=1e-3, n=400, rtol=1e-10, atol=1e-12):
    """u on the grid ``t_out`` x ``x_out`` (shape (nt, nx)) for DeepXDE's Allen-Cahn problem."""
    from scipy.integrate import solve_ivp
    from scipy.interpolate import BarycentricInterpolator

    xc, D = _chebyshev(n)
    D2 = D @ D
    inner = slice(1, n)
    A = d * D2[inner, inner]
    b = d * (D2[inner, 0] * -1.0 + D2[inner, n] * -1.0)  # boundary values u = -1

    def rhs(_, v):
        return A @ v + b + 5 * (v - v**3)

    def jac(_, v):
        return A + np.diag(5 * (1 - 3 * v * v))

    v0 = xc[inner] ** 2 * np.cos(np.pi * xc[inner])
    sol = solve_ivp(rhs, (float(t_out[0]), float(t_out[-1])), v0, method="Radau", t_eval=t_out, jac=jac,
                    rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover - tight tolerances on a smooth problem
        raise RuntimeError(f"Allen-Cahn reference failed: {sol.message}")
    out = np.empty((len(t_out), len(x_out)))
    for i in range(len(t_out)):
        full = np.concatenate([[-1.0], sol.y[:, i], [-1.0]])
        out[i] = BarycentricInterpolator(xc, full)(x_out)
    return out


def write_grid(path, t, coords: dict, fields: dict, source: str, true_equations: str | None = None):
    """Write a ``dataset/1`` PDE file: ``t``, ``coords/<x>``, ``fields/<u>`` of shape (nt, nx, ...)."""
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["sciml_format"] = "dataset/1"
            f.attrs["kind"] = "pde"
            f.attrs["source"] = source
            if true_equations:
                f.attrs["true_equations"] = true_equations
            f.create_dataset("t", data=np.asarray(t, dtype=float))
            g = f.create_group("coords", track_order=True)
            g.attrs["axes"] = list(coords)
            for k, v in coords.items():
                g.create_dataset(k, data=np.asarray(v, dtype=float))
            h = f.create_group("fields", track_order=True)
            for k, v in fields.items():
                h.create_dataset(k, data=np.asarray(v, dtype=float))
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "data")
    x = np.linspace(-1, 1, 256)
    t = np.linspace(0, 0.99, 100)
    T, Xg = np.meshgrid(t, x, indexing="ij")
    write_grid(out / "burgers_reference.h5", t, {"x": x}, {"u": burgers_cole_hopf(Xg, T)},
               "sciml.pde.references.burgers_cole_hopf (Hopf-Cole quadrature, 4001 nodes)",
               "u_t + u*u_x = (0.01/pi)*u_xx")
    xa = np.linspace(-1, 1, 201)
    ta = np.linspace(0, 1, 101)
    write_grid(out / "allen_cahn_reference.h5", ta, {"x": xa}, {"u": allen_cahn_chebyshev(xa, ta)},
               "sciml.pde.references.allen_cahn_chebyshev (Chebyshev N=400, Radau rtol 1e-10)",
               "u_t = 0.001*u_xx + 5*(u - u**3)")
    print(f"wrote {out / 'burgers_reference.h5'} and {out / 'allen_cahn_reference.h5'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
