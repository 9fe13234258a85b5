"""torchcde's public namespace over sciml: ``import sciml.compat.torchcde as torchcde``.

Every name torchcde 0.2.5 exports (and its ``misc`` module) maps to sciml's control paths,
log-signatures and ``cdeint`` in :mod:`sciml.integrate`; the solver underneath is sciml's ODE core.
One deliberate difference in exception types: where torchcde raises ``ValueError`` sciml raises
:class:`~sciml.errors.InputError` (a ``ValueError``); where torchcde asserts (bad rectilinear input)
the error is also an ``AssertionError``.
"""

from __future__ import annotations

from sciml.compat.torchcde import misc
from sciml.errors import InputError
from sciml.integrate.cde import cdeint
from sciml.integrate.cde.windows import logsig_windows, logsignature_windows
from sciml.integrate.interpolation import (
    CubicSpline,
    InterpolationBase,
    LinearInterpolation,
    NaturalCubicSpline,
    TupleControl,
    hermite_cubic_coefficients_with_backward_differences,
    natural_cubic_coeffs,
    natural_cubic_spline_coeffs,
    rectilinear_interpolation_coeffs,
)
from sciml.integrate.interpolation import linear_interpolation_coeffs as _linear_interpolation_coeffs

__all__ = ["CubicSpline", "InterpolationBase", "LinearInterpolation", "NaturalCubicSpline", "TupleControl", "cdeint",
           "hermite_cubic_coefficients_with_backward_differences", "linear_interpolation_coeffs",
           "rectilinear_interpolation_coeffs", "logsig_windows", "logsignature_windows", "misc",
           "natural_cubic_coeffs", "natural_cubic_spline_coeffs"]

__version__ = "0.2.5"


class RectilinearInputError(InputError, AssertionError):
    """Bad input to rectilinear interpolation, which torchcde reports with ``assert``."""


def linear_interpolation_coeffs(x, t=None, rectilinear=None):
    """:func:`sciml.integrate.interpolation.linear_interpolation_coeffs`, with torchcde's exception for bad
    rectilinear input."""
    if rectilinear is None:
        return _linear_interpolation_coeffs(x, t)
    try:
        return _linear_interpolation_coeffs(x, t, rectilinear)
    except InputError as err:
        raise RectilinearInputError(err.argument, err.expected, err.got, err.hint) from None
