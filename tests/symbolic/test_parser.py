import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sciml.errors import InputError
from sciml.symbolic import parse_expression
from sciml.symbolic.modelfile import expression_text

x, y, t = sp.symbols("x y t")
u = sp.Function("u")(x, t)


@pytest.mark.parametrize("text,expected", [
    ("-10.0*x + 10.0*y", -10.0 * x + 10.0 * y),
    ("x^2 - x**-2", x**2 - x**-2),
    ("2^3^2", sp.Integer(512)),
    ("8/3*x", sp.Rational(8, 3) * x),
    ("sin(x)*exp(-y) + Abs(x) + Max(x, y) + atan2(y, x)", sp.sin(x) * sp.exp(-y) + sp.Abs(x) + sp.Max(x, y)
     + sp.atan2(y, x)),
    ("pi*E", sp.pi * sp.E),
    ("1.5e-3 * (x + y)", 1.5e-3 * (x + y)),
    ("Derivative(u(x, t), (x, 2)) - u(x, t)*Derivative(u(x, t), x)", u.diff(x, 2) - u * u.diff(x)),
    ("Derivative(u(x, t)**2, x, x)", sp.Derivative(u**2, (x, 2))),
])
def test_accepted_grammar(text, expected):
    assert parse_expression(text, [x, y], fields=[u]) == expected


@pytest.mark.parametrize("text,why", [
    ("__import__('os').system('touch pwned')", "character"),
    ("x.__class__", "character"),
    ("x[0]", "character"),
    ("lambda: 1", "character"),
    ("eval(x)", "whitelist"),
    ("sympify(x)", "whitelist"),
    ("z + 1", "undeclared"),
    ("10**10**10", "integer power"),
    ("9**999*9**999*9**999*9**999", "bits"),
    ("(" * 150 + "x" + ")" * 150, "nesting"),
    ("1" * 1300, "longer than"),
    ("1" * 1230 + ".0", "non-finite"),
    ("1e308 * 10 * x", "range of a double"),
    ("(1e200*x)**2", "range of a double"),
    ("u(t, x)", "declared as"),
    ("Derivative(x, x)", "without a declared field"),
    ("Derivative(u(x, t), y)", "coordinate"),
    ("Derivative(u(x, t), (x, 99))", "order"),
    ("x +", "unexpected end"),
    ("x y", "unexpected"),
    ("", "empty"),
])
def test_refused_text_names_the_problem(text, why):
    with pytest.raises(InputError, match=why):
        parse_expression(text, [x, y], fields=[u])


def test_declared_names_cannot_shadow_functions():
    with pytest.raises(InputError, match="symbols"):
        parse_expression("sin", [sp.Symbol("sin")])


coefficients = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).filter(lambda v: v != 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coefficients, st.sampled_from([x, y, x * y, x**2, sp.sin(x), y**3 / x, sp.Integer(1)])),
                min_size=1, max_size=5))
def test_printed_expressions_parse_back_exactly(terms):
    expr = sp.Add(*[sp.Float(c) * term for c, term in terms])
    assert parse_expression(expression_text(expr), [x, y]) == expr
