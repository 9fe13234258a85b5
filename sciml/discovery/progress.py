"""Progress bars for long fits: shown on stderr only once a step has run for a few seconds."""

from __future__ import annotations

import sys

__all__ = ["progress_bar", "progress_enabled", "DELAY_S"]

#: a bar appears only after this many seconds, so quick fits stay silent
DELAY_S = 2.0


def progress_enabled(setting) -> bool:
    """``True``/``False`` as given; ``"auto"``: when stderr is a terminal."""
    if isinstance(setting, str):
        return setting == "auto" and bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(setting)


def progress_bar(iterable=None, total: int | None = None, enabled=True, desc: str = "", unit: str = "it"):
    """A tqdm bar over ``iterable`` that stays hidden for the first :data:`DELAY_S` seconds."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, disable=not progress_enabled(enabled), desc=desc, unit=unit, leave=False,
                delay=DELAY_S, file=sys.stderr)
