"""Symplectic splitting methods for separable Hamiltonian systems, as data: sequences of kicks and drifts.

A partitioned state ``y = (q, p)`` with ``dq/dt = f(p)`` and ``dp/dt = g(q)`` (a separable
Hamiltonian ``H = T(p) + V(q)``: ``f = ∂T/∂p``, ``g = −∂V/∂q``) is advanced by sub-steps

    kick  ``p ← p + d h g(q)``        drift  ``q ← q + c h f(p)``

in the order the method lists them. Each sub-step is the exact flow of one part of ``H``,
so every such method is symplectic and, when the sequence is symmetric, time-reversible:
the energy error stays bounded over exponentially long times instead of drifting
(Hairer, Lubich & Wanner, Geometric Numerical Integration, 2nd ed., Springer 2006, VI.3 and
VIII.5). One generic routine (:mod:`sciml.integrate.partitioned`) steps every method here.

- ``symplectic_euler``: kick then drift, order 1 (Hairer, Lubich & Wanner, VI.3);
- ``leapfrog``: kick ½, drift 1, kick ½ — velocity Verlet / Störmer–Verlet, order 2
  (L. Verlet, Phys. Rev. 159 (1967) 98);
- ``ruth3``: Ruth's third-order method (R. D. Ruth, IEEE Trans. Nucl. Sci. 30 (1983) 2669);
- ``yoshida4``: three leapfrog steps of sizes ``w1, w0, w1`` with ``w1 = 1/(2 − 2^{1/3})``,
  ``w0 = 1 − 2 w1``, order 4 (H. Yoshida, Phys. Lett. A 150 (1990) 262; E. Forest & R. D. Ruth,
  Physica D 43 (1990) 105).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from sciml.integrate.tableaus.base import DenseOutput, TensorCache

__all__ = ["PartitionedTableau", "LinearStageTensors", "SYMPLECTIC_EULER", "LEAPFROG", "RUTH3", "YOSHIDA4"]

KICK, DRIFT = "kick", "drift"


@dataclass(frozen=True)
class PartitionedTableau(TensorCache):
    """A splitting method: ``steps`` is a sequence of ``("kick" | "drift", coefficient)``.

    The kick coefficients and the drift coefficients each sum to one (consistency). When the
    sequence starts and ends with the same kind of sub-step, the last evaluation of a step is
    the first one of the next (the state part it depends on has not changed since), so a step
    costs ``len(steps) − 1`` evaluations of the vector field.
    """

    name: str
    order: int
    steps: tuple[tuple[str, float], ...]
    reference: str = ""
    kind: str = "partitioned"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    implicit = False
    adaptive = False
    fsal = False  # the loop's FSAL handling is for Runge–Kutta stages; the stepper reuses its own
    error_order = None
    stability_bound = None
    b_error = None

    def __post_init__(self):
        if not self.steps or any(part not in (KICK, DRIFT) for part, _ in self.steps):
            raise ValueError(f"{self.name}: steps must be ('kick' | 'drift', coefficient) pairs")
        for part in (KICK, DRIFT):
            total = sum(c for p, c in self.steps if p == part)
            if abs(total - 1.0) > 1e-12:
                raise ValueError(f"{self.name}: the {part} coefficients sum to {total}, not 1")

    @property
    def stages(self) -> int:
        return len(self.steps)

    @property
    def weights(self) -> tuple[float, ...]:
        """``y1 = y0 + h Σ_i w_i k_i`` over the masked sub-step derivatives ``k_i``."""
        return tuple(c for _, c in self.steps)

    @property
    def reuses_last(self) -> bool:
        return len(self.steps) > 1 and self.steps[0][0] == self.steps[-1][0]

    @property
    def dense(self) -> DenseOutput:
        """Linear interpolation between the step's ends (as torchdiffeq's fixed-grid solvers)."""
        return DenseOutput(order=1, coefficients=tuple((w,) for w in self.weights))

    @property
    def controller_order(self) -> int:
        return self.order + 1

    def tensors(self, dtype: torch.dtype, device: torch.device):
        key = (dtype, device)
        if key not in self._cache:
            self._cache[key] = LinearStageTensors(self.weights, dtype, device)
        return self._cache[key]


class LinearStageTensors:
    """Stage weights laid out as the loop's dense output and event location read them:
    ``y(θ) = y0 + h θ Σ_i w_i k_i`` (no extra stages, no embedded error estimate)."""

    def __init__(self, weights, dtype: torch.dtype, device: torch.device):
        self.c = tuple(0.0 for _ in weights)  # only its length is read (as the number of stages)
        self.b = torch.tensor(weights, dtype=dtype, device=device)
        self.b_error = None
        self.extra_c, self.extra_a = (), []
        self.dense_p = self.b[:, None].clone()
        self.dense_degree = 1


_W1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
_W0 = 1.0 - 2.0 * _W1

SYMPLECTIC_EULER = PartitionedTableau(
    name="symplectic_euler", order=1, steps=((KICK, 1.0), (DRIFT, 1.0)),
    reference="Hairer, Lubich & Wanner, Geometric Numerical Integration (2006), VI.3",
)
LEAPFROG = PartitionedTableau(
    name="leapfrog", order=2, steps=((KICK, 0.5), (DRIFT, 1.0), (KICK, 0.5)),
    reference="velocity Verlet: L. Verlet, Phys. Rev. 159 (1967) 98",
)
RUTH3 = PartitionedTableau(
    name="ruth3", order=3, steps=((KICK, 7 / 24), (DRIFT, 2 / 3), (KICK, 3 / 4), (DRIFT, -2 / 3),
                                  (KICK, -1 / 24), (DRIFT, 1.0)),
    reference="R. D. Ruth, IEEE Trans. Nucl. Sci. 30 (1983) 2669",
)
YOSHIDA4 = PartitionedTableau(
    name="yoshida4", order=4,
    steps=((KICK, _W1 / 2), (DRIFT, _W1), (KICK, (_W1 + _W0) / 2), (DRIFT, _W0), (KICK, (_W1 + _W0) / 2),
           (DRIFT, _W1), (KICK, _W1 / 2)),
    reference="H. Yoshida, Phys. Lett. A 150 (1990) 262; Forest & Ruth, Physica D 43 (1990) 105",
)
