"""Fuzzing the restricted expression parser: any text gives an expression or an InputError, quickly.

Parsed expressions also go through the bounded expansion every consumer uses
(:func:`sciml.symbolic.size.split_terms`), so an expression that would expand
beyond reason must be caught there, not by exhausting memory.
"""

import pytest
import sympy as sp
from hypothesis import given

from sciml.errors import InputError
from sciml.symbolic import parse_expression
from sciml.symbolic.size import expanded_size, split_terms
from tests.fuzzing import DEFAULT_CASES, SLOW_CASES, Record, fuzz_settings, memory_cap
from tests.symbolic.strategies import EXPRESSION_TEXT

x, y, t = sp.symbols("x y t")
u = sp.Function("u")(x, t)


def _case(record, text):
    with record.case(text) as outcome:
        try:
            expr = parse_expression(text, [x, y], fields=[u], argument="rhs")
        except InputError as exc:
            assert str(exc).startswith("rhs: ")
            outcome("InputError")
            return
        assert isinstance(expr, sp.Expr)
        expanded_size(expr)
        split_terms(expr)


def _run(cases, run):
    record = Record("expression parser")

    @fuzz_settings(cases)
    @given(EXPRESSION_TEXT)
    def fuzz(text):
        _case(record, text)

    with memory_cap():
        fuzz()
    print(record.report(run))
    assert record.count >= cases


def test_fuzz_parser():
    _run(DEFAULT_CASES, "default")


@pytest.mark.slow
def test_fuzz_parser_slow():
    _run(SLOW_CASES, "slow")
