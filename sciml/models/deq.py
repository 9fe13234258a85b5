"""Deep equilibrium models: a layer whose output is the fixed point ``z* = f(z*, x)``.

S. Bai, J. Z. Kolter, V. Koltun, "Deep equilibrium models", NeurIPS 2019. The forward pass
finds ``z*`` with Anderson acceleration (D. G. Anderson, J. ACM 12 (1965) 547; H. F. Walker,
P. Ni, SIAM J. Numer. Anal. 49 (2011) 1715) without recording a graph; the backward pass uses
the implicit-function theorem: the gradient ``u`` reaching ``z*`` solves ``u = g + (∂f/∂z)ᵀ u``
(another fixed point, of vector–Jacobian products), then flows through one application of
``f`` to the parameters and the input. Memory is that of one layer, whatever the iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sciml.errors import InputError

__all__ = ["DEQ", "Anderson", "anderson"]


@dataclass(frozen=True)
class Anderson:
    """Anderson acceleration: ``m`` past iterates, stop at relative residual ``tol`` or ``max_iter``
    iterations; ``beta`` mixing, ``lam`` Tikhonov regularisation of the least-squares system
    (relative to the largest squared residual in the history)."""

    m: int = 5
    tol: float = 1e-6
    max_iter: int = 50
    beta: float = 1.0
    lam: float = 1e-4

    def __post_init__(self):
        for name in ("m", "max_iter"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(name, "a positive integer", repr(v))
        if not self.tol > 0:
            raise InputError("tol", "a positive tolerance", repr(self.tol))
        if not 0 < self.beta <= 1:
            raise InputError("beta", "a mixing factor in (0, 1]", repr(self.beta))


def anderson(g, z0: torch.Tensor, options: Anderson | None = None):
    """The fixed point of ``g`` from ``z0 (B, ...)``, one per row: ``(z, {"iterations", "residual"})``.

    The residual is the largest relative one over the rows, ``‖g(z) − z‖ / (‖g(z)‖ + 1e-12)``.
    """
    options = options or Anderson()
    B = z0.shape[0]
    shape = z0.shape
    m = options.m

    def G(z):
        return g(z.reshape(shape)).reshape(B, -1)

    x0 = z0.reshape(B, -1)
    n = x0.shape[1]
    X = x0.new_zeros(B, m, n)
    F = x0.new_zeros(B, m, n)
    X[:, 0], F[:, 0] = x0, G(x0)
    best, residual, iterations = F[:, 0], _residual(F[:, 0], X[:, 0]), 1
    if residual > options.tol and options.max_iter > 1:
        X[:, 1], F[:, 1] = F[:, 0], G(F[:, 0])
        iterations, residual = 2, _residual(F[:, 1], X[:, 1])
        best = F[:, 1]
        Hm = x0.new_zeros(B, m + 1, m + 1)
        Hm[:, 0, 1:] = Hm[:, 1:, 0] = 1.0
        rhs = x0.new_zeros(B, m + 1, 1)
        rhs[:, 0] = 1.0
        eye = torch.eye(m, dtype=x0.dtype, device=x0.device)
        while residual > options.tol and iterations < options.max_iter:
            k = min(iterations, m)
            D = F[:, :k] - X[:, :k]
            gram = D @ D.transpose(1, 2)
            # Tikhonov term relative to the Gram matrix's scale, so it does not swamp it near convergence
            scale = gram.diagonal(dim1=1, dim2=2).amax(-1).clamp_min(torch.finfo(gram.dtype).tiny)
            Hm[:, 1:k + 1, 1:k + 1] = gram + options.lam * scale[:, None, None] * eye[:k, :k]
            alpha = torch.linalg.solve(Hm[:, :k + 1, :k + 1], rhs[:, :k + 1])[:, 1:k + 1, 0]  # (B, k)
            mixed = options.beta * (alpha[:, None] @ F[:, :k])[:, 0]
            if options.beta < 1:
                mixed = mixed + (1 - options.beta) * (alpha[:, None] @ X[:, :k])[:, 0]
            slot = iterations % m
            X[:, slot], F[:, slot] = mixed, G(mixed)
            iterations += 1
            residual = _residual(F[:, slot], X[:, slot])
            best = F[:, slot]
    return best.reshape(shape), {"iterations": iterations, "residual": residual}


def _residual(fz: torch.Tensor, z: torch.Tensor) -> float:
    num = torch.linalg.vector_norm(fz - z, dim=-1)
    den = torch.linalg.vector_norm(fz, dim=-1) + 1e-12
    return float((num / den).max())


class DEQ(nn.Module):
    """``forward(x) = z*`` with ``z* = f(z*, x)``, differentiated by the implicit-function theorem.

    Parameters
    ----------
    f : a module ``f(z, x)``; it should be a contraction in ``z`` near the fixed point.
    solver, backward_solver : :class:`Anderson` options of the forward fixed point and of the
        backward linear fixed point (default: the same).
    init : ``x -> z0`` (default zeros shaped like ``x``).

    ``self.stats`` after a pass: ``forward_iterations``, ``forward_residual`` and, after a
    backward pass, ``backward_iterations``, ``backward_residual``. A forward solve that misses
    its tolerance is reported there, not raised (as in Bai et al.'s implementation).
    """

    def __init__(self, f: nn.Module, *, solver: Anderson | None = None, backward_solver: Anderson | None = None,
                 init=None):
        super().__init__()
        if not callable(f):
            raise InputError("f", "a module f(z, x)", type(f).__name__)
        for name, s in (("solver", solver), ("backward_solver", backward_solver)):
            if s is not None and not isinstance(s, Anderson):
                raise InputError(name, "a sciml.models.Anderson", type(s).__name__)
        if init is not None and not callable(init):
            raise InputError("init", "a callable x -> z0", type(init).__name__)
        self.f, self.solver = f, solver or Anderson()
        self.backward_solver = backward_solver or self.solver
        self.init = init
        self.stats: dict = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() == 0:
            raise InputError("x", "a tensor with a leading batch dimension", type(x).__name__)
        z0 = torch.zeros_like(x) if self.init is None else self.init(x)
        with torch.no_grad():
            z_star, info = anderson(lambda z: self.f(z, x), z0, self.solver)
        self.stats = {"forward_iterations": info["iterations"], "forward_residual": info["residual"]}
        if not torch.is_grad_enabled():
            return z_star
        z = self.f(z_star, x)  # one application with a graph: the path to the parameters and x
        if not z.requires_grad:
            return z
        z_in = z.detach().requires_grad_(True)
        with torch.enable_grad():
            f_in = self.f(z_in, x)

        def implicit_backward(grad):
            def g(u):
                return torch.autograd.grad(f_in, z_in, u, retain_graph=True)[0] + grad

            u, binfo = anderson(g, grad, self.backward_solver)
            self.stats.update(backward_iterations=binfo["iterations"], backward_residual=binfo["residual"])
            return u

        z.register_hook(implicit_backward)
        return z
