"""``Result`` of a PINN solve: predictions, history, learned parameters, errors, plots, save/load."""

from __future__ import annotations

import numpy as np
import torch

from sciml.errors import InputError, ModelFileError
from sciml.pinn.reference import reference_values

__all__ = ["Result"]

FORMAT = "sciml-pinn/1"


class Result:
    """A trained physics-informed network.

    - ``predict(points)`` or ``predict(x=..., t=...)``: field values (an array for one field,
      a dict per field for several; ``field=`` picks one);
    - ``history``: iterations, times, total and per-term losses, parameter trajectories;
    - ``parameters``: learned (and fixed) parameter values; ``info``: run facts;
    - ``error_against(reference)``: relative L2 error; ``plot(path)``; ``save(path)`` / ``load(path)``.
    """

    def __init__(self, problem, network, constraints, history, info, loss_module=None, hard_spec=False):
        self.problem = problem
        self.network = network
        self.constraints = constraints
        self.history = history
        self.info = info
        self._loss = loss_module
        self._hard_spec = hard_spec
        self.parameters = {p.name: float(p.value) for p in problem.parameters.values()}
        if loss_module is not None:
            self.parameters.update({k: float(v.detach()) for k, v in loss_module.parameter_values().items()})

    @property
    def field_names(self):
        return [f.func.__name__ for f in self.problem.fields]

    # --- prediction -------------------------------------------------------------------------------
    def _points(self, points, coords):
        names = [str(v) for v in self.problem.variables]
        if points is not None and coords:
            raise InputError("predict", "either an (N, d) array or keyword arrays, not both", "both")
        if points is None:
            missing = [n for n in names if n not in coords]
            extra = [k for k in coords if k not in names]
            if missing or extra:
                raise InputError("predict", f"keyword arrays for exactly the variables {names}",
                                 f"missing {missing}, unknown {extra}")
            arrays = np.broadcast_arrays(*[np.asarray(coords[n], dtype=float) for n in names])
            shape = arrays[0].shape
            return np.stack([a.ravel() for a in arrays], axis=1), shape
        if isinstance(points, dict):
            return self._points(None, points)
        X = np.asarray(points, dtype=float)
        if X.ndim == 1 and len(names) == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(names):
            raise InputError("points", f"an (N, {len(names)}) array with columns {names}", f"shape {X.shape}")
        return X, (X.shape[0],)

    def evaluate(self, X: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """Field values (N, fields) at points (N, d)."""
        p = next(self.network.parameters(), None)
        dtype = p.dtype if p is not None else torch.float64
        device = p.device if p is not None else torch.device("cpu")
        zero = (0,) * len(self.problem.variables)
        out = []
        with torch.no_grad():
            for s in range(0, len(X), chunk):
                Xt = torch.as_tensor(X[s:s + chunk], dtype=dtype, device=device)
                N = self.network(Xt)
                cols = []
                for k in range(N.shape[1]):
                    c = self.constraints.get(k)
                    if c is None:
                        cols.append(N[:, k])
                    else:
                        G, P = c.coefficients(Xt, [zero])
                        cols.append(G[zero] + P[zero] * N[:, k])
                out.append(torch.stack([c * torch.ones_like(N[:, 0]) for c in cols], 1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.field_names)))

    def predict(self, points=None, field=None, **coords):
        """Predicted field values at ``points`` ((N, d) array or dict) or at keyword arrays (broadcast)."""
        X, shape = self._points(points, coords)
        values = self.evaluate(X)
        names = self.field_names
        if field is not None:
            name = getattr(getattr(field, "func", field), "__name__", str(field))
            if name not in names:
                raise InputError("field", f"one of {names}", repr(field))
            return values[:, names.index(name)].reshape(shape)
        if len(names) == 1:
            return values[:, 0].reshape(shape)
        return {n: values[:, i].reshape(shape) for i, n in enumerate(names)}

    # --- errors -----------------------------------------------------------------------------------
    def error_against(self, reference, field=None, points=None) -> float:
        """Relative L2 error ||pred - ref|| / ||ref|| over the fields the reference gives (or ``field``)."""
        X, ref, _ = reference_values(self.problem, reference, points)
        pred = self.evaluate(X)
        names = self.field_names
        keys = [k for k in ref if k in names]
        if field is not None:
            fname = getattr(getattr(field, "func", field), "__name__", str(field))
            keys = [fname] if fname in ref else []
        if not keys:
            raise InputError("reference", f"values for the fields {names}", f"fields {sorted(ref)}")
        num = sum(float(np.sum((pred[:, names.index(k)] - ref[k]) ** 2)) for k in keys)
        den = sum(float(np.sum(ref[k] ** 2)) for k in keys)
        return float(np.sqrt(num / den)) if den > 0 else float(np.sqrt(num))

    # --- output -----------------------------------------------------------------------------------
    def plot(self, path, reference=None, n=201):
        """Solution, reference, error and loss curves in one PNG (written atomically)."""
        from sciml.pinn.plotting import plot_result

        return plot_result(self, path, reference, n)

    def to_hdf5(self, path, n=(256, 100)):
        """Write the prediction on a grid as a ``dataset/1`` file (see :mod:`sciml.pinn.export`)."""
        from sciml.pinn.export import write_solution

        return write_solution(self, path, n)

    def save(self, path):
        """A directory with ``weights.pt`` (state dicts) and ``meta.json``."""
        from sciml.train import save_checkpoint

        if not hasattr(self.network, "spec"):
            raise ModelFileError("only sciml networks (MLP, FourierMLP, ModifiedMLP) can be saved with their "
                                 "architecture; save network.state_dict() yourself for others")
        state = {"network": self.network.state_dict()}
        if self._loss is not None and len(self._loss.raw):
            state["parameters"] = self._loss.raw.state_dict()
        meta = {"format": FORMAT, "network": self.network.spec(), "fields": self.field_names,
                "variables": [str(v) for v in self.problem.variables], "parameters": self.parameters,
                "hard": self._hard_spec, "info": _jsonable(self.info), "history": self.history,
                "dtype": str(next(self.network.parameters()).dtype).replace("torch.", "")}
        save_checkpoint(path, state, meta)
        return path

    @classmethod
    def load(cls, path, problem, hard=None, device=None):
        """Load a saved result for ``problem`` (the same problem it was trained on).

        Custom hard constraints (``hard={u: (G, phi)}``) must be passed again as ``hard``.
        """
        from sciml.pinn.constraints import build_constraints
        from sciml.pinn.networks import build_network
        from sciml.train import load_checkpoint, resolve_device, resolve_dtype

        state, meta = load_checkpoint(path)
        if meta.get("format") != FORMAT:
            raise ModelFileError(f"{path}: format {meta.get('format')!r}, expected {FORMAT!r}")
        names = [f.func.__name__ for f in problem.fields]
        variables = [str(v) for v in problem.variables]
        if meta.get("fields") != names or meta.get("variables") != variables:
            raise ModelFileError(f"{path}: saved for fields {meta.get('fields')} in {meta.get('variables')}, "
                                 f"not this problem's {names} in {variables}")
        if meta.get("hard") == "custom" and hard is None:
            raise ModelFileError(f"{path}: was trained with custom hard constraints; pass them again as hard=")
        try:
            net = build_network(meta["network"]).to(resolve_dtype(meta.get("dtype", "float64")))
            net.load_state_dict(state["network"])
        except (KeyError, RuntimeError, TypeError, InputError) as exc:
            raise ModelFileError(f"{path}: weights do not match the stored network ({exc})") from exc
        net = net.to(device=resolve_device(device), dtype=resolve_dtype(meta.get("dtype", "float64")))
        constraints = build_constraints(problem, hard if hard is not None else bool(meta.get("hard")))
        result = cls(problem, net, constraints, meta.get("history", {}), meta.get("info", {}), None,
                     meta.get("hard", False))
        result.parameters.update({k: float(v) for k, v in meta.get("parameters", {}).items()})
        return result


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj
