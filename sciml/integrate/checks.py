"""Input checking for the public solvers: done once, before the hot loop, with clear messages."""

from __future__ import annotations

import math
from numbers import Real

import torch

from sciml.errors import InputError

__all__ = ["check_func", "check_state", "check_times", "check_tolerance", "check_choice", "check_positive_int",
           "check_output"]


def check_func(func) -> None:
    if not callable(func):
        raise InputError("func", "a callable func(t, y)", type(func).__name__)


def check_state(y0, name: str = "y0") -> tuple[torch.Tensor, ...]:
    """A floating tensor or a non-empty tuple of them, on one device and dtype, all finite."""
    tensors = y0 if isinstance(y0, tuple) else (y0,)
    if isinstance(y0, tuple) and not y0:
        raise InputError(name, "a tensor or a non-empty tuple of tensors", "an empty tuple")
    for i, x in enumerate(tensors):
        label = f"{name}[{i}]" if isinstance(y0, tuple) else name
        if not isinstance(x, torch.Tensor):
            raise InputError(label, "a torch.Tensor", type(x).__name__,
                             "convert with torch.as_tensor(..., dtype=torch.float64)")
        if not (x.is_floating_point() or x.is_complex()):
            raise InputError(label, "a floating-point tensor", x.dtype, "use .double() or .float()")
        if x.is_complex():
            raise InputError(label, "a real floating-point tensor", x.dtype,
                             "split complex states into real and imaginary parts")
        if x.numel() == 0:
            raise InputError(label, "a non-empty tensor", f"shape {tuple(x.shape)}")
        if x.device.type == "meta":
            raise InputError(label, "a tensor with data (on the CPU or an accelerator)", "a tensor on the 'meta' "
                             "device", "meta tensors have shapes but no values; create y0 on a real device")
        finite = torch.isfinite(x)
        if not bool(finite.all()):
            bad = int((~finite).sum())
            raise InputError(label, "finite values", f"{bad} NaN/Inf entr{'y' if bad == 1 else 'ies'}")
    first = tensors[0]
    for i, x in enumerate(tensors[1:], start=1):
        if x.dtype != first.dtype:
            raise InputError(f"{name}[{i}]", f"dtype {first.dtype} like {name}[0]", x.dtype)
        if x.device != first.device:
            raise InputError(f"{name}[{i}]", f"device {first.device} like {name}[0]", x.device)
    return tensors


def check_times(t, name: str, device: torch.device, allow_single: bool = True) -> torch.Tensor:
    """A 1-D, finite, strictly monotone floating tensor on ``device``."""
    if not isinstance(t, torch.Tensor):
        raise InputError(name, "a 1-D torch.Tensor of times", type(t).__name__)
    if t.dim() != 1:
        raise InputError(name, "a 1-D tensor", f"shape {tuple(t.shape)}")
    if not t.is_floating_point():
        raise InputError(name, "a floating-point tensor", t.dtype, "use torch.linspace or .double()")
    if t.device != device:
        raise InputError(name, f"a tensor on the state's device {device}", t.device, f"use {name}.to(y0.device)")
    if len(t) == 0 or (len(t) == 1 and not allow_single):
        raise InputError(name, "at least two time points" if not allow_single else "at least one time point",
                         f"{len(t)}")
    if not bool(torch.isfinite(t).all()):
        raise InputError(name, "finite times", "NaN or Inf")
    if len(t) > 1:
        d = t[1:] - t[:-1]
        if not (bool((d > 0).all()) or bool((d < 0).all())):
            raise InputError(name, "strictly increasing or strictly decreasing times",
                             "repeated or non-monotone values")
    return t


def check_tolerance(value, name: str, state_size: int, dtype, device):
    """A non-negative number, or a tensor broadcastable to the flat state."""
    if isinstance(value, torch.Tensor):
        if value.numel() == 1:
            value = float(value)
        else:
            if not bool(torch.isfinite(value).all()) or bool((value < 0).any()):
                raise InputError(name, "finite, non-negative tolerances", "NaN/Inf/negative entries")
            if value.numel() != state_size:
                raise InputError(name, f"a scalar or one value per state component ({state_size})",
                                 f"{value.numel()} values")
            return value.reshape(-1).to(dtype=dtype, device=device)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(name, "a non-negative number or a tensor", type(value).__name__)
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise InputError(name, "a finite non-negative number", value)
    return value


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise InputError(name, f"one of {', '.join(repr(c) for c in choices)}", repr(value))
    return value


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, "a positive integer", repr(value))
    return value


def check_output(f0, y0, packer_shape, name: str = "func") -> None:
    """The vector field's first value must look like the state."""
    outs = f0 if isinstance(f0, tuple) else (f0,)
    states = y0 if isinstance(y0, tuple) else (y0,)
    if isinstance(f0, tuple) != isinstance(y0, tuple) or len(outs) != len(states):
        what = f"a tuple of {len(states)} tensors" if isinstance(y0, tuple) else "one tensor"
        raise InputError(name, f"func(t, y) to return {what} like y0", type(f0).__name__)
    for i, (f, y) in enumerate(zip(outs, states)):
        label = f"{name}(t0, y0)" + (f"[{i}]" if isinstance(y0, tuple) else "")
        if not isinstance(f, torch.Tensor):
            raise InputError(label, "a tensor", type(f).__name__)
        if f.shape != y.shape:
            raise InputError(label, f"shape {tuple(y.shape)} (the state's)", f"shape {tuple(f.shape)}")
        if f.dtype != y.dtype:
            raise InputError(label, f"dtype {y.dtype} (the state's)", f.dtype)
        if f.device != y.device:
            raise InputError(label, f"device {y.device} (the state's)", f.device)
        if not bool(torch.isfinite(f).all()):
            raise InputError(label, "finite values at the initial point", "NaN/Inf",
                             "the vector field is undefined at the initial state")
