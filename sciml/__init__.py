"""sciml: scientific machine learning in PyTorch.

Neural differential equations, physics-informed networks and sparse equation
discovery around one differentiable integrator core, with sympy as the common
language for equations.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public names and the module that defines each one; imported on first use so
# that ``import sciml`` stays light (sympy and h5py load only when needed).
_LAZY = {
    "odeint": "sciml.integrate",
    "odeint_adjoint": "sciml.integrate",
    "odeint_event": "sciml.integrate",
    "odeint_dense": "sciml.integrate",
    "solve_ivp": "sciml.integrate",
    "cdeint": "sciml.integrate",
    "ddeint": "sciml.integrate",
    "Solution": "sciml.integrate",
    "sdeint": "sciml.integrate.sde",
    "sdeint_adjoint": "sciml.integrate.sde",
    "load_model": "sciml.discovery",
    "SciMLError": "sciml.errors",
    "InputError": "sciml.errors",
    "SolverError": "sciml.errors",
    "DataFormatError": "sciml.errors",
    "ProblemDefinitionError": "sciml.errors",
    "ModelFileError": "sciml.errors",
    "DiscoveryWarning": "sciml.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sciml' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
