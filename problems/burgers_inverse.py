"""Inverse Burgers: recover the viscosity nu from 2,000 noisy observations (Raissi et al. 2019).

The observations are the Hopf-Cole solution (nu = 0.01/pi) at 2,000 random points of
[-1, 1] x [0, 1] with Gaussian noise of 1% of the solution's standard deviation (seed 0).
nu starts at 0.05 and is learned together with the network.
"""

import numpy as np
import sympy as sp

from sciml import pde
from sciml.pde.references import burgers_cole_hopf

TRUE_NU = 0.01 / np.pi
NOISE = 0.01

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
nu = pde.Parameter("nu", value=0.05, learnable=True, positive=True)

_rng = np.random.default_rng(0)
_points = np.column_stack([_rng.uniform(-1, 1, 2000), _rng.uniform(0, 1, 2000)])
_clean = burgers_cole_hopf(_points[:, 0], _points[:, 1], TRUE_NU)
_values = _clean + NOISE * np.std(_clean) * _rng.standard_normal(len(_clean))

problem = pde.Problem(
    equations=[sp.Eq(u.diff(t) + u * u.diff(x), nu * u.diff(x, 2))],
    domain=pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
    conditions=[pde.Data(u, {"x": _points[:, 0], "t": _points[:, 1]}, _values)],
    time=t,
    name="burgers_inverse",
)


def reference(x, t):
    return burgers_cole_hopf(x, t, TRUE_NU)


true_parameters = {"nu": TRUE_NU}

# Raissi et al.'s setup: the residual at the observation points only (no other collocation points,
# no resampling, which would move nu each time), the data weighted 10, a faster Adam step for log(nu).
solve_options = {
    "network": {"hidden": [32, 32, 32, 32]},
    "points": {"domain": 0, "data": True},
    "weights": {"data(u)": 10.0},
    "parameter_lr": 1e-2,
    "adam_share": 0.1,
    "iterations": 1000,
    "lbfgs": 10000,
}
