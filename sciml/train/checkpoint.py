"""Checkpoint files: a directory with ``weights.pt`` (tensors and plain containers only) and ``meta.json``.

Weights are always loaded with ``torch.load(weights_only=True)``: a file holding anything but
tensors, numbers, strings and containers of them is refused before any of it runs. Metadata is
plain JSON. :func:`save_checkpoint` / :func:`load_checkpoint` are the simple pair that trained models
use (``Result.save``); :func:`write_state` / :func:`read_state` hold a whole training state: the
directory is written under a temporary name and renamed in one step, and ``meta.json`` records the
size and SHA-256 of ``weights.pt``, so a truncated or damaged file is named as such.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from sciml.atomic import atomic_path, atomic_write
from sciml.errors import ModelFileError

__all__ = ["save_checkpoint", "load_checkpoint", "write_state", "read_state", "STATE_FORMAT"]

STATE_FORMAT = "sciml-train-state/1"


def save_checkpoint(directory, state: dict, meta: dict) -> Path:
    """Write ``{name: state_dict}`` to ``directory/weights.pt`` and ``meta`` to ``directory/meta.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plain = {name: {k: v.detach().cpu() for k, v in sd.items()} for name, sd in state.items()}
    with atomic_path(directory / "weights.pt") as tmp:
        torch.save(plain, tmp)
    with atomic_write(directory / "meta.json") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True)
    return directory


def load_checkpoint(directory, map_location="cpu") -> tuple[dict, dict]:
    """(state dicts, metadata) from a checkpoint directory; raises ModelFileError when unusable."""
    directory = Path(directory)
    weights, meta_path = directory / "weights.pt", directory / "meta.json"
    for p in (weights, meta_path):
        if not p.is_file():
            raise ModelFileError(f"{directory}: missing {p.name}; expected a directory written by save()")
    meta = _read_meta(meta_path)
    state = _load_weights(weights, map_location)
    return state, meta


def write_state(directory, payload: dict, meta: dict) -> Path:
    """Write a training state as the directory ``directory``, atomically (an existing one is replaced)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # what mkdir would give, not mkdtemp's 0700
        weights = tmp / "weights.pt"
        torch.save(_to_cpu(payload), weights)
        _fsync(weights)
        meta = {**meta, "format": STATE_FORMAT, "weights_bytes": weights.stat().st_size,
                "weights_sha256": _sha256(weights)}
        with open(tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        old = None
        if directory.exists():  # a later state of an abandoned continuation: move it aside, then drop it
            old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
            os.replace(directory, old)
        os.replace(tmp, directory)
        _fsync(directory.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def read_state(directory, map_location="cpu") -> tuple[dict, dict]:
    """(payload, metadata) of a directory written by :func:`write_state`, verified; ModelFileError if unusable."""
    directory = Path(directory)
    weights, meta_path = directory / "weights.pt", directory / "meta.json"
    for p in (meta_path, weights):
        if not p.is_file():
            raise ModelFileError(f"{directory}: missing {p.name}; not a training checkpoint")
    meta = _read_meta(meta_path)
    if meta.get("format") != STATE_FORMAT:
        raise ModelFileError(f"{meta_path}: format {meta.get('format')!r}, expected {STATE_FORMAT!r}")
    size = weights.stat().st_size
    if size != meta.get("weights_bytes"):
        raise ModelFileError(f"{weights}: truncated or overwritten ({size} bytes, the checkpoint recorded "
                             f"{meta.get('weights_bytes')})")
    if _sha256(weights) != meta.get("weights_sha256"):
        raise ModelFileError(f"{weights}: corrupted (its SHA-256 differs from the one recorded in meta.json)")
    return _load_weights(weights, map_location), meta


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: expected a JSON object")
    return meta


def _load_weights(path: Path, map_location) -> dict:
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad or unsafe file
        unsafe = "weights_only" in str(exc) or "Unsupported global" in str(exc)
        why = ("it holds objects other than tensors and plain containers, refused unexecuted "
               "(weights_only loading)" if unsafe else "not a weights file this version can read")
        raise ModelFileError(f"{path}: {why} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") \
            from exc
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: expected a dict of state dicts")
    return state


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
