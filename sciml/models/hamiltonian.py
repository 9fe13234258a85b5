"""Energy-conserving fields: Hamiltonian and Lagrangian neural networks, on states ``x = [q, p]`` / ``[q, q̇]``.

- :class:`HamiltonianNN` (S. Greydanus, M. Dzamba, J. Yosinski, "Hamiltonian neural networks",
  NeurIPS 2019): a network ``H_θ(q, p)``, and the field ``(∂H/∂p, −∂H/∂q)``. With
  ``kinetic=`` and ``potential=`` it is separable, ``H = T(p) + V(q)``, and the symplectic
  solvers of :mod:`sciml.integrate` (``leapfrog``, ``yoshida4``) integrate it without energy drift.
- :class:`LagrangianNN` (M. Cranmer, S. Greydanus, S. Hoyer, P. Battaglia, D. Spergel, S. Ho,
  "Lagrangian neural networks", ICLR 2020 workshop): a network ``L_θ(q, q̇)`` and the
  Euler–Lagrange accelerations ``q̈ = (∇_q̇∇_q̇ᵀL)⁻¹ (∇_q L − (∇_q̇∇_qᵀL) q̇)``.

Both are vector fields ``field(t, x)`` for :class:`~sciml.models.NeuralODE`.
"""

from __future__ import annotations

import torch
from torch import nn

from sciml.errors import InputError

__all__ = ["HamiltonianNN", "LagrangianNN"]


def _scalar_per_sample(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A network's energy output ``(B,)`` or ``(B, 1)`` as ``(B,)``."""
    if v.dim() == like.dim() and v.shape[-1] == 1:
        v = v[..., 0]
    if v.shape != like.shape[:-1]:
        raise InputError("energy network", f"one value per sample, shape {tuple(like.shape[:-1])} or "
                                           f"{tuple(like.shape[:-1]) + (1,)}", f"shape {tuple(v.shape)}")
    return v


def _even_state(x: torch.Tensor, what: str) -> int:
    if not isinstance(x, torch.Tensor) or x.dim() == 0 or x.shape[-1] % 2:
        got = f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError("x", f"a state {what} with an even last dimension", got)
    return x.shape[-1] // 2


class HamiltonianNN(nn.Module):
    """``dx/dt = J ∇H(x)`` for ``x = [q, p]``: ``dq/dt = ∂H/∂p``, ``dp/dt = −∂H/∂q``.

    Give either ``hamiltonian`` (a module ``x -> H``, Greydanus et al.) or ``kinetic`` (``p -> T``)
    and ``potential`` (``q -> V``) for a separable ``H = T(p) + V(q)``.
    """

    def __init__(self, hamiltonian: nn.Module | None = None, *, kinetic: nn.Module | None = None,
                 potential: nn.Module | None = None):
        super().__init__()
        separable = kinetic is not None or potential is not None
        if separable == (hamiltonian is not None):
            raise InputError("hamiltonian", "either hamiltonian=H(x) or both kinetic=T(p) and potential=V(q)",
                             "both" if separable else "neither")
        if separable and (kinetic is None or potential is None):
            raise InputError("kinetic/potential", "both a kinetic T(p) and a potential V(q) network",
                             "only one of them")
        for name, m in (("hamiltonian", hamiltonian), ("kinetic", kinetic), ("potential", potential)):
            if m is not None and not callable(m):
                raise InputError(name, "a module (or callable) returning one energy per sample", type(m).__name__)
        self.net, self.kinetic, self.potential = hamiltonian, kinetic, potential
        self.separable = separable

    def hamiltonian(self, x: torch.Tensor) -> torch.Tensor:
        """``H(x)`` per sample, shape ``x.shape[:-1]``."""
        n = _even_state(x, "[q, p]")
        if self.separable:
            q, p = x[..., :n], x[..., n:]
            return _scalar_per_sample(self.kinetic(p), q) + _scalar_per_sample(self.potential(q), q)
        return _scalar_per_sample(self.net(x), x[..., :n])

    def forward(self, t, x):
        n = _even_state(x, "[q, p]")
        create = torch.is_grad_enabled()
        with torch.enable_grad():
            if not x.requires_grad:
                x = x.detach().requires_grad_(True)
            dH = torch.autograd.grad(self.hamiltonian(x).sum(), x, create_graph=create)[0]
        out = torch.cat([dH[..., n:], -dH[..., :n]], -1)
        return out if create else out.detach()


class LagrangianNN(nn.Module):
    """``d[q, q̇]/dt = [q̇, q̈]`` with ``q̈`` from the Euler–Lagrange equations of a learned ``L(q, q̇)``.

    The Hessian ``∇_q̇∇_q̇ᵀ L`` must be invertible (a mass matrix); a singular one raises.
    """

    def __init__(self, lagrangian: nn.Module):
        super().__init__()
        if not callable(lagrangian):
            raise InputError("lagrangian", "a module x -> L(q, q̇)", type(lagrangian).__name__)
        self.net = lagrangian

    def lagrangian(self, x: torch.Tensor) -> torch.Tensor:
        n = _even_state(x, "[q, q̇]")
        return _scalar_per_sample(self.net(x), x[..., :n])

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """The conserved energy ``q̇ · ∂L/∂q̇ − L`` per sample."""
        n = _even_state(x, "[q, q̇]")
        with torch.enable_grad():
            x = x if x.requires_grad else x.detach().requires_grad_(True)
            L = self.lagrangian(x)
            g = torch.autograd.grad(L.sum(), x, create_graph=torch.is_grad_enabled())[0]
        return (x[..., n:] * g[..., n:]).sum(-1) - L

    def forward(self, t, x):
        n = _even_state(x, "[q, q̇]")
        create = torch.is_grad_enabled()
        flat = x.reshape(-1, 2 * n)
        with torch.enable_grad():
            if not flat.requires_grad:
                flat = flat.detach().requires_grad_(True)
            g = torch.autograd.grad(self.lagrangian(flat).sum(), flat, create_graph=True)[0]
            rows = [torch.autograd.grad(g[:, n + i].sum(), flat, create_graph=create, retain_graph=True)[0]
                    for i in range(n)]
        H = torch.stack(rows, 1)  # (B, n, 2n): ∂²L / ∂q̇_i ∂x_j
        v = flat[:, n:]
        rhs = g[:, :n] - torch.einsum("bij,bj->bi", H[:, :, :n], v)
        acc = torch.linalg.solve(H[:, :, n:], rhs[..., None])[..., 0]
        out = torch.cat([v, acc], -1).reshape(x.shape)
        return out if create else out.detach()
