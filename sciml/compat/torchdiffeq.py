"""torchdiffeq's public namespace over sciml: ``import sciml.compat.torchdiffeq as torchdiffeq``.

The functions are sciml's own (:mod:`sciml.integrate`), with torchdiffeq's signatures and
meanings; ``docs/migrating-from-torchdiffeq.md`` lists every function, method and option.
"""

from sciml.integrate import odeint, odeint_adjoint, odeint_dense, odeint_event

__all__ = ["odeint", "odeint_adjoint", "odeint_event", "odeint_dense"]
