"""Input checking for ``sdeint``: done once, before the loop, each failure an InputError naming the argument.

The rules are torchsde 0.2.6's (its ``check_contract`` and its table of methods), with messages that
say what was expected and what was given.
"""

from __future__ import annotations

import math
from numbers import Real

import torch

from sciml.errors import InputError
from sciml.integrate import checks as core_checks
from sciml.integrate.sde.names import NOISE_TYPES, SDE_TYPES
from sciml.integrate.sde.solvers import METHODS
from sciml.integrate.sde.term import RENAMABLE

__all__ = ["check_sde", "check_y0", "check_ts", "check_positive", "check_names", "check_method", "check_shapes",
           "check_bm", "check_bm_shape", "check_options", "default_method"]


def check_names(names) -> dict:
    if names is None:
        return {}
    if not isinstance(names, dict):
        raise InputError("names", "a dict such as {'drift': 'f_aug'}", type(names).__name__)
    for key, value in names.items():
        if key not in RENAMABLE:
            raise InputError(f"names[{key!r}]", f"one of the keys {', '.join(RENAMABLE)}", repr(key))
        if not isinstance(value, str):
            raise InputError(f"names[{key!r}]", "the name of a method of the sde (a string)", type(value).__name__)
    return dict(names)


def check_sde(sde) -> None:
    noise = getattr(sde, "noise_type", None)
    if noise is None:
        raise InputError("sde.noise_type", f"an attribute noise_type, one of {', '.join(NOISE_TYPES.all())}",
                         "no such attribute")
    if noise not in NOISE_TYPES:
        raise InputError("sde.noise_type", f"one of {', '.join(NOISE_TYPES.all())}", repr(noise))
    kind = getattr(sde, "sde_type", None)
    if kind is None:
        raise InputError("sde.sde_type", "an attribute sde_type, 'ito' or 'stratonovich'", "no such attribute")
    if kind not in SDE_TYPES:
        raise InputError("sde.sde_type", "'ito' or 'stratonovich'", repr(kind))


def check_y0(y0) -> None:
    if not isinstance(y0, torch.Tensor):
        raise InputError("y0", "a torch.Tensor of shape (batch, state)", type(y0).__name__)
    if not y0.is_floating_point():
        raise InputError("y0", "a floating-point tensor", y0.dtype, "use .double() or .float()")
    if y0.dim() != 2:
        raise InputError("y0", "a 2-D tensor of shape (batch, state)", f"shape {tuple(y0.shape)}",
                         "add a batch dimension with y0[None] (torchsde's convention)")
    if y0.numel() == 0:
        raise InputError("y0", "a non-empty tensor", f"shape {tuple(y0.shape)}")
    if not bool(torch.isfinite(y0).all()):
        raise InputError("y0", "finite values", "NaN or Inf")


def check_ts(ts, y0) -> torch.Tensor:
    if not isinstance(ts, torch.Tensor):
        if not isinstance(ts, (tuple, list)) or not all(isinstance(t, Real) and not isinstance(t, bool) for t in ts):
            raise InputError("ts", "a 1-D tensor or a list/tuple of floats", type(ts).__name__)
        ts = torch.tensor(ts, dtype=y0.dtype, device=y0.device)
    if ts.requires_grad:
        raise InputError("ts", "times that do not require gradients", "a tensor with requires_grad=True",
                         "pass ts.detach()")
    if not ts.is_floating_point():
        ts = ts.to(y0.dtype)
    ts = core_checks.check_times(ts, "ts", y0.device)  # 1-D, on y0's device, finite, monotone
    if len(ts) > 1 and not bool((ts[1:] > ts[:-1]).all()):
        raise InputError("ts", "strictly increasing times", "repeated or decreasing values",
                         "to integrate backwards in time, flip the SDE (t -> -t) and the Brownian motion "
                         "(ReverseBrownian)")
    return ts


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, torch.Tensor):
        if value.requires_grad:
            raise InputError(name, "a number that does not require gradients", "a tensor with requires_grad=True")
        if value.numel() != 1:
            raise InputError(name, "a number", f"a tensor of shape {tuple(value.shape)}")
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(name, "a number", type(value).__name__)
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(name, "a finite non-negative number" if allow_zero else "a finite positive number", value)
    return value


