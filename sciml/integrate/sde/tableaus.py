"""Stochastic Runge–Kutta tableaus of strong order 1.5 (Rößler 2010), as data.

Rößler, "Runge–Kutta methods for the strong approximation of solutions of stochastic differential
equations", SIAM J. Numer. Anal. 48(3), 2010: SRA1 (additive noise; deterministic order 2) and
SRI2W1 (diagonal / scalar noise, torchsde's "srid2"; deterministic order 3). ``c0``/``c1`` are the
time nodes of the drift and diffusion stages, ``a0``/``a1``/``b0``/``b1`` the stage couplings (lower
triangular), ``alpha`` the drift weights and ``beta1…beta4`` the weights of ``I_(k)``,
``I_(k,k)/√h``, ``I_(k,0)/h`` and ``I_(k,k,k)/h`` in the diffusion update.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SRKTableau", "SRA1", "SRI2W1"]


@dataclass(frozen=True)
class SRKTableau:
    name: str
    kind: str  # "additive" or "diagonal"
    c0: tuple
    c1: tuple
    a0: tuple
    b0: tuple
    alpha: tuple
    beta1: tuple
    beta2: tuple
    a1: tuple = ()
    b1: tuple = ()
    beta3: tuple = ()
    beta4: tuple = ()

    @property
    def stages(self) -> int:
        return len(self.alpha)


SRA1 = SRKTableau(
    name="SRA1", kind="additive",
    c0=(0.0, 3 / 4), c1=(1.0, 0.0),
    a0=((), (3 / 4,)), b0=((), (3 / 2,)),
    alpha=(1 / 3, 2 / 3), beta1=(1.0, 0.0), beta2=(-1.0, 1.0),
)

SRI2W1 = SRKTableau(
    name="SRI2W1", kind="diagonal",
    c0=(0.0, 1.0, 1 / 2, 0.0), c1=(0.0, 1 / 4, 1.0, 1 / 4),
    a0=((), (1.0,), (1 / 4, 1 / 4), (0.0, 0.0, 0.0)),
    a1=((), (1 / 4,), (1.0, 0.0), (0.0, 0.0, 1 / 4)),
    b0=((), (0.0,), (1.0, 1 / 2), (0.0, 0.0, 0.0)),
    b1=((), (-1 / 2,), (1.0, 0.0), (2.0, -1.0, 1 / 2)),
    alpha=(1 / 6, 1 / 6, 2 / 3, 0.0),
    beta1=(-1.0, 4 / 3, 2 / 3, 0.0), beta2=(1.0, -4 / 3, 1 / 3, 0.0),
    beta3=(2.0, -4 / 3, -2 / 3, 0.0), beta4=(-2.0, 5 / 3, -2 / 3, 1.0),
)
