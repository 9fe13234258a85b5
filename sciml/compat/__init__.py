"""Namespaces that mirror other libraries' public functions over sciml's own (``torchdiffeq``, ...).

A user of one of them changes only the import line, e.g.
``import sciml.compat.torchdiffeq as torchdiffeq``.
"""
