import numpy as np
import pytest
import sympy as sp
import torch

from sciml.errors import InputError
from sciml.symbolic import compile_numpy, compile_torch

x, y, z = sp.symbols("x y z")

EXPRESSIONS = [
    x**2 + 3 * x * y - y / 2,
    sp.sin(x) * sp.exp(-y) + sp.cos(x * y) ** 3,
    sp.sqrt(x**2 + 1) - 1 / (1 + y**2),
    sp.tanh(x) + sp.log(1 + y**2) + sp.Abs(x - y),
    sp.Rational(1, 3) * x**-2 + sp.pi * y,
    2**x + x**y.subs(y, 2.5),
    sp.Max(x, y, 0) + sp.Min(x, 1),
    sp.Piecewise((x**2, x < 0), (y, True)),
    sp.atan2(y, x) + sp.erf(x),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
def test_torch_and_numpy_match_sympy(expr):
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(0.2, 2, 50), rng.uniform(-1.5, 1.5, 50)
    ref = sp.lambdify((x, y), expr, modules="mpmath")
    expected = np.array([float(ref(a, b)) for a, b in zip(xs, ys)])
    out_t = compile_torch(expr, [x, y])(torch.tensor(xs), torch.tensor(ys))
    out_n = compile_numpy(expr, [x, y])(xs, ys)
    assert out_t.dtype == torch.float64
    np.testing.assert_allclose(out_t.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out_n, expected, rtol=1e-12, atol=1e-12)


def test_follows_input_dtype_and_gradients_flow():
    f = compile_torch(sp.sin(x) * y**2, [x, y])
    a = torch.tensor([0.3, 0.7], dtype=torch.float32, requires_grad=True)
    b = torch.tensor([1.0, 2.0], dtype=torch.float32)
    out = f(a, b)
    assert out.dtype == torch.float32
    out.sum().backward()
    torch.testing.assert_close(a.grad, torch.cos(a.detach()) * b**2)


def test_constants_broadcast_to_input_shape():
    f = compile_torch([sp.Integer(2), x * 0 + 1, y], [x, y])
    a = torch.zeros(4, 3)
    two, one, yy = f(a, 5.0)
    assert two.shape == (4, 3) and torch.all(two == 2)
    assert one.shape == (4, 3)
    assert yy.shape == (4, 3) and torch.all(yy == 5)


def test_common_subexpressions_are_shared():
    e = sp.sin(x + y) ** 2
    f = compile_torch([e, sp.cos(e)], [x, y])
    assert len(f._program) >= 1
    a, b = torch.tensor([0.1]), torch.tensor([0.2])
    r1, r2 = f(a, b)
    torch.testing.assert_close(r2, torch.cos(r1))


def test_equation_compiles_to_residual():
    f = compile_torch(sp.Eq(x, y**2), [x, y])
    assert float(f(torch.tensor(4.0), torch.tensor(2.0))) == 0.0


def test_unknown_symbol_is_named():
    with pytest.raises(InputError, match="unknown symbol.*z"):
        compile_torch(x + z, [x, y])


def test_unsupported_function_is_refused():
    with pytest.raises(InputError, match="besselj"):
        compile_torch(sp.besselj(0, x), [x])


def test_derivative_is_refused_with_advice():
    u = sp.Function("u")(x)
    with pytest.raises(InputError, match="Derivative"):
        compile_torch(u.diff(x) + x, [x])


def test_wrong_number_of_arguments():
    f = compile_torch(x + y, [x, y])
    with pytest.raises(InputError, match="2 values"):
        f(torch.zeros(2))
