"""The fitting methods of :class:`~sciml.discovery.SINDy` (a module of its own so ``sciml --help`` stays light).

``auto``/``weak``: the weak form; ``stlsq``, ``sr3``: the strong form with pointwise
derivatives; ``ensemble``: the weak form with bagging.
"""

METHODS = ("auto", "weak", "stlsq", "sr3", "ensemble")
