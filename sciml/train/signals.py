"""SIGINT / SIGTERM during training: finish the current step, checkpoint, then stop with a message.

While a :class:`Interrupts` block is active, the first SIGINT or SIGTERM only records itself;
the training loop sees :attr:`Interrupts.received` after the step, writes a checkpoint and raises
:class:`TrainingInterrupted`. A second SIGINT interrupts at once (``KeyboardInterrupt``).
Handlers are installed only in the main thread and restored on exit.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["Interrupts", "TrainingInterrupted"]


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on a signal after writing a checkpoint (``checkpoint``; None when none was
    configured). A ``KeyboardInterrupt``, so ``except Exception`` does not swallow it."""

    def __init__(self, message: str, signal_name: str, iteration: int, checkpoint=None):
        super().__init__(message)
        self.signal_name, self.iteration, self.checkpoint = signal_name, iteration, checkpoint

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number."""
        return 128 + int(getattr(signal, self.signal_name, signal.SIGINT))


class Interrupts:
    """Context manager recording SIGINT/SIGTERM (``received``: the signal's name or None)."""

    SIGNALS = ("SIGINT", "SIGTERM")

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.received: str | None = None
        self._previous = {}

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        if self.received is not None and name == "SIGINT":
            raise KeyboardInterrupt
        self.received = name

    def __enter__(self):
        if self.enabled and threading.current_thread() is threading.main_thread():
            for name in self.SIGNALS:
                sig = getattr(signal, name, None)
                if sig is not None:
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        return False
