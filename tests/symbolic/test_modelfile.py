import json

import pytest
import sympy as sp

from sciml.errors import ModelFileError
from sciml.symbolic import ModelSpec, read_model, write_model

x, y, z, t, X = sp.symbols("x y z t x")


def _lorenz():
    return ModelSpec("ode", ["x", "y", "z"], [10.000000000000002 * (y - x), x * (28 - z) - y,
                                              x * y - 2.6666666666666665 * z],
                     info={"scores": {"r2": [1.0, 1.0, 1.0]}, "note": "test"})


def test_round_trip_is_exact(tmp_path):
    spec = _lorenz()
    back = read_model(write_model(spec, tmp_path / "m.json"))
    assert [sp.srepr(r) for r in back.rhs] == [sp.srepr(sp.sympify(r)) for r in spec.rhs]
    assert back.info == spec.info and back.states == spec.states
    u = sp.Function("u")(X, t)
    pde = ModelSpec("pde", ["u"], [-0.1 * u * u.diff(X) + 0.0123456789012345 * u.diff(X, 4) + sp.sin(u)],
                    coords=["x"])
    back = read_model(write_model(pde, tmp_path / "p.json"))
    assert back.rhs == pde.rhs
    assert back.equations()[0].lhs == sp.Derivative(u, t)


def _file(tmp_path, doc):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def _valid():
    return {"sciml_format": "model/1", "kind": "ode", "independent": "t", "states": ["x"], "inputs": [],
            "coordinates": [], "parameters": {}, "equations": [{"state": "x", "rhs": "-x"}], "info": {}}


def test_a_crafted_file_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {marker}')",
        f"__import__(\"os\").system(\"touch {marker}\")",
        f"exec(\"open('{marker}', 'w')\")",
        "x.__class__.__mro__[1].__subclasses__()",
        f"Function('x')(open('{marker}', 'w'))",
        "Lambda(x, x)(1)",
    ]
    for payload in payloads:
        doc = _valid()
        doc["equations"][0]["rhs"] = payload
        with pytest.raises(ModelFileError):
            read_model(_file(tmp_path, doc))
    assert not marker.exists()


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(sciml_format="model/2"), "sciml_format"),
    (lambda d: d.pop("states"), "states"),
    (lambda d: d.update(extra=1), "unknown keys"),
    (lambda d: d.update(kind="sde"), "kind"),
    (lambda d: d["equations"][0].update(state="y"), "equations"),
    (lambda d: d["equations"][0].update(rhs="-q"), "undeclared"),
    (lambda d: d.update(parameters={"k": "1"}), "parameters"),
    (lambda d: d.update(states=["x", "x"], equations=[{"state": "x", "rhs": "x"}] * 2), "distinct"),
])
def test_invalid_files_raise_model_file_error(tmp_path, change, message):
    doc = _valid()
    change(doc)
    with pytest.raises(ModelFileError, match=message):
        read_model(_file(tmp_path, doc))


def test_not_json_nan_and_missing(tmp_path):
    with pytest.raises(ModelFileError, match="not valid JSON"):
        read_model(_file(tmp_path, "{nope"))
    with pytest.raises(ModelFileError, match="NaN"):
        read_model(_file(tmp_path, json.dumps(_valid()).replace('"parameters": {}', '"parameters": {"k": NaN}')))
    with pytest.raises(ModelFileError, match="no such file"):
        read_model(tmp_path / "absent.json")


def test_parameters_are_declared_names(tmp_path):
    doc = _valid()
    doc["parameters"] = {"k": 0.5}
    doc["equations"][0]["rhs"] = "-k*x"
    spec = read_model(_file(tmp_path, doc))
    assert spec.rhs[0] == -sp.Symbol("k") * x
