"""The fused MLP jet (sciml.pinn.mlp_jet) against nested autograd, float64."""

import numpy as np
import pytest
import sympy as sp
import torch

from sciml import pde, pinn
from sciml.errors import InputError
from sciml.pinn.derivatives import NetworkDerivatives
from sciml.pinn.mlp_jet import fused_mlp_jet
from sciml.pinn.networks import MLP, FourierMLP

LOW, HIGH = torch.tensor([-1.0, 0.0, 0.5]), torch.tensor([1.0, 2.0, 3.0])


def _net(activation, outputs=2, hidden=(7, 5, 6), inputs=3, seed=0):
    torch.manual_seed(seed)
    return MLP(inputs, outputs, hidden=hidden, activation=activation).double().set_bounds(LOW[:inputs], HIGH[:inputs])


def _points(n=23, inputs=3, seed=1):
    g = torch.Generator().manual_seed(seed)
    low, high = LOW[:inputs].double(), HIGH[:inputs].double()
    return low + torch.rand(n, inputs, generator=g, dtype=torch.float64) * (high - low)


def _reference(net, X, first, pairs):
    """(channels, N, outputs) by nested autograd: value, d/dx_i for i in first, d2/dx_a dx_b for pairs."""
    X = X.clone().requires_grad_(True)
    Y = net(X)
    channels = [Y]
    grads = [torch.stack([torch.autograd.grad(Y[:, k].sum(), X, create_graph=True)[0] for k in range(Y.shape[1])], 2)]
    channels += [grads[0][:, i, :] for i in first]
    for a, b in pairs:
        i, j = first[a], first[b]
        channels.append(torch.stack([torch.autograd.grad(grads[0][:, i, k].sum(), X, create_graph=True)[0][:, j]
                                     for k in range(Y.shape[1])], 1))
    return torch.stack(channels)


CASES = [((0, 1), ((0, 0),)),  # Burgers: u_x, u_t, u_xx
         ((0, 1, 2), ((0, 0), (1, 1), (2, 2))),  # Laplacian
         ((0, 1, 2), ((0, 1), (1, 2), (0, 0))),  # mixed second derivatives
         ((2, 0), ((1, 0),)),  # a subset of the inputs, out of order
         ((1,), ())]  # first derivatives only


@pytest.mark.parametrize("activation", ["tanh", "sin"])
@pytest.mark.parametrize("first, pairs", CASES)
@pytest.mark.parametrize("outputs", [1, 2])
def test_values_and_weight_gradients_match_nested_autograd(activation, first, pairs, outputs):
    net, X = _net(activation, outputs), _points()
    W, b, _ = net.plain_layers()
    ours = fused_mlp_jet(X, W, b, activation, first, pairs, net.shift, net.scale)
    ref = _reference(net, X, first, pairs)  # (C, N, outputs)
    ref = ref.permute(0, 2, 1).reshape(-1, X.shape[0])  # channel-major, one row per (channel, output)
    assert len(ours) == ref.shape[0]
    for o, r in zip(ours, ref):
        assert o.dtype == torch.float64
        torch.testing.assert_close(o, r, rtol=1e-10, atol=1e-10)
    # a loss of all but one output (its gradient arrives as None), nonlinear in the others
    weights = torch.randn(ref.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)

    def loss(rows):
        return sum((w * r + r * r).sum() for n, (w, r) in enumerate(zip(weights, rows)) if n != 1)

    params = list(net.parameters())
    g_ours = torch.autograd.grad(loss(ours), params)
    g_ref = torch.autograd.grad(loss(ref), params)
    for a, r in zip(g_ours, g_ref):
        torch.testing.assert_close(a, r, rtol=1e-10, atol=1e-10)


def test_backward_twice_with_retained_graph_and_two_live_graphs():
    """Loss weighting takes several gradients of one graph; a new step may start before the old graph
    is freed. Neither may see another pass's scratch buffers."""
    net = _net("tanh", 1, hidden=(6, 6))
    W, b, _ = net.plain_layers()
    X1, X2 = _points(17, seed=3), _points(17, seed=4)
    params = list(net.parameters())
    out1 = fused_mlp_jet(X1, W, b, "tanh", (0, 1), ((0, 0),), net.shift, net.scale)
    out2 = fused_mlp_jet(X2, W, b, "tanh", (0, 1), ((0, 0),), net.shift, net.scale)
    l1 = sum((o * o).sum() for o in out1)
    first = torch.autograd.grad(l1, params, retain_graph=True)
    second = torch.autograd.grad(l1, params)
    g2 = torch.autograd.grad(sum((o * o).sum() for o in out2), params)
    for X, got in ((X1, first), (X1, second), (X2, g2)):
        ref = _reference(net, X, (0, 1), ((0, 0),))[:, :, 0]
        for a, r in zip(got, torch.autograd.grad(sum((o * o).sum() for o in ref), params)):
            torch.testing.assert_close(a, r, rtol=1e-10, atol=1e-10)


def test_float32_follows_the_input_dtype():
    torch.manual_seed(0)
    net = MLP(2, 1, hidden=(20, 20, 20))
    W, b, _ = net.plain_layers()
    X = torch.rand(50, 2)
    out = [o.detach() for o in fused_mlp_jet(X, W, b, "tanh", (0, 1), ((0, 0),))]
    ref = _reference(net.double(), X.double(), (0, 1), ((0, 0),))[:, :, 0].detach()
    for o, r in zip(out, ref):
        assert o.dtype == torch.float32
        assert float((o.double() - r).abs().max()) < 1e-4 * (1 + float(r.abs().max()))  # float32 rounding


