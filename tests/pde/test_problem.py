import numpy as np
import pytest
import sympy as sp

from sciml import pde
from sciml.errors import InputError, ProblemDefinitionError

x, y, t = sp.symbols("x y t")
u = sp.Function("u")(x, t)
v = sp.Function("v")(x, t)
box = pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1)


def burgers(**kw):
    nu = pde.Parameter("nu", value=0.01 / sp.pi)
    return pde.Problem(
        equations=[sp.Eq(u.diff(t) + u * u.diff(x), nu * u.diff(x, 2))],
        domain=pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
        conditions=[pde.Initial(u, -sp.sin(sp.pi * x)), pde.Dirichlet(u, 0, on="boundary")], **kw)


def test_the_issue_example_defines_a_problem():
    p = burgers()
    assert p.time == t and p.variables == (x, t) and p.fields == (u,)
    assert p.parameters["nu"].value == pytest.approx(0.01 / np.pi)
    X, N = p.sample_condition(p.conditions[1], 50, rng=0)
    assert np.all(np.abs(X[:, 0]) == 1) and np.all(N[:, 0] == X[:, 0])
    Xi, _ = p.sample_condition(p.conditions[0], 50, rng=0)
    assert np.all(Xi[:, 1] == 0)


def test_unknown_symbol_is_named():
    k = sp.Symbol("k")
    with pytest.raises(ProblemDefinitionError, match="symbol k"):
        pde.Problem([u.diff(t) - k * u.diff(x, 2)], box)


def test_condition_on_unknown_field_is_named():
    with pytest.raises(ProblemDefinitionError, match="v\\(x, t\\).*not a field"):
        pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Dirichlet(v, 0)])


def test_derivative_in_missing_variable_is_named():
    w = sp.Function("w")(x, y)
    with pytest.raises(ProblemDefinitionError, match="y"):
        pde.Problem([w.diff(y) - w], box)
    with pytest.raises(ProblemDefinitionError, match="differentiates in y"):
        pde.Problem([sp.Derivative(u, y) + u.diff(t)], box)


def test_selector_that_selects_nothing_is_named():
    with pytest.raises(ProblemDefinitionError, match="selects no point"):
        pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Dirichlet(u, 0, on=sp.Eq(x, 2))])
    with pytest.raises(ProblemDefinitionError, match="selects no point"):
        pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Dirichlet(u, 0, on=lambda x, t: x > 5)])


def test_zero_measure_domain_is_named():
    with pytest.raises(ProblemDefinitionError, match="zero measure"):
        pde.Problem([u.diff(t)], pde.Interval(x, 0, 0) * pde.Interval(t, 0, 1))


def test_selectors_relations_and_predicates():
    p = pde.Problem([u.diff(t) - u.diff(x, 2)], box,
                    [pde.Dirichlet(u, 0, on=sp.Eq(x, 1)), pde.Neumann(u, 0, on=x < 0),
                     pde.Robin(u, 1, 2, 0, on=lambda pts: pts[:, 0] > 0)], time=t)
    X, _ = p.sample_condition(p.conditions[0], 30, rng=0)
    assert np.all(X[:, 0] == 1)
    X, _ = p.sample_condition(p.conditions[1], 30, rng=0)
    assert np.all(X[:, 0] == -1)


def test_data_condition_checks_points():
    pts = {"x": np.zeros(3), "t": np.ones(3)}
    pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Data(u, pts, [1, 2, 3])])
    with pytest.raises(ProblemDefinitionError, match="3 points but 2 values"):
        pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Data(u, pts, [1, 2])])
    with pytest.raises(ProblemDefinitionError, match="outside the domain"):
        pde.Problem([u.diff(t) - u.diff(x, 2)], box, [pde.Data(u, np.array([[5.0, 0.5]]), [1])])


def test_parameters_and_conditions_validate_arguments():
    with pytest.raises(InputError, match="value"):
        pde.Parameter("nu")
    with pytest.raises(InputError, match="on"):
        pde.Dirichlet(u, 0, on="edges")
    with pytest.raises(InputError, match="target"):
        pde.Dirichlet(x, 0)
    with pytest.raises(InputError, match="weight"):
        pde.Initial(u, 0, weight=-1)


def test_callable_equation_needs_declared_fields():
    def eq(points, d):
        return d(u, t) - d(u, x, x)

    p = pde.Problem([eq], box, [pde.Initial(u, 0)], fields=[u])
    assert p.fields == (u,)
    with pytest.raises(ProblemDefinitionError, match="no field"):
        pde.Problem([eq], box)