def default_method(sde_type: str, noise_type: str) -> str:
    if sde_type == SDE_TYPES.ito:
        return "euler" if noise_type == NOISE_TYPES.general else "srk"
    return "midpoint"


def check_method(method, sde_type: str, noise_type: str, name: str = "method", adjoint: bool = False):
    known = [m for m in METHODS if adjoint or m != "adjoint_reversible_heun"]
    if not isinstance(method, str) or method not in known:
        raise InputError(name, f"one of {', '.join(known)}", repr(method))
    stepper = METHODS[method]
    if sde_type not in stepper.sde_types:
        fits = [m for m in known if sde_type in METHODS[m].sde_types and noise_type in METHODS[m].noise_types]
        raise InputError(name, f"a method for {sde_type} SDEs ({', '.join(fits)})", repr(method),
                         "convert the SDE (Itô ↔ Stratonovich: f ∓ ½ Σ_k (∂g_k/∂y) g_k) or pick a listed method")
    if noise_type not in stepper.noise_types:
        fits = [m for m in known if sde_type in METHODS[m].sde_types and noise_type in METHODS[m].noise_types]
        raise InputError(name, f"a method that supports {noise_type} noise ({', '.join(fits)})", repr(method),
                         f"{method!r} supports {', '.join(stepper.noise_types)} noise")
    return stepper


def check_options(options, method: str, name: str = "options") -> dict:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InputError(name, "a dict", type(options).__name__)
    allowed = {"grad_free"} if method == "milstein" else set()
    for key, value in options.items():
        if key not in allowed:
            what = "'grad_free' (milstein only)" if allowed or method != "milstein" else "'grad_free'"
            raise InputError(f"{name}[{key!r}]", f"a known option ({what})", repr(key))
        if key == "grad_free" and not isinstance(value, bool):
            raise InputError(f"{name}['grad_free']", "True or False", repr(value))
    return dict(options)


def _shape(x, name):
    if not isinstance(x, torch.Tensor):
        raise InputError(name, "a tensor", type(x).__name__)
    return tuple(x.shape)


