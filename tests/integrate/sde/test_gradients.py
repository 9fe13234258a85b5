"""Gradients: the stochastic adjoint against the pathwise exact GBM gradient, reversible Heun's adjoint against
backpropagation through the same solve."""

import pytest
import torch

from sciml import sdeint, sdeint_adjoint
from sciml.errors import InputError
from sciml.integrate.brownian import BrownianInterval

from .sde_problems import GBM, Neural


def flat_grads(y0, module):
    return torch.cat([y0.grad.reshape(-1)] + [torch.zeros(p.numel(), dtype=p.dtype) if p.grad is None
                                              else p.grad.reshape(-1) for p in module.parameters()])


def _gbm_gradient_errors(sde_type, method, dt, batch=64):
    sde = GBM(sde_type=sde_type)
    y0 = torch.ones(batch, 1, dtype=torch.float64)
    bm = BrownianInterval(0.0, 1.0, size=(batch, 1), dtype=torch.float64, entropy=4)
    sdeint_adjoint(sde, y0, [0.0, 1.0], bm=bm, method=method, dt=dt)[-1].sum().backward()
    got = torch.stack([sde.mu.grad, sde.sigma.grad])
    with torch.no_grad():
        W = bm(0.0, 1.0)
        X = sde.exact(y0, 1.0, W)
        exact = torch.stack([X.sum(), ((W - sde.sigma) * X).sum()])  # d/dμ and d/dσ of Σ X_1 on this path
    return float(((got - exact) / exact).abs().max())


@pytest.mark.parametrize("sde_type, method", [("ito", "milstein"), ("stratonovich", "midpoint")])
def test_adjoint_converges_to_the_pathwise_exact_gbm_gradient(sde_type, method):
    coarse = _gbm_gradient_errors(sde_type, method, 1e-2)
    fine = _gbm_gradient_errors(sde_type, method, 1e-3)
    assert fine < 1.5e-2
    assert coarse / fine > 5  # first order in dt


@pytest.mark.parametrize("noise_type", ["diagonal", "scalar", "general", "additive"])
def test_reversible_heun_adjoint_equals_backprop(noise_type):
    m = {"diagonal": 3, "scalar": 1}.get(noise_type, 2)
    sde = Neural(d=3, m=m, noise_type=noise_type)
    y0 = torch.full((5, 3), 0.2, dtype=torch.float64, requires_grad=True)
    ts = torch.linspace(0.0, 1.0, 5, dtype=torch.float64)
    bm = BrownianInterval(0.0, 1.0, size=(5, m), dtype=torch.float64, entropy=7)
    weights = torch.randn(5, 5, 3, dtype=torch.float64)

    def grads(fn, **kw):
        sde.zero_grad()
        y0.grad = None
        (fn(sde, y0, ts, bm=bm, method="reversible_heun", dt=0.05, **kw) * weights).sum().backward()
        return flat_grads(y0, sde)

    direct = grads(sdeint)
    reversible = grads(sdeint_adjoint, adjoint_method="adjoint_reversible_heun")
    assert float((direct - reversible).abs().max()) < 1e-10 * float(direct.abs().max())


def test_reversible_adjoint_of_an_adaptive_solve_retraces_its_steps():
    sde = Neural(d=2, m=2, noise_type="diagonal")
    y0 = torch.full((4, 2), 0.3, dtype=torch.float64, requires_grad=True)
    bm = BrownianInterval(0.0, 1.0, size=(4, 2), dtype=torch.float64, entropy=8)
    out = []
    for fn in (sdeint, sdeint_adjoint):
        y0.grad = None
        kw = {"adjoint_method": "adjoint_reversible_heun"} if fn is sdeint_adjoint else {}
        fn(sde, y0, [0.0, 0.5, 1.0], bm=bm, method="reversible_heun", dt=0.1, adaptive=True, rtol=1e-3,
           atol=1e-3, **kw).sum().backward()
        out.append(y0.grad.clone())
    assert torch.allclose(out[0], out[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("noise_type, sde_type, method", [
    ("general", "stratonovich", "midpoint"), ("scalar", "ito", "euler"), ("diagonal", "ito", "milstein"),
    ("scalar", "ito", "milstein"), ("additive", "ito", "euler")])
def test_continuous_adjoint_matches_backprop(noise_type, sde_type, method):
    m = {"diagonal": 2, "scalar": 1}.get(noise_type, 2)
    sde = Neural(d=2, m=m, noise_type=noise_type, sde_type=sde_type, seed=3)
    y0 = torch.full((8, 2), 0.1, dtype=torch.float64, requires_grad=True)
    bm = BrownianInterval(0.0, 1.0, size=(8, m), dtype=torch.float64, entropy=9)
    out = []
    for fn in (sdeint, sdeint_adjoint):
        sde.zero_grad()
        y0.grad = None
        kw = {"adjoint_method": method} if fn is sdeint_adjoint else {}
        fn(sde, y0, [0.0, 0.5, 1.0], bm=bm, method=method, dt=4e-3, **kw).pow(2).sum().backward()
        out.append(flat_grads(y0, sde))
    # the two agree up to the discretisation error, first order in dt (≈ 2.5e-3 relative here)
    assert float((out[0] - out[1]).abs().max()) < 5e-3 * float(out[0].abs().max())


def test_adjoint_with_logqp_and_explicit_params():
    class Prior(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(0.7, dtype=torch.float64))

        def f(self, t, y):
            return -self.a * y

        def g(self, t, y):
            return torch.full_like(y, 0.5)

        def h(self, t, y):
            return -y

    sde = Prior()
    y0 = torch.ones(6, 2, dtype=torch.float64)
    ys, log_ratio = sdeint_adjoint(sde, y0, [0.0, 0.5, 1.0], method="euler", dt=0.01, logqp=True,
                                   adjoint_params=(sde.a,))
    assert ys.shape == (3, 6, 2) and log_ratio.shape == (2, 6)
    log_ratio.sum().backward()
    assert sde.a.grad is not None and torch.isfinite(sde.a.grad)


def test_adjoint_needs_a_module_or_params():
    class Plain:
        noise_type, sde_type = "diagonal", "ito"

        def f(self, t, y):
            return -y

        def g(self, t, y):
            return y

    with pytest.raises(InputError) as err:
        sdeint_adjoint(Plain(), torch.ones(2, 1), [0.0, 1.0])
    assert err.value.argument == "sde"
    with pytest.raises(InputError) as err:
        sdeint_adjoint(GBM(), torch.ones(2, 1, dtype=torch.float64), [0.0, 1.0], method="srk",
                       adjoint_method="srk")
    assert err.value.argument == "adjoint_method"


@pytest.mark.parametrize("method", ["midpoint", "reversible_heun"])
def test_second_derivatives_through_the_adjoint_are_refused_not_wrong(method):
    sde = GBM(sde_type="stratonovich")
    y0 = torch.ones(2, 1, dtype=torch.float64, requires_grad=True)
    bm = BrownianInterval(0.0, 0.5, size=(2, 1), dtype=torch.float64, entropy=1)
    ys = sdeint_adjoint(sde, y0, [0.0, 0.5], bm=bm, method=method, dt=0.1)
    (first,) = torch.autograd.grad(ys[-1].sum(), y0, create_graph=True)  # first derivatives: fine
    (plain,) = torch.autograd.grad(sdeint_adjoint(sde, y0, [0.0, 0.5], bm=bm, method=method, dt=0.1)[-1].sum(), y0)
    assert torch.equal(first.detach(), plain)
    with pytest.raises(InputError) as err:
        first.sum().backward()
    assert err.value.argument == "create_graph"
