"""Checkpoints: a directory with ``weights.pt`` (state dicts only) and ``meta.json``.

Weights are loaded with ``torch.load(weights_only=True)``, so a checkpoint file cannot run
code; metadata is plain JSON. Both files are written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from sciml.atomic import atomic_path, atomic_write
from sciml.errors import ModelFileError

__all__ = ["save_checkpoint", "load_checkpoint"]


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
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{meta_path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{meta_path}: expected a JSON object")
    try:
        state = torch.load(weights, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise ModelFileError(f"{weights}: not a weights file this version can read ({exc})") from exc
    if not isinstance(state, dict):
        raise ModelFileError(f"{weights}: expected a dict of state dicts")
    return state, meta
