"""Where a run keeps its checkpoints: ``DIR/step-000001200/`` directories and ``DIR/latest.json``.

A checkpoint is written every ``every`` iterations and/or every ``seconds`` seconds, when a run is
interrupted and when it ends; the ``keep`` newest are kept. Each is a directory written atomically
(:func:`sciml.train.checkpoint.write_state`), and ``latest.json`` is replaced only once the new
one is complete, so a run killed at any moment leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from sciml.atomic import atomic_write
from sciml.errors import InputError, ModelFileError
from sciml.train.checkpoint import read_state, write_state

__all__ = ["Checkpoints", "find_checkpoint", "load_training_state", "checkpoint_root"]

_STEP = re.compile(r"^step-(\d{9})(-final)?$")


class Checkpoints:
    """``Checkpoints(directory, every=None, seconds=300, keep=2)``: when and where to checkpoint.

    ``every``: iterations between checkpoints (None: only by time); ``seconds``: wall-clock seconds
    between checkpoints (None: only by count); ``keep``: how many to keep (None: all).
    """

    def __init__(self, directory, every: int | None = None, seconds: float | None = 300.0, keep: int | None = 2):
        if not isinstance(directory, (str, Path)) or not str(directory):
            raise InputError("checkpoint directory", "a path", repr(directory))
        if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise InputError("every", "a positive number of iterations or None", repr(every))
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not seconds > 0):
            raise InputError("seconds", "a positive number of seconds or None", repr(seconds))
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise InputError("keep", "a positive count or None (keep all)", repr(keep))
        self.directory = Path(directory)
        self.every, self.seconds, self.keep = every, seconds, keep
        self.last_iteration = None
        self.last_time = time.monotonic()
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError("checkpoint directory", "a directory (or a path to create)",
                             f"{self.directory}, an existing file")

    def due(self, iteration: int) -> bool:
        """Whether a checkpoint is due after ``iteration`` (having passed a multiple of ``every``, or time)."""
        if self.last_iteration is not None and iteration <= self.last_iteration:
            return False
        if self.every is not None:
            before = 0 if self.last_iteration is None else self.last_iteration
            if iteration // self.every > before // self.every:
                return True
        return self.seconds is not None and time.monotonic() - self.last_time >= self.seconds

    def write(self, iteration: int, payload: dict, meta: dict, final: bool = False) -> Path:
        name = f"step-{iteration:09d}" + ("-final" if final else "")
        path = write_state(self.directory / name, payload, {**meta, "iteration": iteration, "final": final})
        with atomic_write(self.directory / "latest.json") as fh:
            json.dump({"checkpoint": name, "iteration": iteration, "final": final}, fh)
        self.last_iteration, self.last_time = iteration, time.monotonic()
        self._prune(name)
        return path

    def _prune(self, newest: str) -> None:
        if self.keep is None:
            return
        # only older ones: later ones belong to a continuation this run is recomputing, and stay until replaced
        mine = int(_STEP.match(newest).group(1))
        older = [p for p in sorted(self.directory.iterdir()) if p.is_dir() and _STEP.match(p.name)
                 and p.name != newest and int(_STEP.match(p.name).group(1)) <= mine]
        for old in older[: max(len(older) - (self.keep - 1), 0)]:
            shutil.rmtree(old, ignore_errors=True)

    def __repr__(self):
        return f"Checkpoints({str(self.directory)!r}, every={self.every}, seconds={self.seconds}, keep={self.keep})"


def checkpoint_root(path) -> Path:
    """The directory of a run's checkpoints, given it or one of its ``step-*`` checkpoints."""
    path = Path(path)
    return path.parent if (path / "weights.pt").exists() or (path / "meta.json").exists() else path


def _candidates(directory: Path) -> list[Path]:
    return sorted((p for p in directory.iterdir() if p.is_dir() and _STEP.match(p.name)), reverse=True)


def find_checkpoint(path) -> Path | None:
    """The checkpoint that ``resume=path`` names: ``path`` itself when it holds ``weights.pt``, else the
    one ``path/latest.json`` points to (or the newest ``step-*`` directory); None when there is none."""
    path = Path(path)
    if (path / "weights.pt").exists() or (path / "meta.json").exists():
        return path
    if not path.is_dir():
        return None
    latest = path / "latest.json"
    if latest.is_file():
        try:
            name = json.loads(latest.read_text(encoding="utf-8"))["checkpoint"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"{latest}: unreadable ({exc}); resume from one of the step-* directories "
                                 f"instead: {[p.name for p in _candidates(path)]}") from exc
        if not isinstance(name, str) or not _STEP.match(name):
            raise ModelFileError(f"{latest}: names {name!r}, not a step-* checkpoint directory")
        return path / name
    steps = _candidates(path)
    return steps[0] if steps else None


def load_training_state(path) -> tuple[dict, dict, Path]:
    """(payload, meta, checkpoint directory) for ``resume=path``; a clear ModelFileError if unusable,
    naming the other checkpoints that are still there."""
    found = find_checkpoint(path)
    if found is None:
        raise ModelFileError(f"{path}: no checkpoint here (expected a step-* directory or latest.json)")
    try:
        payload, meta = read_state(found)
    except ModelFileError as exc:
        others = [p for p in _candidates(found.parent) if p != found] if found.parent.is_dir() else []
        hint = (f"; the other checkpoints are untouched: resume from {others[0]} instead" if others
                else "; no other checkpoint is there")
        raise ModelFileError(f"cannot resume from {found}: {exc}{hint}") from exc
    return payload, meta, found
