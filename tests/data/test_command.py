import numpy as np

from sciml.cli import main
from sciml.data import load


def test_data_make_writes_a_loadable_file(tmp_path, capsys):
    out = tmp_path / "vdp.h5"
    assert main(["data", "make", "van_der_pol", "--noise", "0.01", "--seed", "2", "--out", str(out),
                 "--no-progress"]) == 0
    data = load(out)
    assert data.names == ["x", "y"] and data.attrs["noise"] == 0.01
    assert main(["data", "info", str(out)]) == 0
    assert "van_der_pol" in capsys.readouterr().out
    assert np.isfinite(data.y).all()


def test_data_make_unknown_name_is_a_clean_error(tmp_path, capsys):
    assert main(["data", "make", "nope", "--out", str(tmp_path / "x.h5")]) == 2
    assert "name" in capsys.readouterr().err
