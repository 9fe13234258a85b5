"""Control paths from irregular, partially missing observations (NaN = missing), for CDEs.

Two steps, as in torchcde (Kidger, Morrill, Foster & Lyons, "Neural controlled differential
equations for irregular time series", NeurIPS 2020): a ``*_coeffs`` function turns observations
``(..., length, channels)`` into a coefficient tensor once (save it, batch it), and a path object
(:class:`CubicSpline`, :class:`LinearInterpolation`) evaluates it and its derivative.
"""

from sciml.integrate.interpolation.base import InterpolationBase
from sciml.integrate.interpolation.cubic import (
    CubicSpline,
    NaturalCubicSpline,
    natural_cubic_coeffs,
    natural_cubic_spline_coeffs,
    tridiagonal_solve,
)
from sciml.integrate.interpolation.hermite import hermite_cubic_coefficients_with_backward_differences
from sciml.integrate.interpolation.linear import (
    LinearInterpolation,
    linear_interpolation_coeffs,
    rectilinear_interpolation_coeffs,
)
from sciml.integrate.interpolation.missing import fill_linear, forward_fill
from sciml.integrate.interpolation.tuple_control import TupleControl

__all__ = ["InterpolationBase", "CubicSpline", "NaturalCubicSpline", "LinearInterpolation", "TupleControl",
           "natural_cubic_coeffs", "natural_cubic_spline_coeffs",
           "hermite_cubic_coefficients_with_backward_differences", "linear_interpolation_coeffs",
           "rectilinear_interpolation_coeffs", "forward_fill", "fill_linear", "tridiagonal_solve"]
