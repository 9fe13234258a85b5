"""sciml.compat.torchcde mirrors torchcde's public namespace, and its examples' calls run through it."""

import pytest
import torch

import sciml.compat.torchcde as ours
from sciml.compat import signatory
from sciml.errors import InputError


def test_every_public_name_of_torchcde_is_there():
    torchcde = pytest.importorskip("torchcde")
    import types

    names = {n for n in dir(torchcde) if not n.startswith("_")
             and not isinstance(getattr(torchcde, n), types.ModuleType)}
    assert names <= set(dir(ours)), names - set(dir(ours))
    for name in ("cheap_stack", "tridiagonal_solve", "forward_fill", "validate_input_path"):
        assert callable(getattr(ours.misc, name))


def test_rectilinear_errors_are_also_assertions_as_in_torchcde():
    x = torch.tensor([[0.0, 1.0], [float("nan"), 2.0]])
    with pytest.raises(AssertionError):
        ours.linear_interpolation_coeffs(x, rectilinear=0)
    with pytest.raises(InputError):
        ours.linear_interpolation_coeffs(x, rectilinear=0)


def test_signatory_namespace():
    path = torch.randn(2, 6, 3, dtype=torch.float64)
    assert signatory.Logsignature(3)(path).shape == (2, signatory.logsignature_channels(3, 3))
    assert signatory.Signature(2)(path).shape == (2, signatory.signature_channels(3, 2))
    torch.testing.assert_close(signatory.logsignature(path, 1), path[:, -1] - path[:, 0])
