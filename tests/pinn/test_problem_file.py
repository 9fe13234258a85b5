"""The problem-file loader: whatever a file does or defines ends as a ProblemDefinitionError naming it."""

import pytest

from sciml.cli import main
from sciml.errors import ProblemDefinitionError
from sciml.pinn.problem_file import load_problem_file

HEAT = """
import sympy as sp
from sciml import pde
x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
problem = pde.Problem(equations=[sp.Eq(u.diff(t), 0.1 * u.diff(x, 2))],
                      domain=pde.Interval(x, 0, 1) * pde.Interval(t, 0, 1),
                      conditions=[pde.Initial(u, sp.sin(sp.pi * x)), pde.Dirichlet(u, 0, on="boundary")])
"""


@pytest.mark.parametrize("extra,message", [
    ("import sys\nsys.exit(3)", "SystemExit"),
    ("raise KeyError('k')", "KeyError"),
    ("def f():\n    return f()\nf()", "RecursionError"),
    ("true_parameters = 5", "true_parameters"),
    ("true_parameters = {'a': 'x'}", "true_parameters"),
    ("true_parameters = {'a': 10**400}", "true_parameters"),
    ("solve_options = {'iteration': 10}", "unknown options \\['iteration'\\]"),
    ("solve_options = {1: 2}", "solve_options"),
    ("solve_options = [('iterations', 3)]", "solve_options"),
    ("reference = 3.5", "reference"),
    ("problem = 'heat'", "problem"),
    ("x = (", "SyntaxError"),
    ("raise __import__('sciml').errors.ProblemDefinitionError('from the file')", "from the file"),
])
def test_a_bad_problem_file_names_itself(tmp_path, extra, message):
    path = tmp_path / "problem.py"
    path.write_text(HEAT + extra + "\n")
    with pytest.raises(ProblemDefinitionError, match=message) as info:
        load_problem_file(path)
    assert str(path) in str(info.value)


def test_a_good_problem_file_loads(tmp_path):
    path = tmp_path / "problem.py"
    path.write_text(HEAT + "solve_options = {'iterations': 10, 'lbfgs': 0}\ntrue_parameters = {'a': 0.1}\n")
    pf = load_problem_file(path)
    assert pf.solve_options == {"iterations": 10, "lbfgs": 0} and pf.true_parameters == {"a": 0.1}


def test_sciml_solve_reports_an_unknown_option_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "problem.py"
    path.write_text(HEAT + "solve_options = {'iteration': 10}\n")
    assert main(["solve", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "iteration" in err and str(path) in err and "Traceback" not in err
