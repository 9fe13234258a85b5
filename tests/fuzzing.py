"""Shared pieces of the fuzz tests: case counts, a memory cap, and a record of the slowest case.

Each fuzz target runs ``DEFAULT_CASES`` generated cases in the default run and
``SLOW_CASES`` more under ``@pytest.mark.slow``. A case may only return or
raise a sciml error; it must finish within ``DEADLINE_MS`` (a hang detector,
far above the milliseconds a case takes) and under a cap on the address space
(``memory_cap``) so that a memory bomb fails the test instead of the machine.
With ``SCIML_FUZZ_LOG=path`` every target appends its count and slowest case
to that file (the numbers quoted in the closing notes of issue 18).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import time
from datetime import timedelta

from hypothesis import HealthCheck, settings

DEFAULT_CASES = 300
SLOW_CASES = 10_000
DEADLINE_MS = 10_000
MEMORY_HEADROOM = 1536 * 1024**2  # address space a case may add to the test process


def fuzz_settings(cases: int) -> settings:
    return settings(max_examples=cases, deadline=timedelta(milliseconds=DEADLINE_MS), database=None,
                    derandomize=cases <= DEFAULT_CASES, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def memory_cap(headroom: int = MEMORY_HEADROOM):
    """Limit the process's address space to its current size plus ``headroom`` (Linux), then restore it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        limit = _address_space() + headroom
    except OSError:  # no /proc: run without the cap
        yield
        return
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Record:
    """Counts the cases of one target and keeps the slowest (seconds, a short description of its input)."""

    def __init__(self, target: str):
        self.target = target
        self.count = 0
        self.outcomes: dict[str, int] = {}
        self.slowest = (0.0, "")

    @contextlib.contextmanager
    def case(self, description):
        """Time one case; the block may call the yielded ``outcome(name)`` (e.g. with the error it expected)."""
        start = time.perf_counter()
        outcome = ["ok"]
        try:
            yield lambda name: outcome.__setitem__(0, name)
        except Exception as exc:
            outcome[0] = f"unexpected {type(exc).__name__}"
            raise
        finally:
            elapsed = time.perf_counter() - start
            self.count += 1
            self.outcomes[outcome[0]] = self.outcomes.get(outcome[0], 0) + 1
            if elapsed > self.slowest[0]:
                text = description if isinstance(description, str) else repr(description)
                self.slowest = (elapsed, text[:200])

    def report(self, run: str) -> str:
        line = {"target": self.target, "run": run, "cases": self.count, "outcomes": self.outcomes,
                "slowest_s": round(self.slowest[0], 4), "slowest_case": self.slowest[1]}
        text = json.dumps(line)
        path = os.environ.get("SCIML_FUZZ_LOG")
        if path:
            with open(path, "a") as fh:
                fh.write(text + "\n")
        return text
