import json
from pathlib import Path

import h5py
import pytest

from sciml.cli import main
from sciml.errors import ProblemDefinitionError
from sciml.pinn.problem_file import load_problem_file

ROOT = Path(__file__).resolve().parents[2]


def test_solve_command_writes_metrics_solution_and_plot(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["solve", str(ROOT / "problems" / "heat.py"), "--iterations", "30", "--lbfgs", "10",
                 "--seed", "1", "--out", str(out), "--no-progress"])
    assert code == 0
    text = capsys.readouterr().out
    assert "relative L2 error" in text and "parameter a = 0.1" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"rel_l2", "parameters", "wall_s", "iterations"} <= set(metrics)
    assert metrics["iterations"] == 40 and 0 < metrics["rel_l2"] < 1
    with h5py.File(out / "solution.h5") as f:
        assert f.attrs["sciml_format"] == "dataset/1" and f.attrs["kind"] == "pde"
        assert f["fields"]["u"].shape == (len(f["t"]), len(f["coords"]["x"]))
    assert (out / "solution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_problem_file_without_problem_is_refused(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n")
    with pytest.raises(ProblemDefinitionError, match="no module-level `problem`"):
        load_problem_file(bad)
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('oops')\n")
    with pytest.raises(ProblemDefinitionError, match="oops"):
        load_problem_file(broken)
    assert main(["solve", str(bad), "--out", str(tmp_path / "o")]) == 2
