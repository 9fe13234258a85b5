from pathlib import Path

import pytest

from sciml.pinn.problem_file import load_problem_file

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"


@pytest.fixture(scope="session")
def problem_files():
    return {p.stem: load_problem_file(p) for p in sorted(PROBLEMS.glob("*.py")) if not p.stem.startswith("_")}
