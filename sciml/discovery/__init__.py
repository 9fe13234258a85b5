"""Equation discovery: sparse symbolic models of ODEs and PDEs from data.

``SINDy`` (estimator) and ``discover`` (one call) return a
``DiscoveredModel`` — sympy equations with scores, uncertainties and the
automatic choices — that simulates through ``sciml.integrate``, becomes a
torch module or a ``sciml.pde.Problem``, and saves to ``model/1`` JSON
(``load_model`` reads it back without running code). See docs/discovery.md.
"""

from __future__ import annotations

from sciml._lazy import lazy_attributes

# public name -> the module defining it; imported on first use (see sciml/_lazy.py)
_LAZY = {
    "SINDy": "sciml.discovery.estimator",
    "METHODS": "sciml.discovery.methods",
    "DiscoveredModel": "sciml.discovery.model",
    "load_model": "sciml.discovery.model",
    "Library": "sciml.discovery.library",
    "PolynomialLibrary": "sciml.discovery.library",
    "FourierLibrary": "sciml.discovery.library",
    "CustomLibrary": "sciml.discovery.library",
    "SumLibrary": "sciml.discovery.library",
    "ProductLibrary": "sciml.discovery.library",
    "PDELibrary": "sciml.discovery.pde_library",
    "STLSQ": "sciml.discovery.stlsq",
    "SR3": "sciml.discovery.sr3",
    "bagging": "sciml.discovery.ensemble",
    "differentiate": "sciml.discovery.derivatives",
}

__all__ = [
    "SINDy", "METHODS", "discover", "DiscoveredModel", "load_model", "Library", "PolynomialLibrary",
    "FourierLibrary", "CustomLibrary", "SumLibrary", "ProductLibrary", "PDELibrary", "STLSQ", "SR3",
    "bagging", "differentiate",
]
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)


def discover(data, **options):
    """Fit :class:`SINDy` with ``options`` to ``data`` (a data set or a path) and return the model."""
    from sciml.data import ODEDataset, PDEDataset, load
    from sciml.discovery.estimator import SINDy

    if not isinstance(data, (ODEDataset, PDEDataset)):
        data = load(data)
    return SINDy(**options).fit(data).model_
