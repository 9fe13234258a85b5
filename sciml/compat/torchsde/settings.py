"""torchsde's ``settings``: the names of methods, noise types, SDE types, Lévy areas and method options."""

from sciml.integrate.sde.names import LEVY_AREA_APPROXIMATIONS, METHOD_OPTIONS, METHODS, NOISE_TYPES, SDE_TYPES

__all__ = ["METHODS", "NOISE_TYPES", "SDE_TYPES", "LEVY_AREA_APPROXIMATIONS", "METHOD_OPTIONS"]
