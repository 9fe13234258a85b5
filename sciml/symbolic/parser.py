"""A restricted expression parser for text read from files or the command line.

``sympify`` and ``parse_expr`` evaluate Python, so a crafted model file could
run code through them. This parser accepts only a small grammar and builds the
sympy expression itself:

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('+' | '-') unary | power
    power  := atom (('**' | '^') unary)?
    atom   := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'

Names are the declared symbols, the constants ``pi``, ``E`` and ``I`` (complex
coefficients of models of complex fields), the
functions of :data:`sciml.symbolic.compile.SUPPORTED_FUNCTIONS`, declared
fields called with exactly their declared arguments (``u(x, t)``), and
``Derivative(expr, x, (x, 2), …)`` in declared coordinates. Anything else —
attribute access, indexing, strings, keywords, unknown names — is refused
with an error naming the position. Text length, nesting depth, number
length and integer powers are bounded so that a file cannot make sympy hang.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import sympy as sp

from sciml.errors import InputError
from sciml.symbolic.compile import SUPPORTED_FUNCTIONS

__all__ = ["parse_expression", "ExpressionReader", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 200_000
MAX_DEPTH = 100
MAX_NUMBER_LENGTH = 1240  # digits of a 4096-bit integer (MAX_RATIONAL_BITS)
MAX_INTEGER_POWER = 1000
MAX_DERIVATIVE_ORDER = 12
MAX_RATIONAL_BITS = 4096

_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(r"(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>\*\*|[-+*/^(),]))")
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "I": sp.I}
_FUNCTIONS = {name: getattr(sp, name) for name in SUPPORTED_FUNCTIONS}


class _Parser:
    def __init__(self, text, symbols, fields, coords, argument):
        self.text, self.argument = text, argument
        self.symbols, self.fields, self.coords = symbols, fields, coords
        self.tokens = self._tokenize(text)
        self.pos = 0
        self.depth = 0

    def fail(self, message, at=None):
        where = self.tokens[self.pos][2] if at is None and self.pos < len(self.tokens) else (
            at if at is not None else len(self.text))
        raise InputError(self.argument, "an expression of numbers, declared names, + - * / ^ and "
                         "whitelisted functions", f"{message} at character {where} of {self.text[:80]!r}")

    def _tokenize(self, text):
        tokens, i, n = [], 0, len(text)
        while True:
            i = _SPACE.match(text, i).end()
            if i >= n:
                return tokens
            m = _TOKEN.match(text, i)
            if m is None:
                raise InputError(self.argument, "an expression of numbers, declared names, + - * / ^ and "
                                 "whitelisted functions", f"the character {text[i]!r} at position {i} of {text[:80]!r}")
            kind = m.lastgroup
            tokens.append((kind, m.group(kind), m.start(kind)))
            i = m.end()

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None, len(self.text))

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            self.fail(f"expected {value!r}" if value else "unexpected end")
        self.pos += 1
        return tok

    def parse(self):
        if not self.tokens:
            self.fail("an empty expression", 0)
        e = self.expr()
        if self.pos != len(self.tokens):
            self.fail(f"unexpected {self.peek()[1]!r}")
        return e

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH}")

    def bounded(self, e, at=None):
        """Refuse exact numbers so large that further arithmetic on them could hang, and floats beyond a double.

        sympy's floats have an unbounded exponent (``1e308*10`` is finite to sympy) and a file stores
        doubles, so a coefficient that overflows a double is refused here rather than becoming ``inf``.
        """
        if e.is_Rational and max(abs(e.p).bit_length(), abs(e.q).bit_length()) > MAX_RATIONAL_BITS:
            self.fail(f"an exact number of more than {MAX_RATIONAL_BITS} bits", at)
        for part in (e.args if e.is_Add else (e,)):
            c = part.as_coeff_Mul()[0] if part.is_Mul else part
            if c.is_Float and not math.isfinite(float(c)):
                self.fail("a number beyond the range of a double (about 1.8e308)", at)
        return e

    def expr(self):
        # terms are collected and added once: a left fold rebuilds the sum at every '+', which is
        # quadratic in the number of terms
        self.enter()
        terms = [self.term()]
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            r = self.term()
            terms.append(r if op == "+" else -r)
        self.depth -= 1
        return self.bounded(self.sum(terms)) if len(terms) > 1 else terms[0]

    def term(self):
        factors = [self.unary()]
        while self.peek()[1] in ("*", "/"):
            op, at = self.take()[1:]
            r = self.unary()
            if op == "/" and r == 0:
                self.fail("division by zero", at)
            factors.append(r if op == "*" else sp.Pow(r, -1))
        return self.bounded(self.product(factors)) if len(factors) > 1 else factors[0]

    def sum(self, terms):
        """``Add(*terms)`` once the sums of like terms' exact coefficients are known to stay bounded."""
        self.bounded_accumulation(terms, sp.Add, lambda r: r.as_coeff_Mul(), lambda a, b: a + b)
        return sp.Add(*terms)

    def product(self, factors):
        """``Mul(*factors)`` once the sums of each base's exact exponents are known to stay bounded."""
        self.bounded_accumulation(factors, sp.Mul, lambda r: r.as_base_exp()[::-1], lambda a, b: a + b)
        return sp.Mul(*factors)

    def bounded_accumulation(self, items, kind, split, combine):
        # sympy collects like terms (x/3 + x/5 + …) and powers of a base (x^(1/3) x^(1/5) …) with exact
        # arithmetic whose numbers can grow with every item; replaying the accumulation here with
        # the size check stops that before sympy starts
        totals = {}
        for item in items:
            for part in (item.args if isinstance(item, kind) else (item,)):
                number, key = split(part)
                if not number.is_Rational:
                    continue
                total = totals.get(key)
                totals[key] = number if total is None else self.bounded(combine(total, number))

    def unary(self):
        if self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            self.enter()
            e = self.unary()
            self.depth -= 1
            return -e if op == "-" else e
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[1] in ("**", "^"):
            at = self.take()[2]
            self.enter()
            exp = self.unary()
            self.depth -= 1
            if exp.is_Integer and abs(int(exp)) > MAX_INTEGER_POWER:
                self.fail(f"an integer power above {MAX_INTEGER_POWER}", at)
            if base.is_Rational and exp.is_number and not exp.is_Integer:
                self.fail("a non-integer power of an exact number (write it as a decimal)", at)
            return self.bounded(sp.Pow(base, exp), at)
        return base

    def atom(self):
        kind, value, at = self.peek()
        if kind == "number":
            self.take()
            if len(value) > MAX_NUMBER_LENGTH:
                self.fail(f"a number longer than {MAX_NUMBER_LENGTH} characters", at)
            if re.fullmatch(r"\d+", value):
                return sp.Integer(int(value))
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                self.fail("a non-finite number", at)
            return sp.Float(number)
        if kind == "name":
            self.take()
            if self.peek()[1] == "(":
                return self.call(value, at)
            if value in self.symbols:
                return self.symbols[value]
            if value in _CONSTANTS:
                return _CONSTANTS[value]
            self.fail(f"the undeclared name {value!r}", at)
        if value == "(":
            self.take("(")
            e = self.expr()
            self.take(")")
            return e
        self.fail(f"unexpected {value!r}" if value else "unexpected end")

    def args(self):
        self.take("(")
        out = [self.expr()]
        while self.peek()[1] == ",":
            self.take(",")
            out.append(self.expr())
        self.take(")")
        return out

    def call(self, name, at):
        if name == "Derivative":
            return self.derivative(at)
        if name in self.fields:
            applied = self.fields[name]
            args = self.args()
            if tuple(args) != tuple(applied.args):
                self.fail(f"{name} called with {args}, declared as {applied}", at)
            return applied
        if name not in _FUNCTIONS:
            self.fail(f"the function {name!r}, which is not on the whitelist", at)
        args = self.args()
        try:
            return _FUNCTIONS[name](*args, evaluate=False)
        except (TypeError, ValueError) as exc:
            self.fail(f"bad arguments to {name} ({exc})", at)

    def derivative(self, at):
        self.take("(")
        target = self.expr()
        if not any(isinstance(a, sp.Function) and str(a.func) in self.fields for a in target.atoms(sp.Function)):
            self.fail("Derivative of an expression without a declared field", at)
        specs = []
        while self.peek()[1] == ",":
            self.take(",")
            if self.peek()[1] == "(":
                self.take("(")
                var = self.coordinate()
                self.take(",")
                kind, value, where = self.take()
                if kind != "number" or not value.isdigit() or not 1 <= int(value) <= MAX_DERIVATIVE_ORDER:
                    self.fail(f"a derivative order between 1 and {MAX_DERIVATIVE_ORDER}", where)
                self.take(")")
                specs.append((var, int(value)))
            else:
                specs.append((self.coordinate(), 1))
        self.take(")")
        if not specs or sum(c for _, c in specs) > MAX_DERIVATIVE_ORDER:
            self.fail(f"between 1 and {MAX_DERIVATIVE_ORDER} derivative variables", at)
        return sp.Derivative(target, *specs)

    def coordinate(self):
        kind, value, at = self.take()
        if kind != "name" or value not in self.coords:
            self.fail(f"a declared coordinate ({', '.join(self.coords) or 'none'}), not {value!r}", at)
        return self.coords[value]


