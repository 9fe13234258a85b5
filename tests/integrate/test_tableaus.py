import numpy as np
import pytest

from sciml.integrate.tableaus import ADAPTIVE, METHODS

# Butcher-form tableaus (explicit and ESDIRK, whose rows include the diagonal); the Rosenbrock
# tableaus are in transformed variables and are checked in tests/integrate/test_stiff.py, the
# multistep BDF coefficients in tests/integrate/test_bdf.py, the Adams weights in test_adams.py
BUTCHER = [n for n, tab in METHODS.items() if tab.kind not in ("rosenbrock", "bdf", "adams")]


@pytest.mark.parametrize("name", BUTCHER)
def test_consistency_conditions(name):
    tab = METHODS[name]
    assert sum(tab.b) == pytest.approx(1.0, abs=1e-14)
    for ci, row in zip(tab.c, tab.a):
        assert sum(row) == pytest.approx(ci, abs=1e-14)
    if tab.order < 2:
        return
    # second order: Σ b_i c_i = 1/2
    assert float(np.dot(tab.b, tab.c)) == pytest.approx(0.5, abs=1e-14)
    if tab.order >= 3:
        assert float(np.dot(tab.b, np.square(tab.c))) == pytest.approx(1 / 3, abs=1e-13)
        A = np.zeros((tab.stages, tab.stages))
        for i, row in enumerate(tab.a):
            A[i, : len(row)] = row
        assert float(np.array(tab.b) @ A @ np.array(tab.c)) == pytest.approx(1 / 6, abs=1e-13)


@pytest.mark.parametrize("name", [n for n in ADAPTIVE if n in BUTCHER])
def test_embedded_weights_are_consistent(name):
    tab = METHODS[name]
    # the embedded solution is itself consistent: its weights also sum to one
    assert sum(tab.b_error) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("name", [n for n, tab in METHODS.items() if tab.kind != "bdf"])
def test_dense_output_ends_at_the_solution(name):
    tab = METHODS[name]
    P = np.array(tab.dense.coefficients)
    at_one = P.sum(axis=1)
    b = np.array(tab.b + (0.0,) * len(tab.dense.extra_c))
    np.testing.assert_allclose(at_one, b, atol=1e-11)


def test_fsal_flags():
    assert {n for n, t in METHODS.items() if t.fsal} == {"bosh3", "dopri5", "tsit5", "dopri8", "kvaerno3",
                                                         "kvaerno5"}
