"""Small reference problems shared by the integrator tests."""

import math

import torch


def decay(t, y):
    return -y


def lotka_volterra(t, y):
    x, z = y[..., 0], y[..., 1]
    return torch.stack([1.5 * x - x * z, -3.0 * z + x * z], dim=-1)


def kepler(t, y):
    q, p = y[..., :2], y[..., 2:]
    r3 = torch.linalg.vector_norm(q, dim=-1, keepdim=True) ** 3
    return torch.cat([p, -q / r3], dim=-1)


def kepler_initial(e=0.5, dtype=torch.float64):
    """Perihelion start of an orbit with eccentricity e, semi-major axis 1 (period 2π)."""
    return torch.tensor([1 - e, 0.0, 0.0, math.sqrt((1 + e) / (1 - e))], dtype=dtype)


def oscillator(t, y):
    """y'' = -y as a first-order system; exact solution (cos t, -sin t) from (1, 0)."""
    return torch.stack([y[..., 1], -y[..., 0]], dim=-1)


def oscillator_exact(t):
    return torch.stack([torch.cos(t), -torch.sin(t)], dim=-1)


class MLPField(torch.nn.Module):
    def __init__(self, dim=2, hidden=16, seed=0, dtype=torch.float64):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.l1 = torch.nn.Linear(dim, hidden, dtype=dtype)
        self.l2 = torch.nn.Linear(hidden, dim, dtype=dtype)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g, dtype=dtype) * 0.5)

    def forward(self, t, y):
        return self.l2(torch.tanh(self.l1(y)))


def nonlinear(t, y):
    """[y' = -2t y², z' = z cos t]: nonlinear and non-autonomous, so no linear superconvergence."""
    return torch.stack([-2.0 * t * y[..., 0] ** 2, y[..., 1] * torch.cos(t)], dim=-1)


def nonlinear_exact(t):
    return torch.stack([1.0 / (1.0 + t**2), torch.exp(torch.sin(t))], dim=-1)
