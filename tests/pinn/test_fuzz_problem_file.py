"""Fuzzing the problem-file loader (``sciml solve FILE.py``): any file gives a ProblemFile or a sciml error.

A problem file is Python the user chose to run, so the cases are programs
assembled from pieces — a valid problem or anything else in ``problem``,
``solve_options``, ``reference`` and ``true_parameters`` of every type,
statements that raise (``sys.exit`` included), syntax errors, bytes that are
not UTF-8 — rather than arbitrary code (which could loop forever by design).
"""

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sciml.errors import InputError, ProblemDefinitionError
from sciml.pinn.problem_file import ProblemFile, load_problem_file
from tests.fuzzing import DEFAULT_CASES, SLOW_CASES, Record, fuzz_settings, memory_cap

HEADER = "import sys\nimport sympy as sp\nfrom sciml import pde\nx, t = sp.symbols('x t')\nu = sp.Function('u')(x, t)\n"
PROBLEMS = [
    "problem = pde.Problem(equations=[sp.Eq(u.diff(t), 0.1 * u.diff(x, 2))],\n"
    "    domain=pde.Interval(x, 0, 1) * pde.Interval(t, 0, 1),\n"
    "    conditions=[pde.Initial(u, sp.sin(sp.pi * x)), pde.Dirichlet(u, 0, on='boundary')])\n",
    "problem = pde.Problem(equations=[sp.Eq(u.diff(t), u)], domain=pde.Interval(x, 0, 1), conditions=[])\n",
    "problem = pde.Problem(equations=[], domain=pde.Interval(x, 1, 0), conditions=[])\n",
    "problem = pde.Problem(equations=[sp.Eq(u.diff(t), 0)], domain=pde.Interval(x, 0, 1) * pde.Interval(t, 0, 1),"
    " conditions=[pde.Dirichlet(u, 0, on='nowhere')])\n",
    "problem = None\n", "problem = 1\n", "problem = 'heat'\n", "", "problem = pde\n", "problem = [pde.Problem]\n",
]
SOURCES = st.one_of(st.none(), st.booleans(), st.integers(-10**400, 10**400), st.floats(),
                    st.text(max_size=6)).map(repr)
VALUES = st.one_of(SOURCES, st.sampled_from(["{}", "[]", "()", "lambda x, t: x", "print", "sys", "object()", "{1: 2}",
                                    "{'iterations': 10}", "{'iterations': -1}", "{'nonsense': 1}",
                                    "{'network': 'MLP', 'lbfgs': 5}", "{'a': 1.0}", "{'a': 'x'}", "{'a': 10**400}",
                                    "('points', 'values')", "'data/missing.h5'", "{'iterations': 'many'}"]))
STATEMENTS = st.sampled_from([
    "", "raise ValueError('bad')", "raise SystemExit(3)", "sys.exit()", "exit()", "raise RecursionError",
    "def f(): return f()\nf()", "1 / 0", "import no_such_module", "raise GeneratorExit", "x = (", "  indented",
    "raise __import__('sciml').errors.SolverError('from the file')",
    "raise __import__('sciml').errors.ProblemDefinitionError('from the file')",
    "del sp", "u = 3", "problem = problem if 'problem' in dir() else None", "\x00", "assert False",
])


GOOD = {"solve_options": ["{'iterations': 10}", "{'network': 'MLP', 'lbfgs': 5, 'points': 100}", "{}", "None"],
        "reference": ["lambda x, t: x", "'data/missing.h5'", "None"],
        "true_parameters": ["{'a': 1.0}", "{}", "{'a': 2}"]}


def _rarely(draw) -> bool:
    return draw(st.sampled_from([False] * 3 + [True]))


@st.composite
def problem_files(draw):
    if draw(st.sampled_from([False] * 9 + [True])):
        return draw(st.binary(max_size=200))
    parts = [HEADER, PROBLEMS[0] if not _rarely(draw) else draw(st.sampled_from(PROBLEMS))]
    for name, good in GOOD.items():
        if draw(st.booleans()):
            parts.append(f"{name} = {draw(VALUES) if _rarely(draw) else draw(st.sampled_from(good))}\n")
    while _rarely(draw):
        parts.insert(draw(st.integers(1, len(parts))), draw(STATEMENTS) + "\n")
    return "".join(parts).encode()


DIR = Path(tempfile.mkdtemp(prefix="sciml_fuzz_problem_"))


def _case(record, data, path=DIR / "problem.py"):
    path.write_bytes(data)
    with record.case(data) as outcome:
        try:
            pf = load_problem_file(path)
        except (ProblemDefinitionError, InputError) as exc:
            assert str(path) in str(exc), exc
            outcome(type(exc).__name__)
            return
        assert isinstance(pf, ProblemFile)
        assert isinstance(pf.solve_options, dict) and isinstance(pf.true_parameters, dict)


def _run(cases, run):
    record = Record("problem-file loader")

    @fuzz_settings(cases)
    @given(problem_files())
    def fuzz(data):
        _case(record, data)

    with memory_cap():
        fuzz()
    print(record.report(run))
    assert record.count >= cases


def test_fuzz_problem_files():
    _run(DEFAULT_CASES, "default")


@pytest.mark.slow
def test_fuzz_problem_files_slow():
    _run(SLOW_CASES, "slow")
