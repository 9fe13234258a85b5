"""Checkpoints: atomic, verified, refused when truncated, damaged, foreign or unsafe -- the last good one kept."""

import hashlib
import json
import os

import pytest
import torch

from sciml import train
from sciml.errors import ModelFileError
from sciml.train.checkpoint import read_state, write_state
from sciml.train.store import find_checkpoint


def small_run(tmp_path, fingerprint=None, **kwargs):
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1).double()
    x = torch.randn(20, 2, dtype=torch.float64)

    def loss():
        return torch.mean((net(x) - x[:, :1] * 2) ** 2)

    store = train.Checkpoints(tmp_path / "ck", every=5, seconds=None, keep=None)
    result = train.train(net, loss, phases=[train.Adam(12, lr=1e-2)], checkpoint=store, progress=False,
                         fingerprint=fingerprint, **kwargs)
    return net, loss, result


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def craft(weights, marker):
    torch.save({"model": Evil(marker)}, weights)
    meta_path = weights.parent / "meta.json"
    meta = json.loads(meta_path.read_text())  # even with a matching checksum, nothing may run
    meta["weights_bytes"] = weights.stat().st_size
    meta["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    meta_path.write_text(json.dumps(meta))


def test_latest_is_written_last_and_the_older_ones_are_pruned(tmp_path):
    _, _, result = small_run(tmp_path)
    names = sorted(p.name for p in (tmp_path / "ck").iterdir())
    assert names == ["latest.json", "step-000000005", "step-000000010", "step-000000012-final"]
    assert json.loads((tmp_path / "ck" / "latest.json").read_text())["checkpoint"] == "step-000000012-final"
    assert result.info["checkpoint"].endswith("step-000000012-final")
    store = train.Checkpoints(tmp_path / "kept", every=1, seconds=None, keep=2)
    for it in (1, 2, 3):
        store.write(it, {"x": torch.zeros(1)}, {})
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["latest.json", "step-000000002",
                                                                       "step-000000003"]


@pytest.mark.parametrize("damage", ["truncate", "flip", "crafted", "not-json", "missing"])
def test_a_bad_checkpoint_is_a_clear_error_and_the_previous_one_still_resumes(tmp_path, damage):
    net, loss, _ = small_run(tmp_path)
    bad = tmp_path / "ck" / "step-000000012-final"
    weights = bad / "weights.pt"
    marker = tmp_path / "executed"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
        match = "truncated"
    elif damage == "flip":
        data = bytearray(weights.read_bytes())
        data[len(data) // 2] ^= 0xFF
        weights.write_bytes(bytes(data))
        match = "corrupted"
    elif damage == "crafted":
        craft(weights, marker)
        match = "refused unexecuted"
    elif damage == "not-json":
        (bad / "meta.json").write_text("{not json")
        match = "not valid JSON"
    else:
        weights.unlink()
        match = "missing weights.pt"
    with pytest.raises(ModelFileError, match=match) as info:
        train.train(net, loss, phases=[train.Adam(12, lr=1e-2)], resume=tmp_path / "ck", progress=False)
    assert "step-000000010" in str(info.value)  # names the good one still there
    assert not marker.exists()
    assert (tmp_path / "ck" / "step-000000010" / "weights.pt").is_file()
    again = train.train(net, loss, phases=[train.Adam(12, lr=1e-2)], resume=tmp_path / "ck" / "step-000000010",
                        progress=False)
    assert again.info["iterations"] == 12 and again.info["resumed_from"].endswith("step-000000010")


def test_a_crafted_pickle_in_a_saved_model_runs_nothing(tmp_path):
    from sciml.train import load_checkpoint, save_checkpoint

    save_checkpoint(tmp_path / "m", {"network": torch.nn.Linear(1, 1).state_dict()}, {"format": "x"})
    torch.save({"network": Evil(tmp_path / "executed")}, tmp_path / "m" / "weights.pt")
    with pytest.raises(ModelFileError, match="refused unexecuted"):
        load_checkpoint(tmp_path / "m")
    assert not (tmp_path / "executed").exists()


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    net, loss, _ = small_run(tmp_path, fingerprint={"problem": "heat", "points": [20]})
    with pytest.raises(ModelFileError, match=r"another run \(problem differ"):
        train.train(net, loss, phases=[train.Adam(12)], resume=tmp_path / "ck", progress=False,
                    fingerprint={"problem": "burgers", "points": [20]})
    with pytest.raises(ModelFileError, match="phase 0 was Adam 'adam'"):
        train.train(net, loss, phases=[train.LBFGS(12)], resume=tmp_path / "ck", progress=False,
                    fingerprint={"problem": "heat", "points": [20]})
    other = torch.nn.Linear(3, 1).double()
    with pytest.raises(ModelFileError, match="does not match this run"):
        train.train(other, lambda: other(torch.zeros(1, 3, dtype=torch.float64)).sum(), phases=[train.Adam(12)],
                    resume=tmp_path / "ck", progress=False, fingerprint={"problem": "heat", "points": [20]})


def test_a_write_that_fails_midway_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    store = train.Checkpoints(tmp_path, every=1, seconds=None)
    store.write(1, {"w": torch.ones(3)}, {})

    def broken(obj, f, *a, **k):
        with open(f, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        store.write(2, {"w": torch.zeros(3)}, {})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "step-000000001"]
    payload, meta = read_state(find_checkpoint(tmp_path))
    assert torch.equal(payload["w"], torch.ones(3)) and meta["iteration"] == 1


def test_resume_finds_the_newest_checkpoint_without_latest_json(tmp_path):
    for it in (3, 7):
        write_state(tmp_path / f"step-{it:09d}", {"it": it}, {"iteration": it})
    (tmp_path / ".step-000000009.abc.tmp").mkdir()  # a write killed midway
    assert find_checkpoint(tmp_path).name == "step-000000007"
    (tmp_path / "latest.json").write_text("garbage")
    with pytest.raises(ModelFileError, match="step-000000007"):
        find_checkpoint(tmp_path)
    assert find_checkpoint(tmp_path / "nothing-here") is None
