"""Run a torchdiffeq test folder, unchanged, against sciml (or torchdiffeq itself) and count its subtests.

The suite imports ``torchdiffeq``; for ``--against sciml`` a temporary package of that name whose
``__init__`` is ``from sciml.compat.torchdiffeq import *`` is put first on ``PYTHONPATH`` (and
checked: the run stops if ``torchdiffeq.odeint`` is not sciml's). Each test and each subtest
(``unittest`` ``subTest``, counted by pytest >= 9) is recorded by a small pytest plugin; the
script prints the counts, the failures grouped by their first error line, and one JSON line.
Subtests whose ``method=`` is not one of sciml's methods can be left out of the count with
``--only-sciml-methods`` (torchdiffeq's newer suite tests implicit fixed-step methods sciml
does not have). Not part of the test suite: the folders are torchdiffeq's, not ours.

    python benchmarks/conformance.py ../shared/conformance/torchdiffeq-0.2.5-tests
    python benchmarks/conformance.py ../shared/conformance/torchdiffeq-0.2.5-tests --against torchdiffeq
    python benchmarks/conformance.py ../shared/conformance/torchdiffeq-master-tests --only-sciml-methods
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = ("api_tests.py", "event_tests.py", "gradient_tests.py", "norm_tests.py", "odeint_tests.py")

_SHIM = """from sciml.compat.torchdiffeq import *  # noqa: F403
from sciml.compat.torchdiffeq import odeint as _odeint

assert _odeint.__module__.startswith("sciml"), _odeint.__module__
"""

_PLUGIN = '''import json, os

_OUT = open(os.environ["SCIML_CONFORMANCE_LOG"], "a")


def pytest_runtest_logreport(report):
    if report.when != "call" and report.outcome != "failed":
        return
    context = getattr(report, "context", None)
    kwargs = None
    if context is not None:
        kwargs = {k: v if isinstance(v, str) else repr(v) for k, v in getattr(context, "kwargs", {}).items()}
    message = ""
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1]
    _OUT.write(json.dumps({"test": report.nodeid, "subtest": kwargs, "outcome": report.outcome,
                           "message": message.splitlines()[0][:200] if message else ""}) + "\\n")
    _OUT.flush()
'''


def run(folder: Path, against: str, files, timeout: float) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="sciml_conformance_") as tmp:
        tmp = Path(tmp)
        (tmp / "sciml_conformance_plugin.py").write_text(_PLUGIN)
        path = [str(tmp)]
        if against == "sciml":
            (tmp / "torchdiffeq").mkdir()
            (tmp / "torchdiffeq" / "__init__.py").write_text(_SHIM)
            path.append(str(REPO))
        log = tmp / "log.jsonl"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")]),
                   SCIML_CONFORMANCE_LOG=str(log), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p",
               "sciml_conformance_plugin", "-W", "ignore", *files]
        proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)
        if not log.exists():
            sys.exit(f"the suite did not run:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return [json.loads(line) for line in log.read_text().splitlines()]


def summarize(records: list[dict], only_methods=None) -> dict:
    subtests = [r for r in records if r["subtest"] is not None]
    if only_methods is not None:
        # pytest records the subtest's parameters as their repr: "'euler'"
        subtests = [r for r in subtests if "method" not in r["subtest"]
                    or r["subtest"]["method"].strip("'\"") in only_methods]
    tests = [r for r in records if r["subtest"] is None]
    failed = [r for r in subtests if r["outcome"] == "failed"]
    return {"subtests_passed": len(subtests) - len(failed), "subtests": len(subtests),
            "tests_failed": sorted({r["test"] for r in tests if r["outcome"] == "failed"}),
            "failures": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--against", choices=("sciml", "torchdiffeq"), default="sciml")
    parser.add_argument("--files", nargs="*", default=list(FILES))
    parser.add_argument("--only-sciml-methods", action="store_true",
                        help="count only subtests of methods sciml has (or without a method)")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--list", action="store_true", help="print every failing subtest")
    args = parser.parse_args()
    records = run(args.folder.resolve(), args.against, args.files, args.timeout)
    only = None
    if args.only_sciml_methods:
        sys.path.insert(0, str(REPO))
        from sciml.integrate.tableaus import ALIASES, METHODS

        only = {*METHODS, *ALIASES, "scipy_solver"}
    s = summarize(records, only)
    print(f"{args.folder.name} against {args.against}: {s['subtests_passed']} / {s['subtests']} subtests passed"
          + (" (methods sciml has)" if only else ""))
    if s["tests_failed"]:
        print("tests failing outside any subtest:", ", ".join(s["tests_failed"]))
    groups = collections.Counter((r["test"].split("::", 1)[-1], r["message"][:100]) for r in s["failures"])
    for (test, message), n in groups.most_common():
        print(f"  {n:4d}  {test}: {message}")
    if args.list:
        for r in s["failures"]:
            print("   ", r["test"].split("::", 1)[-1], r["subtest"], r["message"][:120])
    print(json.dumps({"benchmark": "conformance", "folder": args.folder.name, "against": args.against,
                      "subtests_passed": s["subtests_passed"], "subtests": s["subtests"],
                      "only_sciml_methods": bool(only), "tests_failed": s["tests_failed"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
