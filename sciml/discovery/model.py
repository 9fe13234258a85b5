"""``DiscoveredModel``: the equations found, as sympy, and everything one does with them.

A model is a :class:`~sciml.symbolic.modelfile.ModelSpec` (states, right-hand
sides, and JSON extras: per-term coefficients with ensemble uncertainties,
fit scores, the automatic choices) with methods to print, simulate (through
:mod:`sciml.integrate`, or a spectral ETDRK4 scheme for periodic PDEs), turn
into a torch module or a :class:`sciml.pde.Problem`, and save/load as
``model/1`` JSON.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import sympy as sp

from sciml.errors import InputError
from sciml.symbolic import ModelSpec, compile_numpy, export, read_model, write_model
from sciml.symbolic.printers import flatten

__all__ = ["DiscoveredModel", "load_model"]


class DiscoveredModel:
    """Discovered (or hand-written) equations ``d(state)/dt = rhs``.

    Parameters
    ----------
    spec : ModelSpec
        The model; build one from equations with :meth:`from_equations`.
    """

    def __init__(self, spec: ModelSpec):
        if not isinstance(spec, ModelSpec):
            raise InputError("spec", "a sciml.symbolic.ModelSpec", type(spec).__name__)
        self.spec = spec

    @classmethod
    def from_equations(cls, states, rhs, kind: str = "ode", inputs=(), coords=(), info=None) -> DiscoveredModel:
        """A model from state names and right-hand sides (sympy expressions or restricted-parser text)."""
        states = [str(s) for s in states]
        spec = ModelSpec(kind=kind, states=states, rhs=[sp.Integer(0)] * len(states), inputs=list(inputs),
                         coords=list(coords), info=dict(info or {}))
        from sciml.symbolic.parser import ExpressionReader

        reader = ExpressionReader(spec.namespace(), fields=spec.state_objects if kind == "pde" else ())
        parsed = []
        for i, r in enumerate(rhs):
            if isinstance(r, str):
                r = reader.parse(r, argument=f"rhs[{i}]")
            parsed.append(sp.sympify(r))
        spec.rhs = parsed
        return cls(spec)

    # -- what it is -----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def states(self) -> list[str]:
        return list(self.spec.states)

    @property
    def inputs(self) -> list[str]:
        return list(self.spec.inputs)

    @property
    def coords(self) -> list[str]:
        return list(self.spec.coords)

    @property
    def equations(self) -> list[sp.Eq]:
        """``[Eq(Derivative(state, t), rhs), …]``."""
        return self.spec.equations()

    @property
    def rhs(self) -> list[sp.Expr]:
        return list(self.spec.rhs)

    @property
    def coefficients(self) -> list[dict[str, float]]:
        """Per equation, ``{term: coefficient}`` of the expanded right-hand side."""
        from sciml.discovery.report import split_terms

        return [{sp.sstr(term): c for c, term in split_terms(r)} for r in self.spec.rhs]

    @property
    def terms(self) -> list[list[dict]]:
        """Per equation, the library terms kept, with coefficient and (ensembles) ``std`` and ``inclusion``."""
        return self.spec.info.get("terms", [])

    @property
    def uncertainties(self) -> list[dict[str, dict]] | None:
        """Per equation ``{term: {"std": …, "inclusion": …}}`` when an ensemble was fitted, else None."""
        terms = self.terms
        if not terms or not any("std" in t for eq in terms for t in eq):
            return None
        return [{t["term"]: {"std": t.get("std"), "inclusion": t.get("inclusion")} for t in eq} for eq in terms]

    @property
    def scores(self) -> dict:
        return self.spec.info.get("scores", {})

    @property
    def choices(self) -> dict:
        return self.spec.info.get("choices", {})

    @property
    def verdict(self) -> dict:
        """Can the equations be trusted? ``ok``, ``causes``, ``warnings``, held-out R^2, the simulation check.

        See :mod:`sciml.discovery.verdict`; empty for models that were not fitted.
        """
        return self.spec.info.get("verdict", {})

    def __str__(self) -> str:
        from sciml.discovery.report import format_equations

        return "\n".join(format_equations(self))

    def __repr__(self) -> str:
        return f"DiscoveredModel({self.kind}, states {self.states}: " + "; ".join(
            f"d{s}/dt = {sp.sstr(r)}" for s, r in zip(self.states, self.rhs)) + ")"

    # -- evaluation -----------------------------------------------------------------------------
    def predict(self, y, u=None, t=None) -> np.ndarray:
        """The right-hand side at states ``y`` (n_samples, n_states) and inputs ``u`` (ODE models).

        ``t`` (a number or an array like ``y[..., 0]``) is needed when the equations use the time.
        """
        if self.kind != "ode":
            raise InputError("model", "an ODE model for predict(y); use simulate for PDE models", self.kind)
        y = np.atleast_2d(np.asarray(y, dtype=float))
        if y.shape[-1] != len(self.states):
            raise InputError("y", f"states along the last axis ({len(self.states)})", y.shape)
        cols = [y[..., i] for i in range(y.shape[-1])]
        if self.inputs:
            if u is None:
                raise InputError("u", f"values of the inputs {self.inputs}", None)
            u = np.atleast_2d(np.asarray(u, dtype=float))
            if u.shape[-1] != len(self.inputs) or u.shape[:-1] != y.shape[:-1]:
                raise InputError("u", f"an array of shape {y.shape[:-1] + (len(self.inputs),)}", u.shape)
            cols += [u[..., i] for i in range(u.shape[-1])]
        flat = flatten(self.spec)  # parameters replaced by their values
        if t is None:
            if any(flat.time in e.free_symbols for e in flat.exprs):
                raise InputError("t", f"the time: the equations use {flat.time}", None)
            t = 0.0
        out = compile_numpy(flat.exprs, [flat.time, *flat.arguments])(np.asarray(t, dtype=float), *cols)
        return np.stack([np.broadcast_to(o, y.shape[:-1]) for o in out], axis=-1)

    def simulate(self, y0, t, u=None, **options):
        """Integrate the model from ``y0`` and return its values at the times ``t``.

        ODE models go through :func:`sciml.integrate.solve_ivp` (see
        :func:`sciml.discovery.simulate.simulate_ode` for ``options`` and
        inputs); PDE models on periodic grids through Fourier ETDRK4 (see
        :func:`sciml.discovery.pde_simulate.simulate_pde`, which needs
        ``coords=``).
        """
        if self.kind == "ode":
            from sciml.discovery.simulate import simulate_ode

            return simulate_ode(self, y0, t, u=u, **options)
        from sciml.discovery.pde_simulate import simulate_pde

        if u is not None:
            raise InputError("u", "no inputs for PDE models", type(u).__name__)
        return simulate_pde(self, y0, t, **options)

    def to_module(self):
        """A torch ``nn.Module`` ``f(t, y)`` with one trainable coefficient per term."""
        from sciml.discovery.module import SymbolicModule

        return SymbolicModule(self)

    def to_problem(self, domain=None, conditions=(), **options):
        """A :class:`sciml.pde.Problem` with these equations (PDE models).

        ``domain`` defaults to the box the data covered (stored in ``info``);
        ``conditions`` (initial/boundary/data) must be given by the caller.
        """
        if self.kind != "pde":
            raise InputError("model", "a PDE model for to_problem()", self.kind)
        from sciml import pde

        if domain is None:
            ranges = self.spec.info.get("data", {}).get("ranges")
            if not ranges:
                raise InputError("domain", "a sciml.pde domain (this model does not record its data's extent)")
            names = [*self.coords, self.spec.independent]
            domain = None
            for name in names:
                lo, hi = ranges[name]
                piece = pde.Interval(sp.Symbol(name), lo, hi)
                domain = piece if domain is None else domain * piece
        eqs = [sp.Eq(eq.lhs, eq.rhs) for eq in self.equations]
        return pde.Problem(equations=eqs, domain=domain, conditions=list(conditions),
                           time=sp.Symbol(self.spec.independent), **options)

    # -- files and text -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the ``model/1`` JSON file (atomically)."""
        return write_model(self.spec, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> DiscoveredModel:
        """Read a ``model/1`` file (restricted parser, no code runs)."""
        return cls(read_model(path))

    def export(self, to: str, digits: int | None = 4) -> str:
        """The model as ``sympy``, ``latex``, ``python``, ``torch``, ``c`` or ``json`` text."""
        return export(self.spec, to, digits=digits)

    def to_latex(self, digits: int | None = 4) -> str:
        return export(self.spec, "latex", digits=digits)


def load_model(path: str | os.PathLike) -> DiscoveredModel:
    """Read a model file written by :meth:`DiscoveredModel.save` or ``sciml discover --out``."""
    return DiscoveredModel.load(path)
