"""Jacobians ``∂f/∂y`` (and ``∂f/∂t``) of the vector field for the implicit methods.

By automatic differentiation: one forward evaluation with the state (and time) marked
for gradients, then the ``N`` rows of the Jacobian as one batched reverse pass
(``torch.autograd.grad(..., is_grads_batched=True)``, which vmaps the backward pass over
the ``N`` unit cotangents; a loop over rows when ``func`` has an operation vmap cannot batch).

Independent batches: systems do not interact, so the cotangent ``e_i`` applied to every
system at once returns row ``i`` of every system's own Jacobian — ``N`` batched passes
give the block-diagonal ``(B, N, N)`` Jacobian, never a ``(BN, BN)`` matrix. (This relies
on the independence that ``batch="independent"`` already promises.)

A user-supplied ``jac(t, y)`` returns ``∂f/∂y`` for the flattened state: ``(N, N)``
(joint) or ``(B, N, N)`` (independent); ``∂f/∂t`` is then still taken by autograd when a
method needs it.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["JacobianEvaluator"]


class JacobianEvaluator:
    """Evaluates ``(J, f_t, f)`` at ``(t, y)`` for a term; counts evaluations.

    ``differentiable=True`` keeps the graph (``create_graph``), so that ``J`` and ``f_t``
    are themselves differentiable with respect to the state's history and the parameters
    of ``func`` (used by Rosenbrock steps under ``direct``/``checkpoint`` gradients).
    """

    def __init__(self, term, independent: bool, user_jac=None):
        self.term = term
        self.independent = independent
        self.user_jac = user_jac
        self.batched = True  # is_grads_batched works for this func (until shown otherwise)
        self.n_evals = 0

    def __call__(self, t, y: torch.Tensor, *, with_time: bool, differentiable: bool):
        """``J`` ((N, N) or (B, N, N)), ``f_t`` (like ``y`` or None when not asked), ``f(t, y)``."""
        self.n_evals += 1
        term = self.term
        packer = term.packer
        tt = term.at(t)  # from inside the step at a jump_t, as the stages
        with torch.enable_grad():
            if differentiable and y.requires_grad:
                yy = y
            else:
                yy = y.detach().requires_grad_(True)
            tt = tt.detach().requires_grad_(with_time)
            f = packer.pack(term.func(tt, packer.unpack(yy)))
            term.nfe += 1
            if self.user_jac is not None:
                J = self._user(tt.detach(), yy if differentiable else yy.detach(), y)
                ft = None
                if with_time:
                    ft = self._grads(f, [tt], differentiable)[0]
            else:
                inputs = [yy, tt] if with_time else [yy]
                grads = self._grads(f, inputs, differentiable)
                J, ft = grads[0], (grads[1] if with_time else None)
                J = J.permute(1, 0, 2) if self.independent else J
        if ft is not None:
            ft = ft.T if self.independent else ft
            ft = ft.to(y.dtype)
        if not differentiable:
            f = f.detach()
            J = J.detach()
            ft = None if ft is None else ft.detach()
        return J, ft, f

    def _grads(self, f, inputs, differentiable):
        """Rows of ``∂f/∂x`` for each input ``x``: shapes ``(N, *x.shape)``."""
        N = f.shape[-1]
        eye = torch.eye(N, dtype=f.dtype, device=f.device)
        cot = eye[:, None, :].expand(N, *f.shape) if self.independent else eye
        out = None
        if self.batched:
            try:
                out = torch.autograd.grad(f, inputs, cot, retain_graph=True, create_graph=differentiable,
                                          allow_unused=True, is_grads_batched=True)
            except (RuntimeError, NotImplementedError):
                self.batched = False  # an op without a vmap rule: fall back to one pass per row
        if out is None:
            rows = [torch.autograd.grad(f, inputs, cot[i], retain_graph=True, create_graph=differentiable,
                                        allow_unused=True) for i in range(N)]
            out = tuple(None if rows[0][k] is None else torch.stack([r[k] for r in rows])
                        for k in range(len(inputs)))
        return [torch.zeros((N, *x.shape), dtype=x.dtype, device=x.device) if g is None else g
                for g, x in zip(out, inputs)]

    def _user(self, t, y_flat, y_ref):
        J = self.user_jac(t, self.term.packer.unpack(y_flat))
        N = y_ref.shape[-1]
        expected = (y_ref.shape[0], N, N) if self.independent else (N, N)
        if not isinstance(J, torch.Tensor) or tuple(J.shape) != expected:
            got = f"shape {tuple(J.shape)}" if isinstance(J, torch.Tensor) else type(J).__name__
            raise InputError("jac", f"jac(t, y) returning a tensor of shape {expected} (d f / d y of the "
                                    "flattened state)", got)
        return J.to(y_ref.dtype)
