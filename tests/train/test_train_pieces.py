import json

import pytest
import torch

from sciml.errors import InputError, ModelFileError
from sciml.train import load_checkpoint, resolve_device, resolve_dtype, run_lbfgs, save_checkpoint


def rosenbrock_setup():
    p = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float64))

    def closure():
        p.grad = None
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        return loss

    return p, closure


def test_lbfgs_runs_to_its_iteration_limit_and_says_so():
    p, closure = rosenbrock_setup()
    report = run_lbfgs([p], closure, 30, chunk=7)
    assert report.iterations == 30
    assert "iteration limit" in report.reason


def test_lbfgs_stops_on_a_given_tolerance_and_names_it():
    p, closure = rosenbrock_setup()
    report = run_lbfgs([p], closure, 10_000, tolerance_grad=1e-6)
    assert report.iterations < 10_000
    assert "tolerance" in report.reason
    assert torch.allclose(p.detach(), torch.ones(2, dtype=torch.float64), atol=1e-5)


def test_lbfgs_time_budget(monkeypatch):
    p, closure = rosenbrock_setup()
    import time

    report = run_lbfgs([p], closure, 100, deadline=time.monotonic() - 1)
    assert report.iterations == 0 and "time budget" in report.reason


def test_checkpoint_round_trip_and_refusals(tmp_path):
    lin = torch.nn.Linear(3, 2)
    save_checkpoint(tmp_path / "ck", {"net": lin.state_dict()}, {"a": 1})
    state, meta = load_checkpoint(tmp_path / "ck")
    assert meta == {"a": 1}
    assert torch.equal(state["net"]["weight"], lin.weight.detach())
    with pytest.raises(ModelFileError, match="missing"):
        load_checkpoint(tmp_path / "nothing")
    (tmp_path / "ck" / "meta.json").write_text("[1, 2")
    with pytest.raises(ModelFileError, match="JSON"):
        load_checkpoint(tmp_path / "ck")
    (tmp_path / "ck" / "meta.json").write_text(json.dumps({}))
    (tmp_path / "ck" / "weights.pt").write_bytes(b"not a torch file")
    with pytest.raises(ModelFileError, match="weights"):
        load_checkpoint(tmp_path / "ck")


def test_device_and_dtype_resolution():
    assert resolve_dtype(None) == torch.float64
    assert resolve_dtype("float32") == torch.float32
    assert resolve_device(None).type == "cpu"
    with pytest.raises(InputError, match="dtype"):
        resolve_dtype("int8")
    with pytest.raises(InputError, match="device"):
        resolve_device("warp-drive")
