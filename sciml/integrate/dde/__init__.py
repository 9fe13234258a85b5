"""Delay differential equations on the ODE core: the method of steps on the dense output, breaking points tracked."""

from sciml.integrate.dde.solve import ddeint, solve_dde

__all__ = ["ddeint", "solve_dde"]
