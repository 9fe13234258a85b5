"""The drop-in promise: a torchdiffeq script runs after changing only its import line."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).with_name("torchdiffeq_style_example.py")
IMPORT_LINE = "from torchdiffeq import odeint, odeint_adjoint"


def _run(source: str, tmp_path: Path) -> dict:
    script = tmp_path / "example.py"
    script.write_text(source)
    out = subprocess.run([sys.executable, str(script), "adjoint"], capture_output=True, text=True, timeout=300,
                         env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    source = EXAMPLE.read_text()
    assert source.count(IMPORT_LINE) == 1
    return _run(source.replace(IMPORT_LINE, "from sciml import odeint, odeint_adjoint"),
                tmp_path_factory.mktemp("ours"))


def test_script_runs_with_only_the_import_changed(ours):
    for mode in ("direct", "adjoint"):
        losses = ours[mode]["losses"]
        assert len(losses) == 4 and all(np.isfinite(losses))
        assert losses[-1] < losses[0]  # training moves downhill
    # the oscillator integrated backwards from t=3: x = cos(t - 3), v = -sin(t - 3)
    ts = np.linspace(3.0, 0.0, 7)
    np.testing.assert_allclose(ours["direct"]["x"], np.cos(ts - 3.0), atol=1e-5)
    np.testing.assert_allclose(ours["direct"]["v"], -np.sin(ts - 3.0), atol=1e-5)
    np.testing.assert_allclose(ours["adjoint"]["losses"], ours["direct"]["losses"], rtol=1e-6)


def test_same_values_as_torchdiffeq(ours, tmp_path):
    pytest.importorskip("torchdiffeq")
    theirs = _run(EXAMPLE.read_text(), tmp_path)
    for mode in ("direct", "adjoint"):
        for key in ("losses", "x", "v", "bosh3", "true_y_end"):
            np.testing.assert_allclose(ours[mode][key], theirs[mode][key], rtol=1e-6, atol=1e-6, err_msg=key)
