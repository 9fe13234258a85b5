import ctypes
import importlib.util
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp
import torch

from sciml.cli import main
from sciml.symbolic import ModelSpec, compile_numpy, export, write_model
from sciml.symbolic.printers import flatten

x, y, v, f, X, t = sp.symbols("x y v f x t")
U = sp.Function("u")(X, t)

MODELS = {
    "lorenz": ModelSpec("ode", ["x", "y", "z"], [10.0 * (y - x), x * (28 - sp.Symbol("z")) - y,
                                                 x * y - 2.6666666666666665 * sp.Symbol("z")]),
    "forced": ModelSpec("ode", ["x", "v"], [v, -x - 0.1 * v + 0.5 * sp.sin(x) + f + 1.25], inputs=["f"]),
    "keywords": ModelSpec("ode", ["lambda_", "t_"], [sp.Symbol("t_"), -sp.Symbol("lambda_")]),
    "burgers": ModelSpec("pde", ["u"], [-U * U.diff(X) + 0.1 * U.diff(X, 2)], coords=["x"]),
}


def _reference(spec, values):
    flat = flatten(spec)
    out = compile_numpy(flat.exprs, flat.arguments)(*values)
    return np.stack([np.broadcast_to(o, values[0].shape) for o in out])


def _values(spec, n=7):
    rng = np.random.default_rng(0)
    return [rng.uniform(-2, 2, n) for _ in flatten(spec).arguments]


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(MODELS))
def test_python_export_runs_and_matches(tmp_path, name):
    spec = MODELS[name]
    path = tmp_path / f"gen_{name}.py"
    path.write_text(export(spec, "python"))
    module = _import(path, f"gen_{name}")
    values = _values(spec)
    expected = _reference(spec, values)
    if spec.kind == "ode":
        n = len(spec.states)
        args = (np.stack(values[:n]),) + ((np.stack(values[n:]),) if spec.inputs else ())
        got = module.rhs(0.0, *args)
    else:
        got = module.rhs(0.0, *values)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", list(MODELS))
def test_torch_export_runs_matches_and_trains(tmp_path, name):
    spec = MODELS[name]
    path = tmp_path / f"tgen_{name}.py"
    path.write_text(export(spec, "torch"))
    model = _import(path, f"tgen_{name}").Model()
    values = _values(spec)
    expected = _reference(spec, values)
    tensors = [torch.tensor(a) for a in values]
    if spec.kind == "ode":
        n = len(spec.states)
        args = (torch.stack(tensors[:n], -1),) + ((torch.stack(tensors[n:], -1),) if spec.inputs else ())
        out = model(torch.tensor(0.0), *args)
    else:
        out = model(torch.tensor(0.0), *tensors)
    np.testing.assert_allclose(out.detach().numpy().T, expected, rtol=1e-14, atol=1e-14)
    out.sum().backward()
    assert model.coefficients.grad is not None


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
@pytest.mark.parametrize("name", list(MODELS))
def test_c_export_compiles_runs_and_matches(tmp_path, name):
    spec = MODELS[name]
    src = tmp_path / "rhs.c"
    src.write_text(export(spec, "c"))
    lib = tmp_path / "librhs.so"
    compiler = shutil.which("cc") or shutil.which("gcc")
    subprocess.run([compiler, "-std=c99", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", str(src), "-o", str(lib),
                    "-lm"], check=True, capture_output=True)
    fn = ctypes.CDLL(str(lib)).sciml_rhs
    fn.argtypes = [ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double)]
    values = _values(spec, n=5)
    expected = _reference(spec, values)
    for k in range(5):
        inp = (ctypes.c_double * len(values))(*[a[k] for a in values])
        out = (ctypes.c_double * len(spec.states))()
        fn(0.0, inp, out)
        np.testing.assert_allclose(list(out), expected[:, k], rtol=1e-15, atol=1e-15)


def test_latex_and_sympy_text():
    latex = export(MODELS["lorenz"], "latex")
    assert latex.startswith("\\begin{aligned}") and "\\dot{x} &=" in latex and "2.667" in latex
    assert "u_{t} &=" in export(MODELS["burgers"], "latex") and "u_{xx}" in export(MODELS["burgers"], "latex")
    assert "2.6666666666666665" in export(MODELS["lorenz"], "latex", digits=None)
    assert "∂" in export(MODELS["burgers"], "sympy")


def test_export_command_writes_each_format(tmp_path, capsys):
    path = write_model(MODELS["lorenz"], tmp_path / "m.json")
    for fmt in ("sympy", "latex", "python", "torch", "c", "json"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", str(path), "--to", fmt, "--out", str(out)]) == 0
        assert out.read_text().strip()
    assert main(["export", str(path), "--to", "latex"]) == 0
    assert "\\dot{x}" in capsys.readouterr().out
    (tmp_path / "evil.json").write_text('{"sciml_format": "model/1", "kind": "ode", "states": ["x"], '
                                        '"equations": [{"state": "x", "rhs": "__import__(\\"os\\")"}]}')
    assert main(["export", str(tmp_path / "evil.json"), "--to", "python"]) == 2
    assert "equations[0]" in capsys.readouterr().err
