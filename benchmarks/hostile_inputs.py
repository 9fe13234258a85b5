"""Work that must stay bounded on hostile or huge inputs (issue 18): start-up, big models, an expansion bomb.

Cases (CPU, medians of --repeats runs after a warm-up, except where one run is the point):
1. ``sciml --help`` and ``sciml export --help``: wall time of a fresh process (the floor is
   ``python -c "import sciml"``, measured alongside).
2. A model file with N states (``-0.5 s_i + 0.1 s_{i+1} s_{i+2}``) for N in --states: ``read_model``,
   then each export format and its self-check (``check_export``); time per state shows linearity.
3. The 300-byte file whose rhs is ``(x+y+z+w+1)**1000`` (run before case 2, so that the peak memory
   is its own): load, coefficients, predict, and ``export --to torch`` with its check, with the peak
   resident memory of the process.

No anchor library reads sciml model files; the comparison is with the N-fold cost of one state and
with the figures in the issue (101 s for 5,000 states; 24 GB and > 60 s for the bomb). Prints a table
and one JSON line:
    python benchmarks/hostile_inputs.py [--repeats 3] [--states 1000,5000]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from ode_speed import machine  # noqa: E402

FORMATS = ("python", "torch", "c", "latex", "json")


def _wall(command, repeats):
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def _document(n):
    states = [f"s{i}" for i in range(n)]
    eqs = [{"state": s, "rhs": f"-0.5*s{i} + 0.1*s{(i + 1) % n}*s{(i + 2) % n}"} for i, s in enumerate(states)]
    return json.dumps({"sciml_format": "model/1", "kind": "ode", "states": states, "equations": eqs})


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--states", default="1000,5000")
    args = parser.parse_args(argv)
    from sciml.symbolic import check_export, export, read_model

    result = {"machine": machine(), "startup_s": {
        "import sciml": _wall([sys.executable, "-c", "import sciml"], args.repeats),
        "sciml --help": _wall([sys.executable, "-m", "sciml.cli", "--help"], args.repeats),
        "sciml export --help": _wall([sys.executable, "-m", "sciml.cli", "export", "--help"], args.repeats)}}
    tmp = Path(tempfile.mkdtemp(prefix="sciml_bench_"))
    from sciml import load_model
    from sciml.cli import main as cli

    bomb = tmp / "bomb.json"
    bomb.write_text(json.dumps({"sciml_format": "model/1", "kind": "ode", "states": ["x", "y", "z", "w"],
                                "equations": [{"state": s, "rhs": r} for s, r in
                                              zip("xyzw", ["(x+y+z+w+1)**1000", "x", "y", "z"])]}))
    start = time.perf_counter()
    model = load_model(bomb)
    _ = model.coefficients, model.predict(np.full((1, 4), 1e-3))
    assert cli(["export", str(bomb), "--to", "torch", "--out", str(tmp / "bomb.py")]) == 0
    result["bomb"] = {"bytes": bomb.stat().st_size, "s": time.perf_counter() - start,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}

    rows = {}
    for n in map(int, args.states.split(",")):
        path = tmp / f"m{n}.json"
        path.write_text(_document(n))
        start = time.perf_counter()
        spec = read_model(path)
        row = {"read": time.perf_counter() - start}
        for fmt in FORMATS:
            start = time.perf_counter()
            text = export(spec, fmt)
            row[fmt] = time.perf_counter() - start
            start = time.perf_counter()
            check_export(spec, fmt, text)
            row[f"check {fmt}"] = time.perf_counter() - start
        rows[n] = row
    result["model_s"] = rows

    print(f"machine: {result['machine']}")
    for name, s in result["startup_s"].items():
        print(f"{name:<22} {s:7.3f} s")
    header = ["states", "read", *[f for fmt in FORMATS for f in (fmt, f"check {fmt}")]]
    print(" ".join(f"{h:>12}" for h in header))
    for n, row in rows.items():
        print(" ".join([f"{n:>12}"] + [f"{row[h]:12.2f}" for h in header[1:]]))
    print("ms per state: " + ", ".join(f"{n}: read {1e3 * r['read'] / n:.2f}" for n, r in rows.items()))
    b = result["bomb"]
    print(f"bomb ({b['bytes']} bytes): load + coefficients + predict + export --to torch {b['s']:.2f} s, "
          f"peak RSS {b['peak_rss_mb']:.0f} MB (the whole process)")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
