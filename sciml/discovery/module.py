"""A discovered model as a torch ``nn.Module`` with trainable coefficients.

Each right-hand side is split into ``coefficient * term``; the terms are
compiled once (:func:`sciml.symbolic.compile_torch`) and the coefficients
become one ``nn.Parameter`` per equation, so the model can be refined by
gradient descent (e.g. through :func:`sciml.integrate.odeint`) and read back
as equations with :meth:`SymbolicModule.equations`.
"""

from __future__ import annotations

import sympy as sp
import torch

from sciml.errors import InputError

__all__ = ["SymbolicModule"]


class SymbolicModule(torch.nn.Module):
    """``forward(t, y)`` (ODE; states on the last axis, inputs via ``u=``) or
    ``forward(t, *values)`` (PDE; the values of ``arguments``) returning the time derivatives.
    """

    def __init__(self, model):
        super().__init__()
        from sciml.discovery.report import split_terms
        from sciml.symbolic import compile_torch
        from sciml.symbolic.printers import flatten

        flat = flatten(model.spec)
        self.kind = model.kind
        self.states = list(model.states)
        self.n_inputs = len(model.inputs)
        self.arguments = [str(a) for a in flat.arguments]
        self._terms: list[list[sp.Expr]] = []
        self._index: list[list[int]] = []
        distinct: dict[sp.Expr, int] = {}  # term -> feature index
        params = []
        for expr in flat.exprs:
            pairs = split_terms(expr)
            idx = []
            for _, term in pairs:
                idx.append(distinct.setdefault(term, len(distinct)))
            self._terms.append([term for _, term in pairs])
            self._index.append(idx)
            values = [c for c, _ in pairs]
            dtype = torch.complex128 if any(isinstance(c, complex) for c in values) else torch.float64
            params.append(torch.nn.Parameter(torch.tensor(values, dtype=dtype)))
        self.coefficients = torch.nn.ParameterList(params)
        self._distinct = list(distinct)
        self._f = compile_torch(self._distinct, flat.arguments) if distinct else None

    def _rhs(self, values, ref):
        feats = self._f(*values) if self._f is not None else ()
        out = []
        for coef, idx in zip(self.coefficients, self._index):
            c = coef.to(dtype=ref.dtype, device=ref.device)
            acc = torch.zeros_like(ref)
            for k, j in enumerate(idx):
                acc = acc + c[k] * feats[j]
            out.append(acc)
        return out

    def forward(self, t, y, *values, u=None):
        if self.kind == "ode":
            if y.shape[-1] != len(self.states):
                raise InputError("y", f"states along the last axis ({len(self.states)})", tuple(y.shape))
            cols = list(y.unbind(-1))
            if self.n_inputs:
                if u is None:
                    raise InputError("u", f"{self.n_inputs} input value(s) along the last axis", None)
                cols += list(u.expand(*y.shape[:-1], -1).unbind(-1))
            return torch.stack(self._rhs(cols, y[..., 0]), dim=-1)
        args = (y, *values)
        if len(args) != len(self.arguments):
            raise InputError("values", f"the arrays {self.arguments}", f"{len(args)} arrays")
        return torch.stack(self._rhs(list(args), y), dim=-1)

    def equations(self) -> list[sp.Expr]:
        """The right-hand sides with the current coefficient values."""
        out = []
        for coef, terms in zip(self.coefficients, self._terms):
            c = coef.detach().cpu().tolist()
            out.append(sp.Add(*[sp.Float(ci) * term for ci, term in zip(c, terms)]))
        return out
