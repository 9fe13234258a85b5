"""Devices and dtypes from user arguments ("cpu", "cuda:0", "auto"; "float32", torch.float64)."""

from __future__ import annotations

import torch

from sciml.errors import InputError

__all__ = ["resolve_device", "resolve_dtype"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "double": torch.float64, "float": torch.float32}


def resolve_device(device=None) -> torch.device:
    """``None``/"cpu" -> CPU, "auto" -> the first CUDA device if there is one, else a torch device string."""
    if device is None:
        return torch.device("cpu")
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InputError("device", "'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'", repr(device)) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device", "a device present on this machine", repr(device), "use device='cpu' or 'auto'")
    return dev


def resolve_dtype(dtype=None) -> torch.dtype:
    """``None`` -> float64; "float32"/"float64" or a torch floating dtype."""
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise InputError("dtype", "a floating-point dtype (float32 or float64)", dtype)
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    raise InputError("dtype", "'float32', 'float64' or a torch floating dtype", repr(dtype))
