"""One PNG with the solution, the reference, the error and the loss curves."""

from __future__ import annotations

import numpy as np

from sciml.atomic import atomic_path

__all__ = ["plot_result"]


def _plane(problem, n):
    """A 2-D slice (two variables varying, others at their midpoint) or a 1-D line."""
    lo, hi = problem.domain.bounds
    names = [str(v) for v in problem.variables]
    if len(names) == 1:
        x = np.linspace(lo[0], hi[0], n)
        return x[:, None], (n,), names
    # vary the time (if any) and the first spatial variable, or the first two
    idx = [names.index(str(problem.time))] if problem.time is not None else []
    idx += [i for i in range(len(names)) if i not in idx][: 2 - len(idx)]
    a, b = (np.linspace(lo[i], hi[i], n) for i in idx)
    A, B = np.meshgrid(a, b, indexing="ij")
    X = np.tile((lo + hi) / 2, (A.size, 1))
    X[:, idx[0]], X[:, idx[1]] = A.ravel(), B.ravel()
    return X, A.shape, [names[i] for i in idx], (lo[idx], hi[idx])


def plot_result(result, path, reference=None, n=201):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sciml.pinn.reference import reference_values

    problem = result.problem
    names = result.field_names[:3]
    plane = _plane(problem, n)
    X, shape = plane[0], plane[1]
    pred = result.evaluate(X)
    ref = None
    if reference is not None:
        _, ref_vals, _ = reference_values(problem, reference, X) if callable(reference) else (None, None, None)
        if ref_vals is None:
            try:
                from scipy.interpolate import griddata

                Xr, vals, _ = reference_values(problem, reference)
                ref_vals = {k: griddata(Xr, v, X, method="linear") for k, v in vals.items()}
            except Exception:  # noqa: BLE001 - a reference that cannot be drawn is left out of the plot
                ref_vals = None
        ref = ref_vals
    inside = problem.domain.contains(X)
    cols = 4 if ref else 2
    fig, axes = plt.subplots(len(names), cols, figsize=(4.2 * cols, 3.4 * len(names)), squeeze=False)
    for r, name in enumerate(names):
        u = np.where(inside, pred[:, result.field_names.index(name)], np.nan)
        panels = [(f"{name} (PINN)", u)]
        if ref and name in ref:
            rv = np.where(inside, np.asarray(ref[name], dtype=float), np.nan)
            panels += [(f"{name} (reference)", rv), (f"|error| {name}", np.abs(u - rv))]
        for c, (title, v) in enumerate(panels):
            ax = axes[r][c]
            if len(shape) == 1:
                ax.plot(X[:, 0], v)
                ax.set_xlabel(plane[2][0])
            else:
                (lo, hi) = plane[3]
                im = ax.imshow(v.reshape(shape).T, origin="lower", aspect="auto", cmap="viridis",
                               extent=[lo[0], hi[0], lo[1], hi[1]])
                fig.colorbar(im, ax=ax)
                ax.set_xlabel(plane[2][0])
                ax.set_ylabel(plane[2][1])
            ax.set_title(title)
        for c in range(len(panels), cols - 1):
            axes[r][c].axis("off")
        ax = axes[r][cols - 1]
        if r == 0 and result.history.get("loss"):
            h = result.history
            ax.semilogy(h["iteration"], h["loss"], label="total")
            for k, v in h.get("terms", {}).items():
                ax.semilogy(h["iteration"][: len(v)], v, label=k, alpha=0.7)
            ax.set_xlabel("iteration")
            ax.set_title("loss")
            ax.legend(fontsize=7)
        else:
            ax.axis("off")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
    return path
