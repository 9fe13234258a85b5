"""Package attributes imported on first use (PEP 562), so that importing a package stays cheap.

``sciml --help`` imports every subcommand's ``command`` module, and with it the
package around it; a package whose ``__init__`` imported torch or sympy made
the help take seconds. Like :mod:`sciml.errors`, this module may be imported
by every layer.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, names: Mapping[str, str]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps each public name to the module defining it.

    Use in a package's ``__init__``::

        __getattr__, __dir__ = lazy_attributes(__name__, {"solve": "sciml.pinn.solver"})
    """

    def __getattr__(name: str):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
