"""A time-based progress bar for long solves (tqdm), updated at most ten times a second."""

from __future__ import annotations

import time


class SolveProgress:
    def __init__(self, enabled: bool, t0: float, t1: float, desc: str = "solve"):
        self.bar = None
        self.t0 = t0
        self.span = abs(t1 - t0) or 1.0
        self.last = 0.0
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=1000, desc=desc, unit="‰", leave=False)

    def update(self, t: float, steps: int) -> None:
        if self.bar is None:
            return
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        self.bar.n = int(1000 * min(1.0, abs(t - self.t0) / self.span))
        self.bar.set_postfix(t=f"{t:.4g}", steps=steps, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
