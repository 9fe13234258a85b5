"""Start N ranks of a script the way torchrun does (RANK, WORLD_SIZE, MASTER_ADDR/PORT), without its agent."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(script, args, world=2, timeout=120, env=None, first_only=False):
    """[(returncode, stdout + stderr)] of each rank; ``first_only``: wait for rank 0, then kill the others."""
    port = free_port()
    procs = []
    for rank in range(world):
        e = {**os.environ, "RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank),
             "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1",
             "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {})}
        procs.append(subprocess.Popen([sys.executable, str(script), *map(str, args)], env=e,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    out = []
    try:
        for i, p in enumerate(procs):
            if first_only and i > 0:
                p.kill()
            text, _ = p.communicate(timeout=timeout)
            out.append((p.returncode, text))
    finally:
        for q in procs:
            if q.poll() is None:
                q.kill()
                q.wait()
    return out
