"""`sciml solve` survives interruption: kill -9 or SIGTERM mid-training, then --resume, gives the weights
of a run never interrupted, bit for bit (CPU, float64, fixed seed)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp
import torch

from sciml import pde, pinn
from sciml.cli import main
from sciml.errors import ModelFileError
from sciml.train.checkpoint import read_state

ROOT = Path(__file__).resolve().parents[2]

PROBLEM = '''
import os, time
import sympy as sp
from sciml import pde
x = sp.symbols("x")
u = sp.Function("u")(x)
problem = pde.Problem([sp.Eq(-u.diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x))], pde.Interval(x, -1, 1),
                      [pde.Dirichlet(u, 0, on="boundary")])
def slow(iteration, loss, terms):
    if os.environ.get("SCIML_TEST_SLOW"):  # the interrupted process: slow enough to stop mid-run
        time.sleep(0.02)
solve_options = {"network": {"hidden": [8]}, "points": 32, "iterations": 150, "lbfgs": 30, "log_every": 1,
                 "derivatives": "autograd", "resample": __import__("sciml.pinn").pinn.RAD(every=40, candidates=300),
                 "callback": slow}
'''


def final_model(directory):
    final = sorted(p for p in Path(directory).iterdir() if p.name.endswith("-final"))
    assert len(final) == 1, sorted(p.name for p in Path(directory).iterdir())
    return read_state(final[0])[0]["model"]


def start_and_wait(tmp_path, checkpoint, until_iteration):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "SCIML_TEST_SLOW": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sciml.cli", "solve", str(tmp_path / "problem.py"),
                             "--checkpoint", str(checkpoint), "--checkpoint-every", "10", "--out",
                             str(tmp_path / "killed"), "--no-progress"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    latest = Path(checkpoint) / "latest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if latest.exists() and json.loads(latest.read_text())["iteration"] >= until_iteration:
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no checkpoint at iteration {until_iteration}: {proc.communicate()}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("uninterrupted")
    (base / "problem.py").write_text(PROBLEM)
    code = main(["solve", str(base / "problem.py"), "--checkpoint", str(base / "reference"),
                 "--out", str(base / "ref_out"), "--no-progress"])
    assert code == 0
    return base


@pytest.fixture()
def problem_file(tmp_path, reference):
    (tmp_path / "problem.py").write_text(PROBLEM)
    for name in ("reference", "ref_out"):
        (tmp_path / name).symlink_to(reference / name)
    return tmp_path


def resume_and_compare(tmp_path, checkpoint):
    code = main(["solve", str(tmp_path / "problem.py"), "--resume", str(checkpoint), "--out",
                 str(tmp_path / "resumed"), "--no-progress"])
    assert code == 0
    a, b = final_model(tmp_path / "reference"), final_model(checkpoint)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    ref = json.loads((tmp_path / "ref_out" / "metrics.json").read_text())
    again = json.loads((tmp_path / "resumed" / "metrics.json").read_text())
    assert again["final_loss"] == ref["final_loss"] and again["iterations"] == ref["iterations"] == 180


def test_kill_9_then_resume_gives_bit_identical_weights(problem_file):
    tmp_path = problem_file
    proc = start_and_wait(tmp_path, tmp_path / "ck", until_iteration=50)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    latest = json.loads((tmp_path / "ck" / "latest.json").read_text())
    assert not latest["final"] and latest["iteration"] < 180  # really killed mid-training
    resume_and_compare(tmp_path, tmp_path / "ck")


def test_sigterm_finishes_the_step_checkpoints_and_says_how_to_resume(problem_file):
    tmp_path = problem_file
    proc = start_and_wait(tmp_path, tmp_path / "ck", until_iteration=20)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "SIGTERM: stopped after iteration" in err and "--resume" in err
    latest = json.loads((tmp_path / "ck" / "latest.json").read_text())
    assert not latest["final"] and f"iteration {latest['iteration']};" in err
    resume_and_compare(tmp_path, tmp_path / "ck")


def test_a_checkpoint_of_another_problem_is_refused(tmp_path):
    x = sp.Symbol("x")
    u = sp.Function("u")(x)
    heat = pde.Problem([sp.Eq(-u.diff(x, 2), 1)], pde.Interval(x, 0, 1), [pde.Dirichlet(u, 0)])
    other = pde.Problem([sp.Eq(-u.diff(x, 2), 2)], pde.Interval(x, 0, 1), [pde.Dirichlet(u, 0)])
    options = {"network": {"hidden": [4]}, "points": 8, "iterations": 3, "progress": False}
    pinn.solve(heat, checkpoint=tmp_path / "ck", **options)
    with pytest.raises(ModelFileError, match=r"another run \(equations differ\)"):
        pinn.solve(other, resume=tmp_path / "ck", **options)
    with pytest.raises(ModelFileError, match="network"):
        pinn.solve(heat, resume=tmp_path / "ck", **{**options, "network": {"hidden": [5]}})
    assert pinn.solve(heat, resume=tmp_path / "ck", **options).info["resumed_from"].endswith("-final")
