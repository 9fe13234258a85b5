"""The export formats (a module of its own so ``sciml --help`` does not load sympy)."""

FORMATS = ("sympy", "latex", "python", "torch", "c", "json")
