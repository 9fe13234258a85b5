"""Known solutions as torch modules, for residual and derivative tests."""

import math

import sympy as sp
import torch

from sciml.symbolic import compile_torch


class ExactNet(torch.nn.Module):
    """A 'network' that returns known solutions: sympy expressions or torch callables per field."""

    def __init__(self, problem, solutions):
        super().__init__()
        self.problem = problem
        self.fns = []
        for f in problem.fields:
            s = solutions[f]
            if isinstance(s, sp.Basic):
                c = compile_torch(s, list(problem.variables))
                self.fns.append(lambda X, c=c: c(*[X[:, i] for i in range(X.shape[1])]))
            else:
                self.fns.append(s)
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, X):
        return torch.stack([f(X) * torch.ones_like(X[:, 0]) for f in self.fns], 1)


def cole_hopf_torch(x, t, nu=0.01 / math.pi, nodes=2001):
    """Hopf-Cole Burgers solution in torch (differentiable in x and t), for t > 0."""
    z = torch.linspace(-10, 10, nodes, dtype=x.dtype)
    logw = -z * z
    y = x[:, None] - torch.sqrt(4 * nu * t[:, None]) * z[None, :]
    lw = logw[None, :] - torch.cos(math.pi * y) / (2 * math.pi * nu)
    lw = lw - lw.max(dim=1, keepdim=True).values.detach()
    e = torch.exp(lw)
    return -(torch.sin(math.pi * y) * e).sum(1) / e.sum(1)
