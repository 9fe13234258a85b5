"""Define PDE problems in sympy: domains, conditions, parameters and the ``Problem`` itself.

>>> import sympy as sp
>>> from sciml import pde
>>> x, t = sp.symbols("x t")
>>> u = sp.Function("u")(x, t)
>>> nu = pde.Parameter("nu", value=0.01 / sp.pi)
>>> problem = pde.Problem(
...     equations=[sp.Eq(u.diff(t) + u * u.diff(x), nu * u.diff(x, 2))],
...     domain=pde.Interval(x, -1, 1) * pde.Interval(t, 0, 1),
...     conditions=[pde.Initial(u, -sp.sin(sp.pi * x)), pde.Dirichlet(u, 0, on="boundary")],
... )
"""

from sciml.pde.conditions import Condition, Data, Dirichlet, Initial, Neumann, Periodic, Robin
from sciml.pde.domain import Difference, Domain, Intersection, Product, Union
from sciml.pde.parameter import Parameter
from sciml.pde.problem import Problem
from sciml.pde.sampling import METHODS as SAMPLERS
from sciml.pde.shapes import Ball, Disk, Interval, Polygon

__all__ = [
    "Problem", "Parameter",
    "Domain", "Interval", "Disk", "Ball", "Polygon", "Product", "Union", "Intersection", "Difference",
    "Condition", "Initial", "Dirichlet", "Neumann", "Robin", "Periodic", "Data", "SAMPLERS",
]
