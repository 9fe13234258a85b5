"""Equation discovery: sparse symbolic models of ODEs and PDEs from data.

``SINDy`` (estimator) and ``discover`` (one call) return a
``DiscoveredModel`` — sympy equations with scores, uncertainties and the
automatic choices — that simulates through ``sciml.integrate``, becomes a
torch module or a ``sciml.pde.Problem``, and saves to ``model/1`` JSON
(``load_model`` reads it back without running code). See docs/discovery.md.
"""

from __future__ import annotations

from sciml.discovery.derivatives import differentiate
from sciml.discovery.ensemble import bagging
from sciml.discovery.estimator import METHODS, SINDy
from sciml.discovery.library import (
    CustomLibrary,
    FourierLibrary,
    Library,
    PolynomialLibrary,
    ProductLibrary,
    SumLibrary,
)
from sciml.discovery.model import DiscoveredModel, load_model
from sciml.discovery.pde_library import PDELibrary
from sciml.discovery.sr3 import SR3
from sciml.discovery.stlsq import STLSQ

__all__ = [
    "SINDy", "METHODS", "discover", "DiscoveredModel", "load_model",
    "Library", "PolynomialLibrary", "FourierLibrary", "CustomLibrary", "SumLibrary", "ProductLibrary",
    "PDELibrary", "STLSQ", "SR3", "bagging", "differentiate",
]


def discover(data, **options) -> DiscoveredModel:
    """Fit :class:`SINDy` with ``options`` to ``data`` (a data set or a path) and return the model."""
    from sciml.data import ODEDataset, PDEDataset, load

    if not isinstance(data, (ODEDataset, PDEDataset)):
        data = load(data)
    return SINDy(**options).fit(data).model_
