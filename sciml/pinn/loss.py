"""The physics-informed loss: residuals of equations and conditions at their points.

All point sets (collocation points, each condition's points, data points, periodic
pairs) are concatenated and sent through the network once per evaluation; one
derivative request serves every term (:mod:`sciml.pinn.derivatives`). Each loss term is
the mean squared residual of one equation or condition (Raissi, Perdikaris & Karniadakis
2019), optionally weighted per point by self-adaptive weights (McClenny & Braga-Neto 2020).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp
import torch
from torch import nn

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pinn.constraints import HardConstraint
from sciml.pinn.derivatives import NetworkDerivatives, order, parent
from sciml.pinn.residuals import CompiledResidual

__all__ = ["PINNLoss", "Group", "DerivativeHelper"]


@dataclass
class Group:
    """Points sharing one compiled residual."""

    name: str
    kind: str  # "pde", "condition", "periodic", "data"
    labels: list
    weights: list
    residual: CompiledResidual | None
    X: np.ndarray
    normals: np.ndarray | None = None
    extra: list = field(default_factory=list)
    callables: list = field(default_factory=list)
    condition: object = None


class DerivativeHelper:
    """``d(u, x, x)``: derivatives of fields for equations written as Python callables.

    Fields and variables may be given as sympy objects or names, ``(x, 2)`` counts twice.
    Derivatives already computed for the sympy terms are reused; others are taken by
    autograd from the nearest lower one. ``d.parameters`` maps parameter names to values.
    """

    def __init__(self, problem, fields, X, parameters, record=None):
        self._problem = problem
        self._fields = fields
        self._X = X
        self.parameters = parameters
        self._record = record
        self._names = [f.func.__name__ for f in problem.fields]
        self._vars = [str(v) for v in problem.variables]

    def _key(self, f, variables):
        if isinstance(f, sp.Basic):
            f = f.func.__name__ if hasattr(f, "func") else str(f)
        if f not in self._names:
            raise InputError("field", f"one of the fields {self._names}", repr(f))
        alpha = [0] * len(self._vars)
        for v in variables:
            count = 1
            if isinstance(v, tuple):
                v, count = v
            name = str(v)
            if name not in self._vars:
                raise InputError("variable", f"one of the variables {self._vars}", repr(v))
            alpha[self._vars.index(name)] += int(count)
        return self._names.index(f), tuple(alpha)

    def __call__(self, f, *variables):
        key = self._key(f, variables)
        if key in self._fields:
            return self._fields[key]
        if self._record is not None:
            self._record.add(key)
            return torch.zeros_like(self._X[:, 0])
        k, alpha = key
        beta, i = parent(alpha)
        lower = self(self._names[k], *[(v, c) for v, c in zip(self._vars, beta) if c])
        (g,) = torch.autograd.grad(lower.sum(), self._X, create_graph=True)
        self._fields[key] = g[:, i]
        return self._fields[key]


class PINNLoss(nn.Module):
    """Evaluates every loss term of a problem for a network.

    ``constraints``: {field index: HardConstraint}; ``engine``: derivative engine.
    """

    def __init__(self, problem, network, constraints, engine="auto", dtype=torch.float64, device="cpu",
                 self_adaptive=False):
        super().__init__()
        self.problem = problem
        self.network = network
        self.constraints = constraints
        self.dtype, self.device = dtype, torch.device(device)
        self.engine_choice = engine
        self.raw = nn.ParameterDict()
        self._param_kind = {}
        for p in problem.parameters.values():
            if not p.learnable:
                continue
            if p.is_positive:
                if p.value <= 0:
                    raise ProblemDefinitionError(f"the positive parameter {p.name} needs a positive initial value")
                raw, kind = float(np.log(p.value)), ("log", 1.0)
            else:
                scale = abs(p.value) if p.value != 0 else 1.0
                raw, kind = p.value / scale, ("scaled", scale)
            self.raw[p.name] = nn.Parameter(torch.tensor(raw, dtype=dtype, device=self.device))
            self._param_kind[p.name] = kind
        self.self_adaptive = bool(self_adaptive)
        self.adaptive = nn.ParameterDict()
        self.groups: list[Group] = []
        self._derivs = None
        self.shard = None  # (rank, world): this process evaluates its part of every group's points

    def set_shard(self, rank, world):
        """Evaluate only this rank's contiguous part of each group's points; each term is then this rank's
        share of the global mean (its residuals' sum over the global count), summed over ranks."""
        self.shard = None if world <= 1 else (int(rank), int(world))

    # --- parameters -------------------------------------------------------------------------------
    def parameter_values(self) -> dict:
        out = {}
        for name, raw in self.raw.items():
            kind, scale = self._param_kind[name]
            out[name] = torch.exp(raw) if kind == "log" else raw * scale
        return out

    def set_parameter(self, name, value):
        kind, scale = self._param_kind[name]
        with torch.no_grad():
            self.raw[name].fill_(float(np.log(value)) if kind == "log" else value / scale)

    # --- points -----------------------------------------------------------------------------------
    def set_groups(self, groups):
        """Install point groups; prepares the concatenated batch and the constraint coefficients."""
        self.groups = list(groups)
        request = set()
        for g in self.groups:
            needs = list(g.residual.needs) if g.residual is not None else []
            needs += list(getattr(g, "_recorded", ()))
            for k, alpha in needs:
                c = self.constraints.get(k)
                if c is None:
                    request.add((k, alpha))
                else:
                    request.update((k, b) for b in c.expand(alpha))
            g._needs = needs
        dim = len(self.problem.variables)
        if self._derivs is None or self._derivs.request != (request | {(k, (0,) * dim) for k, _ in request}):
            engine = self._derivs.engine if self._derivs is not None else self.engine_choice
            self._derivs = NetworkDerivatives(self.network, dim, request, engine)
        tensors, start = [], 0
        for g in self.groups:
            g._count = len(g.X) // 2 if g.kind == "periodic" else len(g.X)
            X = torch.as_tensor(self._local(g, g.X), dtype=self.dtype, device=self.device)
            g._X = X
            g._slice = slice(start, start + len(X))
            start += len(X)
            tensors.append(X)
            g._normals = (None if g.normals is None else
                          torch.as_tensor(self._local(g, g.normals), dtype=self.dtype, device=self.device))
            g._extra = [torch.as_tensor(self._local(g, np.asarray(e)), dtype=self.dtype, device=self.device)
                        if np.ndim(e) else torch.as_tensor(e, dtype=self.dtype, device=self.device) for e in g.extra]
            g._coef = {}
            for k, c in self.constraints.items():
                alphas = [a for kk, a in g._needs if kk == k]
                if alphas:
                    g._coef[k] = c.coefficients(X, alphas)
            if self.self_adaptive:
                for label in g.labels:
                    n = len(X) // 2 if g.kind == "periodic" else len(X)
                    self.adaptive[label] = nn.Parameter(torch.ones(n, dtype=self.dtype, device=self.device))
        self._X_all = torch.cat(tensors) if tensors else None
        self._needs_grad = any(g.callables for g in self.groups) or self._derivs.needs_input_grad

    def _local(self, g, A):
        """This rank's rows of a group's array (periodic groups: the same pairs from both halves)."""
        if self.shard is None:
            return A
        rank, world = self.shard
        n = g._count
        lo, hi = rank * n // world, (rank + 1) * n // world
        if g.kind == "periodic":
            return np.concatenate([A[lo:hi], A[n + lo:n + hi]])
        return A[lo:hi]

    @property
    def engine(self):
        return self._derivs.engine

    def force_engine(self, engine):
        """Use ``engine`` from now on (a resumed or distributed run keeps the choice already made)."""
        self._derivs.engine, self._derivs._auto = engine, False

    def choose_engine(self):
        if self._derivs is not None:
            self._derivs.choose(self._X_all, lambda: self()[0])
        return self.engine

    # --- evaluation -------------------------------------------------------------------------------
    def _field_values(self, g, derivs):
        out = {}
        sl = g._slice
        for k, alpha in g._needs:
            c = self.constraints.get(k)
            if c is None:
                out[(k, alpha)] = derivs[(k, alpha)][sl]
            else:
                G, P = g._coef[k]
                N = {b: derivs[(k, b)][sl] for b in c.expand(alpha)}
                out[(k, alpha)] = HardConstraint.apply(alpha, G, P, N)
        return out

    def residuals(self, X_all=None, groups=None):
        """{label: residual tensor} for every term."""
        groups = self.groups if groups is None else groups
        X = self._X_all if X_all is None else X_all
        if self._needs_grad:
            X = X.detach().requires_grad_(True)
        derivs = self._derivs(X)
        params = self.parameter_values()
        out = {}
        for g in groups:
            fields = self._field_values(g, derivs)
            Xg = X[g._slice]
            res = []
            if g.residual is not None:
                r = g.residual(Xg, g._normals, params, g._extra, fields)
                res += list(r) if isinstance(r, tuple) else [r]
            if g.callables:
                points = {str(v): Xg[:, i] for i, v in enumerate(self.problem.variables)}
                helper = DerivativeHelper(self.problem, fields, X, params)
                helper._X = X
                res += [torch.as_tensor(f(points, helper)) for f in g.callables]
            if g.kind == "periodic":
                n = Xg.shape[0] // 2
                res = [r[:n] - r[n:] for r in res]
            for label, r in zip(g.labels, res):
                out[label] = r
        return out

    def enable_compile(self):
        """Evaluate the loss terms through ``torch.compile`` (fused kernels; first call compiles)."""
        self._compiled = torch.compile(self._terms)

    def _terms(self, X_all):
        res = self.residuals(X_all)
        terms = {}
        for g in self.groups:
            for label in g.labels:
                r = res[label]
                if self.self_adaptive and label in self.adaptive:
                    r = self.adaptive[label] * r
                terms[label] = torch.mean(r * r) if self.shard is None else torch.sum(r * r) / max(g._count, 1)
        return terms

    def forward(self):
        """(total weighted loss, {label: term loss})."""
        compiled = getattr(self, "_compiled", None)
        terms = (compiled or self._terms)(self._X_all)
        total = 0.0
        for g in self.groups:
            for label, w in zip(g.labels, g.weights):
                total = total + w * terms[label]
        return total, terms

    def pde_residual(self, X: np.ndarray, chunk: int = 8192) -> np.ndarray:
        """Sum over equations of |residual| at new points ``X`` (for adaptive sampling)."""
        pde = [g for g in self.groups if g.kind == "pde"]
        if not pde:
            return np.zeros(len(X))
        g0 = pde[0]
        out = []
        for s in range(0, len(X), chunk):
            Xc = torch.as_tensor(X[s:s + chunk], dtype=self.dtype, device=self.device)
            probe = Group(g0.name, "pde", g0.labels, g0.weights, g0.residual, X[s:s + chunk],
                          callables=g0.callables)
            probe._X, probe._slice, probe._normals, probe._extra = Xc, slice(0, len(Xc)), None, []
            probe._needs = g0._needs
            probe._coef = {k: c.coefficients(Xc, [a for kk, a in g0._needs if kk == k])
                           for k, c in self.constraints.items() if any(kk == k for kk, _ in g0._needs)}
            grad_needed = self._needs_grad or self._derivs.engine == "autograd"
            with torch.set_grad_enabled(grad_needed):
                res = self.residuals(Xc, [probe])
            total = sum(r.detach().abs() for r in res.values())
            out.append(total.cpu().numpy() * np.ones(len(Xc)))
        return np.concatenate(out)


def record_callable_needs(problem, callables, dtype=torch.float64):
    """Run each callable once on a few points to learn which derivatives it asks for."""
    recorded = set()
    X = torch.as_tensor(problem.sample_interior(4, "uniform", 0), dtype=dtype)
    points = {str(v): X[:, i] for i, v in enumerate(problem.variables)}
    params = {p.name: torch.tensor(p.value, dtype=dtype) for p in problem.parameters.values()}
    for f in callables:
        helper = DerivativeHelper(problem, {}, X, params, record=recorded)
        try:
            f(points, helper)
        except Exception as exc:  # noqa: BLE001 - report any failure of user code clearly
            raise ProblemDefinitionError(f"the equation callable {getattr(f, '__name__', f)!r} failed: {exc}") from exc
    return {key for key in recorded if order(key[1]) <= 2}


__all__ += ["record_callable_needs"]
