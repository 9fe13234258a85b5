"""``--nproc N`` for sciml commands: run the same command in N processes under ``torchrun --standalone``.

The command re-executes itself as ``python -m torch.distributed.run --standalone --nproc-per-node N
-m sciml.cli ARGS`` (its arguments minus ``--nproc``); each process then finds torchrun's
environment and joins the process group (:mod:`sciml.train.distributed`). One thread per process
unless ``OMP_NUM_THREADS`` says otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sciml.errors import InputError

__all__ = ["torchrun_command", "relaunch", "without_option", "under_launcher"]


def under_launcher() -> bool:
    """True inside a process started by torchrun (or any launcher setting RANK and WORLD_SIZE)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def without_option(argv, option: str, takes_value: bool = True) -> list[str]:
    """``argv`` without ``option`` (``--nproc 2`` or ``--nproc=2``)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == option:
            skip = takes_value
            continue
        if arg.startswith(option + "="):
            continue
        out.append(arg)
    return out


def torchrun_command(nproc: int, cli_args) -> list[str]:
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise InputError("--nproc", "a positive number of processes", repr(nproc))
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            "-m", "sciml.cli", *cli_args]


def relaunch(nproc: int, cli_args, env=None) -> int:
    """Run ``sciml CLI_ARGS`` in ``nproc`` processes; return torchrun's exit code.

    SIGINT/SIGTERM sent to this process are passed on to torchrun, which passes them to the ranks
    (each finishes its step and checkpoints)."""
    command = torchrun_command(nproc, cli_args)
    env = {**os.environ, **(env or {})}
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.Popen(command, env=env)
    previous = {}

    def forward(signum, frame):
        proc.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, forward)
        except ValueError:  # not the main thread
            pass
    try:
        return proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
