import numpy as np
import pytest
import sympy as sp

from sciml import pde
from sciml.errors import InputError, ProblemDefinitionError

x, y, t = sp.symbols("x y t")


@pytest.mark.parametrize("method", pde.SAMPLERS)
def test_box_interior_samples_fill_the_box(method):
    box = pde.Interval(x, -1, 1) * pde.Interval(y, 0, 2)
    X = box.sample_interior(512, method, rng=0)
    assert X.shape == (512, 2)
    assert box.contains(X).all()
    assert np.allclose(X.mean(axis=0), [0, 1], atol=0.1)


def test_boundary_normals_are_unit_and_outward():
    for dom in (pde.Interval(x, -1, 1) * pde.Interval(y, 0, 2), pde.Disk((x, y), (0.5, 0), 2),
                pde.Polygon((x, y), [(0, 0), (2, 0), (0, 1)])):
        X, N = dom.sample_boundary(400, rng=1)
        assert dom.on_boundary(X).all()
        assert np.allclose(np.linalg.norm(N, axis=1), 1)
        assert not dom.contains(X + 1e-3 * N).any()
        assert dom.contains(X - 1e-3 * N).mean() > 0.97  # corners aside


def test_lshape_boundary_excludes_the_removed_square_interior():
    L = pde.Interval(x, -1, 1) * pde.Interval(y, -1, 1) - pde.Interval(x, 0, 1) * pde.Interval(y, 0, 1)
    assert L.measure == pytest.approx(3, rel=0.02)
    X, N = L.sample_boundary(4000, rng=0)
    inside_removed = (X[:, 0] > 1e-6) & (X[:, 1] > 1e-6)
    assert not inside_removed.any()
    on_reentrant = (np.abs(X[:, 0]) < 1e-12) & (X[:, 1] > 0)
    assert on_reentrant.sum() > 100
    assert np.allclose(N[on_reentrant], [1, 0])
    # edges shared by the square and the removed square are not part of the L
    assert list(L.contains(np.array([[1, 0.5], [0.5, 1], [0, 0.5], [0.5, 0], [1, -0.5]]))) == [
        False, False, True, True, True]
    Xi = L.sample_interior(2000, rng=0)
    assert not ((Xi[:, 0] > 0) & (Xi[:, 1] > 0)).any()


def test_union_and_intersection_of_disks():
    a, b = pde.Disk((x, y), (0, 0), 1), pde.Disk((x, y), (1, 0), 1)
    lens = 2 * np.arccos(0.5) - 0.5 * np.sqrt(3)
    assert (a | b).measure == pytest.approx(2 * np.pi - lens, rel=0.02)
    assert (a & b).measure == pytest.approx(lens, rel=0.03)
    X, _ = (a | b).sample_boundary(1000, rng=0)
    r0, r1 = np.hypot(X[:, 0], X[:, 1]), np.hypot(X[:, 0] - 1, X[:, 1])
    assert (np.minimum(np.abs(r0 - 1), np.abs(r1 - 1)) < 1e-9).all()
    assert ((r0 >= 1 - 1e-9) & (r1 >= 1 - 1e-9)).all()


def test_space_time_product_and_ball():
    dom = pde.Disk((x, y), (0, 0), 1) * pde.Interval(t, 0, 2)
    assert dom.variables == (x, y, t)
    assert dom.measure == pytest.approx(2 * np.pi)
    ball = pde.Ball(sp.symbols("a b c"), (0, 0, 0), 2)
    assert ball.measure == pytest.approx(4 / 3 * np.pi * 8)
    assert ball.contains(ball.sample_interior(100, rng=0)).all()


def test_zero_measure_domains_are_refused():
    with pytest.raises(ProblemDefinitionError, match="zero measure"):
        pde.Interval(x, 1, 1)
    with pytest.raises(ProblemDefinitionError, match="zero measure"):
        pde.Polygon((x, y), [(0, 0), (1, 1), (2, 2)])
    with pytest.raises(ProblemDefinitionError, match="zero measure"):
        pde.Disk((x, y), (0, 0), 0)
    with pytest.raises(ProblemDefinitionError, match="zero measure"):
        pde.Interval(x, 0, 1) * pde.Interval(y, 0, 1) & pde.Interval(x, 2, 3) * pde.Interval(y, 0, 1)


def test_bad_arguments_name_the_culprit():
    with pytest.raises(InputError, match="method"):
        pde.Interval(x, 0, 1).sample_interior(10, "grid")
    with pytest.raises(ProblemDefinitionError, match="distinct variables"):
        pde.Interval(x, 0, 1) * pde.Interval(x, 0, 1)
    with pytest.raises(ProblemDefinitionError, match="same variables"):
        pde.Interval(x, 0, 1) | pde.Interval(y, 0, 1)
