"""Namespaces that mirror other libraries' public functions over sciml's own (torchdiffeq, torchsde, torchcde).

A user of one of them changes only the import line, e.g. ``import sciml.compat.torchdiffeq as torchdiffeq``,
``import sciml.compat.torchsde as torchsde`` or ``import sciml.compat.torchcde as torchcde``.
"""
