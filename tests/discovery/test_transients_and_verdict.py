"""Transients, several trajectories, folds, the verdict and the stability screening."""

import warnings

import numpy as np
import pytest
import sympy as sp

from sciml.data import add_noise, make
from sciml.discovery import DiscoveredModel, SINDy
from sciml.discovery.folds import interleaved_folds
from sciml.discovery.noise_floor import noise_std
from sciml.discovery.report import split_terms
from sciml.discovery.stability import screen, simulation_check
from sciml.errors import DiscoveryWarning

MEAN_FIELD = [{"x": 0.01, "y": -1.0, "x*z": -1.0}, {"x": 1.0, "y": 0.01, "y*z": -1.0},
              {"x**2": 1.0, "y**2": 1.0, "z": -1.0}]


@pytest.fixture(scope="module")
def mean_field():
    return make("mean_field", rtol=1e-8, atol=1e-10)  # looser than the generator's 1e-10: a faster test


def _found(model):
    return [{sp.sstr(term): c for c, term in split_terms(r)} for r in model.rhs]


@pytest.mark.parametrize("level", [0.0, 0.01])
def test_mean_field_from_transients_exact_structure(mean_field, level):
    data = add_noise(mean_field, level, seed=0) if level else mean_field
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscoveryWarning)
        model = SINDy().fit(data).model_
    found = _found(model)
    assert [set(f) for f in found] == [set(t) for t in MEAN_FIELD], found
    for f, t in zip(found, MEAN_FIELD):
        for k, v in t.items():
            assert abs(f[k] - v) <= (1e-4 if level == 0 else 0.06) * abs(v), (k, f[k])
    assert model.verdict["ok"] and model.verdict["simulation"]["bounded"]
    assert "interleaved" in model.choices["selection"]


@pytest.mark.slow
def test_mean_field_model_keeps_the_limit_cycle_over_ten_windows(mean_field):
    model = SINDy().fit(add_noise(mean_field, 0.01, seed=0)).model_
    y = model.simulate(mean_field.y[0, 0], np.linspace(0, 3000, 3001))
    r = np.hypot(y[-300:, 0], y[-300:, 1])
    assert np.abs(r - 0.1).max() < 0.01


def test_noisy_mean_field_is_flagged_not_printed_confidently(mean_field):
    with pytest.warns(DiscoveryWarning, match="poor_fit"):
        model = SINDy().fit(add_noise(mean_field, 0.05, seed=0)).model_
    assert not model.verdict["ok"] and "poor_fit" in model.verdict["causes"]
    assert model.verdict["heldout_r2"]["z"] < 0.5


def test_interleaved_folds_cover_the_whole_record_with_a_guard_gap():
    t = np.arange(0, 100.0, 0.5)
    folds = interleaved_folds([t, t], [2.0, 2.0], n_folds=5)
    assert folds.n_folds == 5
    for f in range(5):
        rows = folds.test == f
        assert t[rows[:200]].min() < 20 and t[rows[:200]].max() > 80  # every fold samples the whole record
        out = folds.training_excluded(f)
        assert out[rows].all() and out.sum() > rows.sum()  # the guard band is left out of training too
    # the two trajectories start in different folds
    assert folds.test[0] != folds.test[200]
    short = interleaved_folds([np.arange(10.0)], [8.0])
    assert "guard" in short.description and short.n_folds == 5


def test_noise_floor_estimate_recovers_white_noise():
    t = np.linspace(0, 20, 4001)
    y = np.sin(t) + 0.01 * np.random.default_rng(0).standard_normal(len(t))
    assert noise_std(y) == pytest.approx(0.01, rel=0.1)
    assert noise_std(np.sin(t)) < 1e-6


def test_simulation_check_and_screening_prefer_a_bounded_model():
    t = np.linspace(0, 2, 201)
    traj = [(t, np.exp(-t)[:, None], None)]
    blowing = DiscoveredModel.from_equations(["x"], ["x**2"])   # from x0 = 1 it blows up at t = 1
    decaying = DiscoveredModel.from_equations(["x"], ["-x"])
    check = simulation_check(blowing, traj)
    assert not check["bounded"] and check["t_failed"] <= 1.1 and check["reason"]
    assert simulation_check(decaying, traj)["bounded"]
    models = {(0,): blowing, (1,): decaying}
    selection, result, runs, swapped = screen(lambda sel: models[tuple(sel[0])], [[0]],
                                              [[{"columns": [1], "score": -1.0}]], traj)
    assert selection == [[1]] and result["bounded"] and runs == 2 and swapped == 0


def test_cli_strict_exits_non_zero_and_json_carries_the_verdict(tmp_path, capsys):
    import json

    from sciml.cli import main
    from sciml.data import save

    path = save(make("lorenz", t_end=4.0), tmp_path / "l.h5")
    assert main(["discover", str(path), "--strict", "--json", "--no-progress"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["verdict"]["ok"] and set(record["verdict"]["heldout_r2"]) == {"x", "y", "z"}
    assert main(["discover", str(path), "--library", "poly1", "--threshold", "50", "--strict",
                 "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "the empty model wins" in err and "--strict" in err
