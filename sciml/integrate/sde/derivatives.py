"""The few derivative products the SDE methods and the adjoint need, by reverse-mode autograd.

Each tolerates outputs that do not depend on the inputs (a constant diffusion, an unused parameter):
the product is then zero, as it mathematically is.
"""

from __future__ import annotations

import torch

__all__ = ["vjp", "jvp", "diagonal_derivative", "as_leaf"]


def as_leaf(y: torch.Tensor) -> torch.Tensor:
    """``y`` itself when it is already in a graph (so backpropagation through the solver sees the
    derivative terms), else a detached copy that requires grad."""
    return y if y.requires_grad else y.detach().requires_grad_(True)


def vjp(outputs, inputs, cotangent, create_graph: bool = False) -> list:
    """``cotangentᵀ ∂outputs/∂inputs`` for each input (``cotangent=None`` for a scalar output)."""
    if not outputs.requires_grad:
        return [torch.zeros_like(x) for x in inputs]
    out = torch.autograd.grad(outputs, inputs, cotangent, create_graph=create_graph, allow_unused=True,
                              retain_graph=True)
    return [torch.zeros_like(x) if o is None else o for o, x in zip(out, inputs)]


def jvp(output, y, tangent, create_graph: bool = True) -> torch.Tensor:
    """``(∂output/∂y) · tangent`` by two reverse passes (the second through the linear map ``w ↦ Jᵀw``)."""
    if not output.requires_grad:
        return torch.zeros_like(output)
    w = torch.zeros_like(output, requires_grad=True)
    (jt_w,) = vjp(output, [y], w, create_graph=True)
    if not jt_w.requires_grad:
        return torch.zeros_like(output)
    return vjp(jt_w, [w], tangent, create_graph)[0]


def diagonal_derivative(g, y, create_graph: bool = True) -> torch.Tensor:
    """``∂g_i/∂y_i`` for a diagonal diffusion (each ``g_i`` depends on ``y_i`` only)."""
    return vjp(g.sum(), [y], None, create_graph)[0]
