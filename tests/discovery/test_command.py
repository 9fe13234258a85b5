import json

from sciml.cli import main
from sciml.data import make, save


def test_discover_prints_equations_choices_and_writes_model_and_plot(tmp_path, capsys):
    data = save(make("van_der_pol", noise=0.01, seed=0), tmp_path / "vdp.h5")
    out, png = tmp_path / "m.json", tmp_path / "fit.png"
    assert main(["discover", str(data), "--out", str(out), "--plot", str(png), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "x' = 1.000 y" in text.replace("0.9999", "1.000")
    assert "Chosen automatically" in text and "library" in text and "threshold" in text
    assert json.loads(out.read_text())["sciml_format"] == "model/1"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_discover_rejects_a_kind_mismatch(tmp_path, capsys):
    data = save(make("lotka_volterra"), tmp_path / "lv.h5")
    assert main(["discover", str(data), "--kind", "pde"]) == 2
    assert "--kind" in capsys.readouterr().err
    assert main(["discover", str(tmp_path / "missing.h5")]) == 2


def test_discover_csv_with_options(tmp_path, capsys):
    data = save(make("lotka_volterra"), tmp_path / "lv.csv")
    assert main(["discover", str(data), "--library", "poly2", "--method", "stlsq", "--threshold", "0.05"]) == 0
    text = capsys.readouterr().out
    assert "x' = 1.500 x - " in text and "formulation: strong" in text and "threshold: {'x': 0.05" in text
