"""A progress bar (tqdm) showing loss terms, updated a few times a second; can be turned off."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """``Progress(total, enabled=True, desc="")``; ``update(n, **values)`` advances by n and shows values."""

    def __init__(self, total=None, enabled=True, desc="", interval=0.25):
        self.enabled = bool(enabled)
        self.interval = interval
        self._last = 0.0
        self._pending = 0
        self._bar = None
        if self.enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, leave=True, dynamic_ncols=True, file=sys.stderr)

    def update(self, n=1, **values):
        if self._bar is None:
            return
        self._pending += n
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._bar.update(self._pending)
        self._pending = 0
        if values:
            self._bar.set_postfix({k: (f"{v:.3e}" if isinstance(v, float) else v) for k, v in values.items()},
                                  refresh=False)

    def write(self, message):
        if self._bar is not None:
            self._bar.write(message)

    def close(self):
        if self._bar is not None:
            self._bar.update(self._pending)
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
