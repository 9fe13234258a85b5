"""Ensemble fits fanned out over worker processes (or any executor) give the serial result exactly."""

import functools
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sciml.cli import main
from sciml.data import make, save
from sciml.discovery import bagging
from sciml.errors import InputError


def lstsq(G, b, cols):
    w = np.zeros(G.shape[1])
    w[cols] = np.linalg.lstsq(G[:, cols], b, rcond=None)[0]
    return w


def test_bagging_in_processes_and_executors_equals_serial():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(60, 4))
    b = G @ np.array([1.0, 0.0, -2.0, 0.5]) + 0.01 * rng.normal(size=60)
    fit = functools.partial(lstsq, cols=[0, 2, 3])
    serial = bagging(G, b, fit, 12, seed=3).coefs
    np.testing.assert_array_equal(bagging(G, b, fit, 12, seed=3, jobs=2).coefs, serial)
    with ThreadPoolExecutor(2) as pool:
        np.testing.assert_array_equal(bagging(G, b, fit, 12, seed=3, jobs=pool).coefs, serial)
    with pytest.raises(InputError, match="jobs"):
        bagging(G, b, fit, 12, jobs=0)


def test_discover_ensemble_with_jobs(tmp_path, capsys):
    data = save(make("lotka_volterra", noise=0.01, seed=0), tmp_path / "lv.h5")
    for jobs in (1, 2):
        assert main(["discover", str(data), "--ensemble", "8", "--jobs", str(jobs), "--no-progress",
                     "--out", str(tmp_path / f"m{jobs}.json")]) == 0
    assert "8 bootstrap models" in capsys.readouterr().out
    assert json.loads((tmp_path / "m1.json").read_text()) == json.loads((tmp_path / "m2.json").read_text())
    assert main(["discover", str(data), "--ensemble", "8", "--method", "stlsq"]) == 2
