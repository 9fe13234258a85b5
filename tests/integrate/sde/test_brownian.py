"""Brownian objects: consistency of bridges, the laws of increments and Lévy areas, determinism, grids."""

import math

import pytest
import torch
from scipy.stats import kstest

from sciml.errors import InputError
from sciml.integrate.brownian import BrownianInterval, BrownianPath, BrownianTree, ReverseBrownian
from sciml.integrate.brownian.memory import BridgeMemory
from sciml.integrate.brownian.virtual import BatchBrownianTree

N = 20000


def ks(sample, std):
    return kstest((sample / std).reshape(-1).numpy(), "norm").pvalue


@pytest.mark.parametrize("levy", ["none", "space-time", "davie", "foster"])
def test_consistency_and_conditional_law(levy):
    bm = BrownianInterval(0.0, 1.0, size=(N,), dtype=torch.float64, entropy=1, levy_area_approximation=levy)
    ta, tm, tb = 0.1, 0.45, 0.8
    if levy == "none":
        W, W1, W2 = bm(ta, tb), bm(ta, tm), bm(tm, tb)
    else:
        (W, U), (W1, U1), (W2, U2) = (bm(a, b, return_U=True) for a, b in ((ta, tb), (ta, tm), (tm, tb)))
        assert torch.allclose(U1 + U2 + (tb - tm) * W1, U, atol=1e-12)  # U is additive up to the drift term
        H = U / (tb - ta) - 0.5 * W
        assert ks(H, math.sqrt((tb - ta) / 12)) > 1e-4
    assert torch.allclose(W1 + W2, W, atol=1e-12)
    h, h1, h2 = tb - ta, tm - ta, tb - tm
    assert ks(W, math.sqrt(h)) > 1e-4
    assert ks(W1 - W * h1 / h, math.sqrt(h1 * h2 / h)) > 1e-4  # the Brownian bridge


def test_grid_increments_are_exact_brownian_increments_and_agree_with_queries():
    bm = BrownianInterval(0.0, 1.0, size=(N, 2), dtype=torch.float64, entropy=3,
                          levy_area_approximation="space-time")
    grid = [0.0, 0.1, 0.35, 0.5, 0.9, 1.0]
    W, U, _ = bm.increments(grid, return_U=True)
    assert W.shape == (5, N, 2) and U.shape == (5, N, 2)
    for k, (a, b) in enumerate(zip(grid[:-1], grid[1:])):
        assert ks(W[k], math.sqrt(b - a)) > 1e-4
        Wq, Uq = bm(a, b, return_U=True)
        assert torch.equal(Wq, W[k]) and torch.equal(Uq, U[k])
    assert torch.allclose(W.sum(0), bm(0.0, 1.0), atol=1e-12)
    # increments of different cells are independent
    corr = torch.corrcoef(torch.stack([W[0, :, 0], W[1, :, 0]]))[0, 1]
    assert abs(float(corr)) < 4 / math.sqrt(N)


@pytest.mark.parametrize("cache_size", [None, 0, 3])
def test_same_query_same_answer_after_eviction(cache_size):
    bm = BrownianInterval(0.0, 1.0, size=(3, 2), dtype=torch.float64, entropy=3, cache_size=cache_size,
                          levy_area_approximation="foster")
    g = torch.Generator().manual_seed(0)
    points = torch.rand(60, 2, generator=g, dtype=torch.float64).sort(1).values.tolist()
    first = [bm(a, b, return_U=True, return_A=True) for a, b in points]
    again = [bm(a, b, return_U=True, return_A=True) for a, b in points]
    for x, y in zip(first, again):
        assert all(torch.equal(u, v) for u, v in zip(x, y))


def test_entropy_fixes_the_path_and_halfway_tree_ignores_query_order():
    pts = [(0.1, 0.7), (0.3, 0.35), (0.05, 0.95), (0.6, 0.61)]
    a = BrownianInterval(0.0, 1.0, size=(4,), dtype=torch.float64, entropy=9)
    b = BrownianInterval(0.0, 1.0, size=(4,), dtype=torch.float64, entropy=9)
    assert all(torch.equal(a(*p), b(*p)) for p in pts)
    c = BrownianInterval(0.0, 1.0, size=(4,), dtype=torch.float64, entropy=9, halfway_tree=True, tol=1e-6)
    d = BrownianInterval(0.0, 1.0, size=(4,), dtype=torch.float64, entropy=9, halfway_tree=True, tol=1e-6)
    forward = [c(*p) for p in pts]
    backward = [d(*p) for p in reversed(pts)][::-1]
    assert all(torch.equal(x, y) for x, y in zip(forward, backward))


