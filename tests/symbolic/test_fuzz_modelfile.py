"""Fuzzing the model-file reader: any bytes give a ModelSpec or a ModelFileError naming the file.

Documents are drawn near the schema (so that most reach the expression
parser), far from it (any JSON), and as mutated or raw bytes. A file that
reads is exported to one of Python, torch, LaTeX and JSON and the export is
checked against the model (:func:`sciml.symbolic.check_export`): it must pass or be
refused with an InputError.
"""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sciml.errors import InputError, ModelFileError
from sciml.symbolic import check_export, export, read_model
from tests.fuzzing import DEFAULT_CASES, SLOW_CASES, Record, fuzz_settings, memory_cap
from tests.symbolic.strategies import EXPRESSION_TEXT, GRAMMAR

NAMES = st.one_of(
    st.sampled_from(["x", "y", "z", "t", "tau", "u", "lambda", "sin", "pi", "E", "Derivative", "__class__", "x y",
                     "", "1x", "é", "None", "t_", "v_x", "y_", "rhs", "np", "numpy", "torch", "out", "values",
                     "int", "double", "c", "self", "Model", "u_x", "x_1"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True),
)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                    max_leaves=12)


def _rarely(draw) -> bool:
    """True about one time in ten (hypothesis favours the ends of ranges, so not ``integers(0, 9) == 0``)."""
    return draw(st.sampled_from([False] * 9 + [True]))


@st.composite
def documents(draw):
    kind = draw(st.sampled_from(["ode", "pde"])) if not _rarely(draw) else draw(st.sampled_from(["sde", 1, None]))
    pool = draw(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True), min_size=8, max_size=8,
                         unique=True).filter(lambda p: not {"t", "tau", "s"} & set(p)))
    pool = [draw(NAMES) if _rarely(draw) else name for name in pool]  # now and then a name that clashes
    states = pool[: draw(st.integers(1, 3))]
    coords = draw(st.lists(st.sampled_from(["x", "y", "r"]), min_size=1, max_size=2, unique=True)) \
        if kind == "pde" else []
    states = [s for s in states if s not in coords] or ["w"]
    independent = draw(st.sampled_from(["t", "tau", "s"])) if not _rarely(draw) else draw(JSON | NAMES)
    inputs = pool[3:5] if kind == "ode" and draw(st.booleans()) else []
    parameters = {name: draw(st.floats(-1e3, 1e3)) for name in pool[5: draw(st.integers(5, 7))]}
    if _rarely(draw):
        parameters = draw(st.dictionaries(NAMES, st.one_of(st.integers(-10**400, 10**400), st.text(max_size=3),
                                                            st.floats(allow_nan=False)), max_size=2))
    names = [*states, *inputs, *coords, *(parameters if isinstance(parameters, dict) else [])]
    if isinstance(independent, str):
        names.append(independent)
    field_args = ", ".join([*coords, str(independent)])
    if kind == "pde":  # fields are called with their arguments
        names = [n for n in names if n not in states]
        names += [f"{s}({field_args})" for s in states] + [f"Derivative({s}({field_args}), {c})"
                                                           for s in states for c in coords]
    atoms = names + ([f"{states[0]}({field_args})"] if _rarely(draw) else [])
    atom = st.sampled_from(atoms)
    number = st.floats(-1e3, 1e3).map(repr)
    function = st.sampled_from(["sin", "exp", "log", "sqrt", "Abs", "tanh", "Max", "erf", "atan2", "floor"])
    valid = st.one_of(st.lists(st.one_of(atom, number), min_size=1, max_size=4).map(" * ".join),
                      st.lists(atom, min_size=1, max_size=4).map(" - ".join),
                      st.tuples(function, atom, atom).map(lambda a: f"{a[0]}({a[1]}, {a[2]})" if a[0] in
                                                          ("Max", "atan2") else f"{a[0]}({a[1]}) * {a[2]}"),
                      st.tuples(number, atom, st.integers(-3, 5)).map(lambda a: f"{a[0]}*{a[1]}**{a[2]}"))

    def rhs():
        if _rarely(draw):
            return draw(st.one_of(EXPRESSION_TEXT, st.tuples(atom, GRAMMAR).map(lambda a: f"{a[0]} + {a[1]}")))
        return draw(st.lists(valid, min_size=1, max_size=3).map(" + ".join))

    equations = [{"state": s, "rhs": rhs()} for s in states]
    fmt = "model/1" if not _rarely(draw) else draw(st.sampled_from(["model/2", 1, None]))
    doc = {"sciml_format": fmt, "kind": kind,
           "independent": independent, "states": states, "inputs": inputs, "coordinates": coords,
           "parameters": parameters, "equations": equations,
           "info": draw(st.one_of(st.just({}), st.dictionaries(st.text(max_size=4), JSON, max_size=3)))}
    if _rarely(draw):  # break a part of it
        doc[draw(st.sampled_from(sorted(doc)))] = draw(JSON)
    if _rarely(draw):
        doc["extra"] = 1
    return json.dumps(doc)


@st.composite
def corrupted(draw):
    text = draw(documents()).encode()
    op = draw(st.sampled_from(["truncate", "flip", "nest", "bytes"]))
    if op == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if op == "flip":
        i = draw(st.integers(0, len(text) - 1))
        return text[:i] + bytes([text[i] ^ (1 << draw(st.integers(0, 7)))]) + text[i + 1:]
    if op == "nest":
        depth = draw(st.integers(50, 200_000))
        return text.replace(b'"info": {}', b'"info": {"a": ' + b"[" * depth + b"]" * depth + b"}", 1)
    return draw(st.binary(max_size=200))


FILES = st.tuples(st.one_of(documents().map(str.encode), corrupted()),
                  st.sampled_from(("python", "json", "latex", "torch")))
DIR = Path(tempfile.mkdtemp(prefix="sciml_fuzz_model_"))


def _case(record, case, path=DIR / "model.json"):
    data, fmt = case
    path.write_bytes(data)
    with record.case(data) as outcome:
        try:
            spec = read_model(path)
        except ModelFileError as exc:
            assert str(exc).startswith(str(path)), exc
            outcome("ModelFileError")
            return
        try:
            check_export(spec, fmt, export(spec, fmt))
        except InputError:
            outcome(f"export to {fmt} refused")


def _run(cases, run):
    record = Record("model-file reader")

    @fuzz_settings(cases)
    @given(FILES)
    def fuzz(case):
        _case(record, case)

    with memory_cap():
        fuzz()
    print(record.report(run))
    assert record.count >= cases


def test_fuzz_model_files():
    _run(DEFAULT_CASES, "default")


@pytest.mark.slow
def test_fuzz_model_files_slow():
    _run(SLOW_CASES, "slow")
