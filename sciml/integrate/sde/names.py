"""The names torchsde uses for methods, noise types, SDE types and Lévy-area approximations.

Each is a class whose attributes are the names (``NOISE_TYPES.diagonal == "diagonal"``), with
``NOISE_TYPES.all()`` and ``"diagonal" in NOISE_TYPES``, exactly as ``torchsde.settings``.
"""

from __future__ import annotations

__all__ = ["METHODS", "NOISE_TYPES", "SDE_TYPES", "LEVY_AREA_APPROXIMATIONS", "METHOD_OPTIONS"]


class ContainerMeta(type):
    def all(cls):
        return sorted(getattr(cls, x) for x in dir(cls) if not x.startswith("__"))

    def __str__(cls):
        return str(cls.all())

    def __contains__(cls, item):
        return item in cls.all()


class METHODS(metaclass=ContainerMeta):
    euler = "euler"
    milstein = "milstein"
    srk = "srk"
    midpoint = "midpoint"
    reversible_heun = "reversible_heun"
    adjoint_reversible_heun = "adjoint_reversible_heun"
    heun = "heun"
    log_ode_midpoint = "log_ode"
    euler_heun = "euler_heun"


class NOISE_TYPES(metaclass=ContainerMeta):  # noqa: N801
    general = "general"
    diagonal = "diagonal"
    scalar = "scalar"
    additive = "additive"


class SDE_TYPES(metaclass=ContainerMeta):  # noqa: N801
    ito = "ito"
    stratonovich = "stratonovich"


class LEVY_AREA_APPROXIMATIONS(metaclass=ContainerMeta):  # noqa: N801
    none = "none"
    space_time = "space-time"
    davie = "davie"
    foster = "foster"


class METHOD_OPTIONS(metaclass=ContainerMeta):  # noqa: N801
    grad_free = "grad_free"