class ExpressionReader:
    """Reads many expressions over one set of declared names.

    Build it once per file: the name tables are checked and built here, so reading
    ``n`` equations costs time linear in their total length (a fresh table per
    equation made a model with ``n`` states quadratic). ``max_tokens`` caps the
    total work of all the expressions read through one reader.

    Parameters
    ----------
    symbols, fields :
        As for :func:`parse_expression`.
    max_tokens : int or None
        The most tokens all calls of :meth:`parse` may read together (None: no cap).
    """

    def __init__(self, symbols: Sequence[sp.Symbol] | Mapping[str, sp.Basic] = (),
                 fields: Sequence[sp.Expr] = (), max_tokens: int | None = None):
        table = dict(symbols) if isinstance(symbols, Mapping) else {str(s): s for s in symbols}
        field_table, coords = {}, {}
        for f in fields:
            if not isinstance(f, sp.Function) or not f.args:
                raise InputError("fields", "applied functions such as u(x, t)", repr(f))
            field_table[str(f.func)] = f
            for a in f.args:
                coords[str(a)] = a
                table.setdefault(str(a), a)
        for name in list(table) + list(field_table):
            if name in _FUNCTIONS or name in _CONSTANTS or name == "Derivative":
                raise InputError("symbols", "names that are not function or constant names", name)
        self.symbols, self.fields, self.coords = table, field_table, coords
        self.tokens_left = max_tokens

    def parse(self, text: str, argument: str = "expression") -> sp.Expr:
        """Parse ``text``; raises :class:`~sciml.errors.InputError` naming ``argument`` and the position."""
        if not isinstance(text, str):
            raise InputError(argument, "a string", type(text).__name__)
        if len(text) > MAX_LENGTH:
            raise InputError(argument, f"an expression of at most {MAX_LENGTH} characters", len(text))
        parser = _Parser(text, self.symbols, self.fields, self.coords, argument)
        if self.tokens_left is not None:
            self.tokens_left -= len(parser.tokens)
            if self.tokens_left < 0:
                raise InputError(argument, "expressions of fewer tokens in all (the reader's max_tokens)",
                                 "more", "split the model or simplify its equations")
        return parser.parse()


def parse_expression(text: str, symbols: Sequence[sp.Symbol] | Mapping[str, sp.Basic] = (),
                     fields: Sequence[sp.Expr] = (), argument: str = "expression") -> sp.Expr:
    """Parse ``text`` into a sympy expression without evaluating any code.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"-10.0*x + 10.0*y"`` or
        ``"-u(x, t)*Derivative(u(x, t), x) + 0.1*Derivative(u(x, t), (x, 2))"``.
    symbols : sequence of sympy Symbols, or mapping name -> sympy object
        The names the text may use.
    fields : sequence of applied functions such as ``u(x, t)``
        Fields that may appear as ``u(x, t)`` and in ``Derivative``; their
        arguments are the coordinates derivatives may be taken in.
    argument : str
        The name used in error messages.

    Raises :class:`~sciml.errors.InputError` naming ``argument`` and the position.
    To read many expressions over the same names, use one :class:`ExpressionReader`.
    """
    return ExpressionReader(symbols, fields).parse(text, argument)
