"""Controlled differential equations: ``cdeint`` over the ODE core, and the log-ODE method's log-signatures."""

from sciml.integrate.cde.solve import ControlledVectorField, cdeint

__all__ = ["cdeint", "ControlledVectorField"]
