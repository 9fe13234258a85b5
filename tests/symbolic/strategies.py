"""hypothesis strategies for expression text: grammar-shaped, token soup, and mutations of both."""

from __future__ import annotations

from hypothesis import strategies as st

from sciml.symbolic.compile import SUPPORTED_FUNCTIONS

DECLARED = ["x", "y", "t"]
FUNCTIONS = sorted(SUPPORTED_FUNCTIONS)
NUMBERS = st.one_of(
    st.integers(0, 10**45).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e400", "1e-400", ".5", "5.", "0.0", "0", "1" * 40, "9" * 39, "2", "1000", "1001", "3.0"]),
)
LEAVES = st.one_of(NUMBERS, st.sampled_from([*DECLARED, "u(x, t)", "u(t, x)", "pi", "E", "z", "u", "nan", "inf"]))


def _compound(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", " + ", " - "]), children)
    exponent = st.one_of(children, st.integers(-2000, 2000).map(str), NUMBERS)
    call = st.tuples(st.sampled_from(FUNCTIONS + ["eval", "sympify", "Lambda", "Function"]),
                     st.lists(children, min_size=0, max_size=4))
    wrt = st.lists(st.sampled_from(["x", "t", "y", "(x, 2)", "(x, 13)", "(t, 3)", "(x, 0)", "(x, y)"]), max_size=3)
    repeat = st.tuples(children, st.integers(2, 300), st.sampled_from(["+", "*", "-", "/"]))
    return st.one_of(
        binary.map(lambda a: f"{a[0]}{a[1]}{a[2]}"),
        st.tuples(children, st.sampled_from(["**", "^"]), exponent).map(lambda a: f"({a[0]}){a[1]}{a[2]}"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        call.map(lambda a: f"{a[0]}({', '.join(a[1])})"),
        st.tuples(children, wrt).map(lambda a: f"Derivative({', '.join([a[0], *a[1]])})"),
        repeat.map(lambda a: a[2].join([f"({a[0]})"] * a[1])),
    )


GRAMMAR = st.recursive(LEAVES, _compound, max_leaves=30)

TOKENS = st.sampled_from([
    "x", "y", "t", "u(x, t)", "z", "sin", "Max", "Derivative", "(", ")", ",", "+", "-", "*", "/", "**", "^",
    "pi", "E", "0", "1", "2.5", "1e308", "999", "1000", ".", "__import__", "'", '"', "[", "]", "lambda", " ",
    "(x, 2)", "Derivative(u(x, t), x)", "\n", "\t", "é", "\x00", "#", ";", "=", ":", "{", "}", "@", "`",
])
SOUP = st.lists(TOKENS, max_size=40).map("".join)


@st.composite
def mutated(draw, base=GRAMMAR):
    text = draw(base)
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        ch = draw(st.one_of(st.characters(), TOKENS))
        if op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "insert":
            text = text[:i] + ch + text[i:]
        elif op == "replace":
            text = text[:i] + ch + text[i + 1:]
        else:
            text = text[:i] + text[i:] * 2
    return text


EXPRESSION_TEXT = st.one_of(GRAMMAR, SOUP, mutated(), st.text(max_size=60))
