"""``sciml info``: versions, torch devices and threads."""

from __future__ import annotations

import importlib.metadata
import platform


def register(subparsers) -> None:
    parser = subparsers.add_parser("info", help="print versions, torch devices and threads")
    parser.set_defaults(func=run)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def run(args) -> int:
    import torch

    from sciml import __version__

    rows = [("sciml", __version__), ("python", platform.python_version()), ("platform", platform.platform())]
    for dist in ("torch", "numpy", "scipy", "sympy", "h5py", "matplotlib", "tqdm"):
        rows.append((dist, _version(dist)))
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    rows.append(("torch devices", ", ".join(devices)))
    threads = f"{torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op"
    rows.append(("torch threads", threads))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0