def check_shapes(term, y0, t0, bm_shape) -> int:
    """Evaluate the SDE's functions once at ``(t0, y0)`` (as torchsde does) and check their shapes against
    the noise type; returns the number of Brownian channels ``m``."""
    B, d = y0.shape
    noise = term.noise_type
    user = term.user
    if not term.has_f:
        raise InputError("sde", "a drift: a method f (or f_and_g, f_and_g_prod)", "none of them",
                         "torchsde's names are f, g, f_and_g, g_prod, f_and_g_prod; rename with names={...}")
    if not term.has_g_prod:
        raise InputError("sde", "a diffusion: a method g (or f_and_g, g_prod, f_and_g_prod)", "none of them")
    ms = []
    if bm_shape is not None:
        ms.append(("bm", bm_shape[1]))

    def drift(shape, name):
        if shape != (B, d):
            raise InputError(name, f"shape ({B}, {d}) (batch, state)", f"shape {shape}")

    def diffusion(shape, name):
        if noise == NOISE_TYPES.diagonal:
            if shape != (B, d):
                raise InputError(name, f"shape ({B}, {d}) for diagonal noise (one Brownian channel per state)",
                                 f"shape {shape}")
            ms.append((name, d))
        else:
            if len(shape) != 3 or shape[:2] != (B, d):
                raise InputError(name, f"shape ({B}, {d}, m) (batch, state, noise) for {noise} noise",
                                 f"shape {shape}")
            if noise == NOISE_TYPES.scalar and shape[2] != 1:
                raise InputError(name, f"shape ({B}, {d}, 1) for scalar noise", f"shape {shape}",
                                 "scalar noise has one Brownian channel; use noise_type='general' for more")
            ms.append((name, shape[2]))

    with torch.no_grad():
        if user["f"] is not None:
            drift(_shape(user["f"](t0, y0), "sde.f(t, y)"), "sde.f(t, y)")
        if user["g"] is not None:
            diffusion(_shape(user["g"](t0, y0), "sde.g(t, y)"), "sde.g(t, y)")
        if user["f_and_g"] is not None:
            out = user["f_and_g"](t0, y0)
            if not isinstance(out, tuple) or len(out) != 2:
                raise InputError("sde.f_and_g(t, y)", "a pair (f, g)", type(out).__name__)
            drift(_shape(out[0], "sde.f_and_g(t, y)[0]"), "sde.f_and_g(t, y)[0]")
            diffusion(_shape(out[1], "sde.f_and_g(t, y)[1]"), "sde.f_and_g(t, y)[1]")
        if user["g_prod"] is not None or user["f_and_g_prod"] is not None:
            if not ms:
                raise InputError("bm", "a Brownian motion, to tell the number of noise channels", None,
                                 "with only g_prod / f_and_g_prod defined the noise size cannot be inferred")
            v = torch.zeros(B, ms[0][1], dtype=y0.dtype, device=y0.device)
            if user["g_prod"] is not None:
                drift(_shape(user["g_prod"](t0, y0, v), "sde.g_prod(t, y, v)"), "sde.g_prod(t, y, v)")
            if user["f_and_g_prod"] is not None:
                out = user["f_and_g_prod"](t0, y0, v)
                drift(_shape(out[0], "sde.f_and_g_prod(t, y, v)[0]"), "sde.f_and_g_prod(t, y, v)[0]")
                drift(_shape(out[1], "sde.f_and_g_prod(t, y, v)[1]"), "sde.f_and_g_prod(t, y, v)[1]")
    name0, m = ms[0]
    for name, mk in ms[1:]:
        if mk != m:
            if name0 == "bm":
                raise InputError("bm", f"size ({B}, {mk}) to match {name} ({mk} noise channels)", f"({B}, {m})")
            raise InputError(name, f"{m} noise channels like {name0}", mk)
    return m


def check_bm_shape(bm, B: int) -> tuple:
    for attr in ("shape", "levy_area_approximation"):
        if not hasattr(bm, attr) or not callable(bm):
            raise InputError("bm", "a Brownian motion (BrownianInterval, BrownianPath, BrownianTree, ...)",
                             type(bm).__name__)
    shape = tuple(bm.shape)
    if len(shape) != 2:
        raise InputError("bm", f"size ({B}, m) (batch, noise channels)", f"size {shape}")
    if shape[0] != B:
        raise InputError("bm", f"batch size {B} like y0", f"size {shape}")
    return shape


def check_bm(bm, B: int, m: int, ts_list, stepper, noise_type: str) -> None:
    shape = check_bm_shape(bm, B)
    if noise_type == NOISE_TYPES.scalar and shape[1] != 1:
        raise InputError("bm", f"size ({B}, 1) for scalar noise", f"size {shape}")
    if bm.levy_area_approximation not in stepper.levy_areas:
        raise InputError("bm", f"levy_area_approximation in {', '.join(stepper.levy_areas)} for method "
                               f"{stepper.name!r}", repr(bm.levy_area_approximation),
                         "e.g. BrownianInterval(..., levy_area_approximation='space-time')")
    t0, t1 = getattr(bm, "t0", None), getattr(bm, "t1", None)
    if t0 is not None and t1 is not None and len(ts_list) > 1:
        if ts_list[0] < t0 - 1e-12 * max(1.0, abs(t0)) or ts_list[-1] > t1 + 1e-12 * max(1.0, abs(t1)):
            raise InputError("bm", f"an interval covering ts [{ts_list[0]}, {ts_list[-1]}]", f"[{t0}, {t1}]")