def test_levy_area_shapes_and_antisymmetry():
    bm = BrownianInterval(0.0, 1.0, size=(5, 3), dtype=torch.float64, levy_area_approximation="davie")
    W, A = bm(0.2, 0.6, return_A=True)
    assert A.shape == (5, 3, 3) and torch.allclose(A, -A.transpose(-1, -2))
    scalar = BrownianInterval(0.0, 1.0, size=(5,), dtype=torch.float64, levy_area_approximation="foster")
    assert torch.equal(scalar(0.2, 0.6, return_A=True)[1], torch.zeros(5, dtype=torch.float64))


def test_path_tree_and_reverse():
    w0 = torch.zeros(N, dtype=torch.float64)
    path = BrownianPath(0.0, w0)
    assert ks(path(0.6), math.sqrt(0.6)) > 1e-4
    assert torch.equal(path(0.6), path(0.6))
    tree = BrownianTree(0.0, w0, t1=1.0, w1=torch.ones(N, dtype=torch.float64), entropy=4)
    assert ks(tree(0.25) - 0.25, math.sqrt(0.25 * 0.75)) > 1e-4
    bm = BrownianInterval(0.0, 1.0, size=(3,), dtype=torch.float64, entropy=5)
    rev = ReverseBrownian(bm)
    assert torch.equal(rev(-0.7, -0.2), bm(0.2, 0.7))
    W, _, _ = rev.increments([-1.0, -0.5, 0.0])
    assert torch.allclose(W.sum(0), bm(0.0, 1.0), atol=1e-12)


def test_bad_arguments():
    cases = (({"size": None}, "size"), ({"size": (2,), "levy_area_approximation": "full"}, "levy_area_approximation"),
             ({"size": (2,), "halfway_tree": True}, "tol"), ({"size": (2,), "cache_size": -1}, "cache_size"),
             ({"size": (2,), "entropy": 1.5}, "entropy"), ({"size": (2,), "t0": 1.0, "t1": 0.0}, "t1"))
    for kwargs, name in cases:
        with pytest.raises(InputError) as err:
            BrownianInterval(**kwargs)
        assert err.value.argument == name
    bm = BrownianInterval(0.0, 1.0, size=(2,))
    with pytest.raises(InputError):
        bm(0.5, 0.2)
    with pytest.raises(InputError):
        bm(0.2, 0.5, return_U=True)  # no space-time area without asking for it


def test_per_path_brownian_objects():
    """BridgeMemory (per-path adaptive steps) and BatchBrownianTree: exact increments at per-path times."""
    g = torch.Generator().manual_seed(1)
    t1 = 0.2 + 0.8 * torch.rand(N, generator=g, dtype=torch.float64)
    tm = 0.5 * t1
    mem = BridgeMemory((N, 1), torch.float64, "cpu", entropy=2)
    mem.start(torch.zeros(N, dtype=torch.float64))
    W_mid, W_end = mem.pair(tm, t1)
    assert ks(W_end[:, 0], t1.sqrt()) > 1e-4
    assert ks(W_mid[:, 0] - 0.5 * W_end[:, 0], (0.25 * t1).sqrt()) > 1e-4  # bridge to the remembered end
    again = mem.pair(tm, t1)  # a retry asks again: same values, from memory
    assert torch.equal(again[1], W_end) and torch.equal(again[0], W_mid)
    tree = BatchBrownianTree(0.0, 1.0, size=(N, 1), dtype=torch.float64, entropy=3)
    W = tree.evaluate(t1)
    assert ks(W[:, 0], t1.sqrt()) > 1e-4
    assert torch.equal(W, tree.evaluate(t1))
    inc = tree.evaluate(t1)[:, 0] - tree.evaluate(tm)[:, 0]
    assert ks(inc, (t1 - tm).sqrt()) > 1e-4