def test_no_grad_evaluation():
    net, X = _net("sin", 1), _points()
    W, b, _ = net.plain_layers()
    with torch.no_grad():
        out = fused_mlp_jet(X, W, b, "sin", (0,), ((0, 0),), net.shift, net.scale)
    ref = _reference(net, X, (0,), ((0, 0),))[:, :, 0]
    for o, r in zip(out, ref):
        assert not o.requires_grad
        torch.testing.assert_close(o, r.detach(), rtol=1e-10, atol=1e-10)


def test_input_validation():
    net, X = _net("tanh"), _points()
    W, b, _ = net.plain_layers()
    with pytest.raises(InputError, match="activation"):
        fused_mlp_jet(X, W, b, "relu", (0,), ())
    with pytest.raises(InputError, match="X"):
        fused_mlp_jet(X.requires_grad_(True), W, b, "tanh", (0,), ())
    X = X.detach()
    with pytest.raises(InputError, match="first"):
        fused_mlp_jet(X, W, b, "tanh", (3,), ())
    with pytest.raises(InputError, match="first"):
        fused_mlp_jet(X, W, b, "tanh", (), ())
    with pytest.raises(InputError, match="pairs"):
        fused_mlp_jet(X, W, b, "tanh", (0,), ((0, 1),))
    with pytest.raises(InputError, match="weights"):
        fused_mlp_jet(X, W[:1], b[:1], "tanh", (0,), ())


REQUEST2 = [(0, (1, 0)), (0, (0, 1)), (0, (2, 0)), (0, (1, 1)), (1, (0, 2)), (1, (0, 0))]


def test_engine_matches_autograd_and_is_offered_only_where_it_applies():
    torch.manual_seed(0)
    net = MLP(2, 2, hidden=(9, 9)).double().set_bounds(torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 2.0]))
    X = _points(30, inputs=2)
    fused = NetworkDerivatives(net, 2, REQUEST2, engine="fused")
    assert fused.candidates == ["jet", "fused", "autograd"]
    ours, ref = fused(X), NetworkDerivatives(net, 2, REQUEST2, engine="autograd")(X)
    assert set(ours) == fused.request
    for key in ours:
        torch.testing.assert_close(ours[key], ref[key], rtol=1e-10, atol=1e-10)
    params = list(net.parameters())
    g1 = torch.autograd.grad(sum((ours[key] ** 2).sum() for key in REQUEST2), params)
    g2 = torch.autograd.grad(sum((ref[key] ** 2).sum() for key in REQUEST2), params)
    for a, r in zip(g1, g2):
        torch.testing.assert_close(a, r, rtol=1e-10, atol=1e-10)
    # points that need their own gradient (callables, higher orders) go through the generic jet
    Xg = X.clone().requires_grad_(True)
    for key, v in fused(Xg).items():
        torch.testing.assert_close(v, ref[key], rtol=1e-10, atol=1e-10)
        assert v.grad_fn is not None and "Fused" not in type(v.grad_fn).__name__
    # third derivatives, Fourier features or silu: not offered
    assert "fused" not in NetworkDerivatives(net, 2, REQUEST2 + [(0, (3, 0))]).candidates
    four = FourierMLP(2, 1, hidden=(8,), features=4)
    assert "fused" not in NetworkDerivatives(four, 2, [(0, (1, 0))]).candidates
    silu = MLP(2, 1, hidden=(8,), activation="silu")
    assert "fused" not in NetworkDerivatives(silu, 2, [(0, (1, 0))]).candidates
    with pytest.raises(InputError, match="fused"):
        NetworkDerivatives(four, 2, [(0, (1, 0))], engine="fused")


def test_solve_with_the_fused_engine_follows_the_autograd_engine():
    x, t = sp.symbols("x t")
    u = sp.Function("u")(x, t)
    problem = pde.Problem([sp.Eq(u.diff(t) + u * u.diff(x), 0.01 / sp.pi * u.diff(x, 2))],
                          pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
                          [pde.Initial(u, -sp.sin(sp.pi * x)), pde.Dirichlet(u, 0)])
    runs = {engine: pinn.solve(problem, network={"hidden": [10, 10]}, points=40, iterations=20, progress=False,
                               derivatives=engine, log_every=5, seed=3) for engine in ("fused", "autograd")}
    assert runs["fused"].info["engine"] == "fused"
    np.testing.assert_allclose(runs["fused"].history["loss"], runs["autograd"].history["loss"], rtol=1e-9)
    auto = pinn.solve(problem, network={"hidden": [10, 10]}, points=40, iterations=2, progress=False)
    assert auto.info["engine"] in ("jet", "fused", "autograd")


def test_scratch_pool_stays_below_its_limit(monkeypatch):
    from sciml.pinn import mlp_jet

    monkeypatch.setattr(mlp_jet, "_POOL_LIMIT", 20_000)
    net = _net("tanh", 1)
    W, b, _ = net.plain_layers()
    for n in (40, 50, 60):  # new shapes push out the older ones
        X = _points(n)
        out = fused_mlp_jet(X, W, b, "tanh", (0,), ((0, 0),), net.shift, net.scale)
        sum(o.sum() for o in out).backward()
        del out
        assert 0 <= mlp_jet._POOL_BYTES[0] <= 20_000
        assert mlp_jet._POOL_BYTES[0] == sum(t.numel() * t.element_size() for v in mlp_jet._POOL.values() for t in v)
