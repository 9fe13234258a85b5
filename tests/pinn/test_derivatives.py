import numpy as np
import pytest
import sympy as sp
import torch

from sciml import pde
from sciml.pinn.derivatives import NetworkDerivatives
from sciml.pinn.networks import MLP, FourierMLP, ModifiedMLP

from .pinn_exact import ExactNet

x, t = sp.symbols("x t")
u = sp.Function("u")(x, t)
w = sp.Function("w")(x, t)
REQUEST = [(0, (1, 0)), (0, (0, 1)), (0, (2, 0)), (0, (1, 1)), (0, (3, 0)), (1, (0, 2)), (1, (2, 1))]


def test_derivatives_match_sympy_on_random_points():
    exprs = {u: sp.sin(2 * x) * sp.exp(-t) + x**3 * t, w: sp.tanh(x * t) + sp.cos(3 * t) * x**2}
    problem = pde.Problem([u.diff(t) - w], pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1), fields=[u, w])
    net = ExactNet(problem, exprs).double()
    X = torch.tensor(np.random.default_rng(0).uniform(-1, 1, (50, 2)))
    out = NetworkDerivatives(net, 2, REQUEST, engine="autograd")(X)
    for (k, alpha) in REQUEST:
        f = list(exprs.values())[k]
        d = sp.diff(f, *[a for v, n in zip((x, t), alpha) for a in (v, n) if n])
        ref = sp.lambdify((x, t), d, "numpy")(X[:, 0].numpy(), X[:, 1].numpy())
        np.testing.assert_allclose(out[(k, alpha)].detach().numpy(), ref * np.ones(50), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls", [MLP, FourierMLP, ModifiedMLP])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_jet_engine_matches_autograd(cls, dtype):
    torch.manual_seed(0)
    net = cls(2, 2, hidden=(16, 16)).to(dtype).set_bounds(torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 2.0]))
    X = torch.rand(40, 2, dtype=dtype) * torch.tensor([2.0, 2.0], dtype=dtype) - torch.tensor([1.0, 0.0], dtype=dtype)
    jet = NetworkDerivatives(net, 2, REQUEST, engine="jet")(X.clone())
    ag = NetworkDerivatives(net, 2, REQUEST, engine="autograd")(X.clone())
    tol = 1e-10 if dtype == torch.float64 else 2e-4
    for key in REQUEST:
        assert jet[key].dtype == dtype
        scale = float(ag[key].abs().max()) + 1e-3
        assert float((jet[key] - ag[key]).abs().max()) / scale < tol, key
