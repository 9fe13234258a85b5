"""Every example in docs/ runs: its ```python blocks (one namespace per page) and the `sciml ...`
lines of its ```bash blocks, in order, in a scratch directory that sees the shipped data/ and problems/.

A block preceded by ``<!-- docs-test: skip (reason) -->`` is left out (long training runs).
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"(<!-- docs-test: skip[^>]*-->\n)?```(python|bash)\n(.*?)```", re.S)


def blocks(page: Path):
    return [(lang, code) for skip, lang, code in BLOCK.findall(page.read_text()) if not skip]


def run_cli(line: str, cwd: Path):
    args = shlex.split(line, comments=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "sciml.cli", *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"`{line}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.mark.parametrize("page", DOCS, ids=[p.name for p in DOCS])
def test_examples_run(page, tmp_path, monkeypatch):
    for name in ("data", "problems"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_example"}
    for i, (lang, code) in enumerate(blocks(page)):
        if lang == "python":
            exec(compile(code, f"{page.name} block {i}", "exec"), namespace)
        else:
            for line in code.splitlines():
                if line.startswith("sciml "):
                    run_cli(line, tmp_path)


def test_every_page_has_a_runnable_example():
    for page in DOCS:
        assert blocks(page), f"{page.name} has no example that the docs test runs"
