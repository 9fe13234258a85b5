"""Classic stiff test problems (Hairer & Wanner II, IV.10; the Bari IVP test set), as torch fields.

Each :class:`StiffProblem` has a torch vector field ``f(t, y)`` that accepts a leading batch
dimension (``y[..., i]``), a numpy field for scipy, the initial state, the interval and
the literature's tolerances. Used by the tests and ``benchmarks/stiff.py``; handy for
trying a stiff solver on something known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["StiffProblem", "robertson", "van_der_pol", "hires", "orego", "brusselator", "PROBLEMS"]


@dataclass(frozen=True)
class StiffProblem:
    name: str
    f: object  # torch: f(t, y) with y (..., n)
    f_numpy: object  # numpy: f(t, y) with y (n,)
    y0: tuple[float, ...]
    t1: float
    rtol: float = 1e-6
    atol: float = 1e-10

    def initial(self, dtype=torch.float64, device=None) -> torch.Tensor:
        return torch.tensor(self.y0, dtype=dtype, device=device)


def robertson(t1: float = 1e5, k1: float = 0.04, k2: float = 3e7, k3: float = 1e4) -> StiffProblem:
    """Robertson's chemical kinetics (1966): ``y1 + y2 + y3 = 1`` is conserved; ``k1`` may be a ``(B,)`` tensor."""

    def f(t, y):
        a = k1 if not isinstance(k1, torch.Tensor) else k1.to(y.dtype)
        y1, y2, y3 = y[..., 0], y[..., 1], y[..., 2]
        r1, r2, r3 = a * y1, k2 * y2 * y2, k3 * y2 * y3
        return torch.stack([-r1 + r3, r1 - r2 - r3, r2], dim=-1)

    def f_numpy(t, y, a=k1):
        r1, r2, r3 = a * y[0], k2 * y[1] ** 2, k3 * y[1] * y[2]
        return np.array([-r1 + r3, r1 - r2 - r3, r2])

    return StiffProblem("robertson", f, f_numpy, (1.0, 0.0, 0.0), t1)


def van_der_pol(mu: float = 1000.0, t1: float = 3000.0) -> StiffProblem:
    """Van der Pol's oscillator ``y'' − μ(1 − y²) y' + y = 0`` from ``(2, 0)`` (unscaled form)."""

    def f(t, y):
        x, v = y[..., 0], y[..., 1]
        return torch.stack([v, mu * (1 - x * x) * v - x], dim=-1)

    def f_numpy(t, y):
        return np.array([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])

    return StiffProblem(f"van_der_pol_{mu:g}", f, f_numpy, (2.0, 0.0), t1)


def hires(t1: float = 321.8122) -> StiffProblem:
    """HIRES: 8 reactions of plant physiology (Schäfer 1975; Hairer & Wanner II, IV.10)."""

    def f(t, y):
        y1, y2, y3, y4, y5, y6, y7, y8 = (y[..., i] for i in range(8))
        return torch.stack([
            -1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007,
            1.71 * y1 - 8.75 * y2,
            -10.03 * y3 + 0.43 * y4 + 0.035 * y5,
            8.32 * y2 + 1.71 * y3 - 1.12 * y4,
            -1.745 * y5 + 0.43 * y6 + 0.43 * y7,
            -280.0 * y6 * y8 + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
            280.0 * y6 * y8 - 1.81 * y7,
            -280.0 * y6 * y8 + 1.81 * y7,
        ], dim=-1)

    def f_numpy(t, y):
        y1, y2, y3, y4, y5, y6, y7, y8 = y
        return np.array([
            -1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007, 1.71 * y1 - 8.75 * y2,
            -10.03 * y3 + 0.43 * y4 + 0.035 * y5, 8.32 * y2 + 1.71 * y3 - 1.12 * y4,
            -1.745 * y5 + 0.43 * y6 + 0.43 * y7, -280.0 * y6 * y8 + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
            280.0 * y6 * y8 - 1.81 * y7, -280.0 * y6 * y8 + 1.81 * y7])

    return StiffProblem("hires", f, f_numpy, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057), t1)


def orego(t1: float = 360.0) -> StiffProblem:
    """OREGO: the Oregonator model of the Belousov–Zhabotinskii reaction (Field & Noyes 1974)."""
    s, w, q = 77.27, 0.161, 8.375e-6

    def f(t, y):
        y1, y2, y3 = y[..., 0], y[..., 1], y[..., 2]
        return torch.stack([s * (y2 + y1 * (1 - q * y1 - y2)), (y3 - (1 + y1) * y2) / s, w * (y1 - y3)], dim=-1)

    def f_numpy(t, y):
        y1, y2, y3 = y
        return np.array([s * (y2 + y1 * (1 - q * y1 - y2)), (y3 - (1 + y1) * y2) / s, w * (y1 - y3)])

    return StiffProblem("orego", f, f_numpy, (1.0, 2.0, 3.0), t1)


def brusselator(n: int = 500, alpha: float = 0.02, t1: float = 10.0) -> StiffProblem:
    """The 1-D Brusselator by the method of lines (BRUSS, Hairer & Wanner II, IV.10): ``2n`` unknowns.

    ``u_t = 1 + u²v − 4u + α u_xx``, ``v_t = 3u − u²v + α v_xx`` on ``x ∈ (0, 1)`` with ``u = 1``,
    ``v = 3`` at both ends, ``u(x, 0) = 1 + sin 2πx``, ``v(x, 0) = 3``; central differences on ``n``
    interior points, state ``(u_1, …, u_n, v_1, …, v_n)``. Stiff through the diffusion term
    (eigenvalues down to about ``−4α(n+1)²``): the method-of-lines case of a stiff solver.
    """
    c = alpha * (n + 1) ** 2
    edges = torch.tensor([[1.0], [3.0]], dtype=torch.float64)  # u and v at x = 0 and x = 1

    def f(t, y):
        Y = y.reshape(*y.shape[:-1], 2, n)  # (..., [u, v], x)
        ends = edges.to(device=y.device, dtype=y.dtype).expand(*Y.shape[:-1], 1)
        padded = torch.cat([ends, Y, ends], dim=-1)
        diffusion = c * (padded[..., :-2] + padded[..., 2:] - 2 * Y)
        u, v = Y[..., 0, :], Y[..., 1, :]
        uuv = u * u * v
        reaction = torch.stack([1 + uuv - 4 * u, 3 * u - uuv], dim=-2)
        return (reaction + diffusion).reshape(y.shape)

    def f_numpy(t, y):
        u, v = y[:n], y[n:]
        up, vp = np.concatenate([[1.0], u, [1.0]]), np.concatenate([[3.0], v, [3.0]])
        uuv = u * u * v
        return np.concatenate([1 + uuv - 4 * u + c * (up[:-2] - 2 * u + up[2:]),
                               3 * u - uuv + c * (vp[:-2] - 2 * v + vp[2:])])

    x = np.arange(1, n + 1) / (n + 1)
    y0 = tuple(np.concatenate([1 + np.sin(2 * np.pi * x), np.full(n, 3.0)]).tolist())
    return StiffProblem(f"brusselator_{2 * n}", f, f_numpy, y0, t1, rtol=1e-6, atol=1e-8)


PROBLEMS = {"robertson": robertson, "van_der_pol": van_der_pol, "hires": hires, "orego": orego,
            "brusselator": brusselator}
