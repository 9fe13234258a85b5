"""``make(name)``: the named synthetic data sets, deterministic by seed."""

from __future__ import annotations

from collections.abc import Callable

from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.errors import InputError

__all__ = ["GENERATORS", "make"]


def _ode(name: str) -> Callable[..., ODEDataset]:
    def generate(**options) -> ODEDataset:
        from sciml.data.ode_systems import ODE_SYSTEMS, simulate_system

        options.pop("progress", None)
        return simulate_system(ODE_SYSTEMS[name], **options)

    generate.__name__ = name
    return generate


def _pde(name: str) -> Callable[..., PDEDataset]:
    def generate(**options) -> PDEDataset:
        from sciml.data import pde_systems

        return getattr(pde_systems, name)(**options)

    generate.__name__ = name
    return generate


#: name -> (kind, generator(**options), one-line description)
GENERATORS: dict[str, tuple[str, Callable, str]] = {
    "lorenz": ("ode", _ode("lorenz"), "Lorenz 1963, sigma=10 rho=28 beta=8/3, dt=0.002, t in [0, 10]"),
    "lotka_volterra": ("ode", _ode("lotka_volterra"), "Lotka-Volterra (1.5, 1, 3, 1), t in [0, 10]"),
    "van_der_pol": ("ode", _ode("van_der_pol"), "Van der Pol, mu=1, t in [0, 20]"),
    "duffing": ("ode", _ode("duffing"), "Duffing x'' + 0.1x' + x + 5x^3 = 0, t in [0, 20]"),
    "pendulum": ("ode", _ode("pendulum"), "damped pendulum, g/L=9.81, damping 0.25, t in [0, 20]"),
    "mean_field": ("ode", _ode("mean_field"), "cylinder-wake mean-field model (Noack 2003), 4 transients from "
                   "near the unstable fixed point, t in [0, 300]"),
    "burgers": ("pde", _pde("burgers"), "Burgers u_t = -u u_x + 0.1 u_xx (PDE-FIND grid 256 x 101)"),
    "kdv": ("pde", _pde("kdv"), "KdV u_t = -6 u u_x - u_xxx, two solitons (PDE-FIND grid 512 x 201)"),
    "kuramoto_sivashinsky": ("pde", _pde("kuramoto_sivashinsky"),
                             "Kuramoto-Sivashinsky (PDE-FIND grid 1024 x 251)"),
    "reaction_diffusion": ("pde", _pde("reaction_diffusion"),
                           "lambda-omega reaction-diffusion, spiral (PDE-FIND grid 256^2 x 201)"),
    "nls": ("pde", _pde("nls"), "nonlinear Schroedinger i psi_t = -psi_xx/2 - |psi|^2 psi, psi0 = 2 sech x (complex, "
            "PDE-FIND grid 512 x 501)"),
    "allen_cahn": ("pde", _pde("allen_cahn"), "Allen-Cahn u_t = 0.01 u_xx + u - u^3 (256 x 201)"),
    "fitzhugh_nagumo": ("pde", _pde("fitzhugh_nagumo"), "FitzHugh-Nagumo pulses, a=0.7 b=0.8 eps=0.08 (256 x 241)"),
    "gray_scott": ("pde", _pde("gray_scott"), "Gray-Scott F=0.04 k=0.06, dividing spots (64^2 x 251)"),
}


def make(name: str, noise: float = 0.0, seed: int | None = 0, progress: bool = False,
         **options) -> ODEDataset | PDEDataset:
    """Generate the data set ``name`` (see :data:`GENERATORS`), with ``noise`` times each signal's std.

    Extra keyword ``options`` go to the generator (e.g. ``t_end``, ``dt``, ``y0``
    for ODEs; ``n``, ``t_end`` for PDEs). The clean data are deterministic; the
    noise is drawn from ``numpy.random.default_rng(seed)``.
    """
    from sciml.data.noise import add_noise

    if name not in GENERATORS:
        raise InputError("name", f"one of {', '.join(GENERATORS)}", repr(name))
    kind, generate, _ = GENERATORS[name]
    try:
        data = generate(progress=progress, **options)
    except TypeError as exc:
        raise InputError("options", f"options accepted by the {name} generator", str(exc)) from None
    data.attrs["source"] = f"sciml data make {name}"
    if noise:
        data = add_noise(data, noise, seed)
    else:
        data.attrs.update({"noise": 0.0})
    return data
