"""Several processes on torch.distributed (gloo on CPU): the same loss curve as one process with the same
global batch, identical weights on every rank, and a clear error (not a hang) when a rank dies."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sciml import train
from sciml.errors import InputError

from . import ddp_worker
from .launcher import run_ranks

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "curves"
    results = run_ranks(WORKER, ["curves", out])
    assert [code for code, _ in results] == [0, 0], results
    return [json.loads(Path(f"{out}.{rank}").read_text()) for rank in range(2)]


@pytest.mark.parametrize("case", ["pinn", "node"])
def test_two_processes_give_the_loss_curve_of_one(two_ranks, case):
    one = ddp_worker.pinn_run() if case == "pinn" else ddp_worker.node_run()
    for rank in two_ranks:
        np.testing.assert_allclose(rank[case]["loss"], one["loss"], rtol=1e-11)
        np.testing.assert_allclose(rank[case]["weights"], one["weights"], rtol=1e-10, atol=1e-12)
    assert two_ranks[0][case] == two_ranks[1][case]  # every rank holds the same model, bit for bit
    assert len(one["loss"]) > 10


@pytest.mark.parametrize("mode", ["die", pytest.param("hang", marks=pytest.mark.slow)])
def test_a_dead_or_stuck_rank_ends_the_job_with_a_clear_error(mode):
    results = run_ranks(WORKER, [mode, "-"], env={"SCIML_DIST_TIMEOUT": "3"}, timeout=60, first_only=True)
    code, text = results[0]
    assert code == 5, text
    assert "DistributedError" in text and "rank 0 of 2" in text and "crashed, was killed or did not answer" in text
    seconds = float(text.split("DistributedError after ")[1].split(" s")[0])
    assert seconds < 30  # gloo notices a dead peer at once, a stuck one after SCIML_DIST_TIMEOUT


def test_single_process_context_is_a_no_op():
    ctx = train.distributed.setup("cpu")
    assert not ctx.active and ctx.is_main and ctx.world == 1
    t = torch.ones(3)
    assert ctx.all_reduce(t, "x") is t and ctx.any(True, "x") and ctx.broadcast_index(4, "x") == 4
    with pytest.raises(InputError, match="torchrun"):
        train.distributed.setup("cpu", enabled=True)


def test_environment_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("RANK", "0")
    assert train.distributed.environment() is None
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "5")
    with pytest.raises(InputError, match="RANK"):
        train.distributed.environment()


def test_nproc_is_stripped_from_the_relaunched_command():
    from sciml.train.launch import torchrun_command, without_option

    args = without_option(["solve", "f.py", "--nproc", "2", "--out", "o", "--nproc=3"], "--nproc")
    assert args == ["solve", "f.py", "--out", "o"]
    cmd = torchrun_command(2, args)
    assert cmd[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    assert cmd[-4:] == args
    with pytest.raises(InputError, match="nproc"):
        torchrun_command(0, args)


@pytest.mark.slow
def test_sciml_solve_nproc_2_runs_under_torchrun_and_matches_one_process(tmp_path):
    from sciml.cli import main

    problem = tmp_path / "p.py"
    problem.write_text(
        "import sympy as sp\nfrom sciml import pde\nx = sp.Symbol('x')\nu = sp.Function('u')(x)\n"
        "problem = pde.Problem([sp.Eq(-u.diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x))], pde.Interval(x, -1, 1),\n"
        "                      [pde.Dirichlet(u, 0, on='boundary')])\n"
        "solve_options = {'network': {'hidden': [12]}, 'points': 48, 'iterations': 60, 'lbfgs': 20,\n"
        "                 'derivatives': 'autograd', 'log_every': 10}\n")
    for n, out in ((2, "two"), (None, "one")):
        args = ["solve", str(problem), "--out", str(tmp_path / out), "--no-progress"]
        assert main(args + (["--nproc", str(n)] if n else [])) == 0
    two, one = (json.loads((tmp_path / o / "metrics.json").read_text()) for o in ("two", "one"))
    assert two["iterations"] == one["iterations"] == 80
    assert two["final_loss"] == pytest.approx(one["final_loss"], rel=1e-9)
