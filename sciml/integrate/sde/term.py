"""The SDE as the solvers see it: drift, diffusion, their products with noise, and the derivative terms.

:class:`SDETerm` resolves the user's methods once (``f``, ``g``, ``f_and_g``, ``g_prod``,
``f_and_g_prod``, under the names given in ``names``), so the hot loop calls bound methods only.
It also computes the two derivative terms some methods need, by automatic differentiation:

* ``gdg_prod`` (Milstein): ``Σ_k (∂g_k/∂y · g_k) v_k`` — for diagonal noise one vector–Jacobian
  product (each ``g_i`` depends on ``y_i`` only, so ``Jᵀ(g v) = J(g v)``), for scalar noise a true
  Jacobian–vector product (two reverse passes), zero for additive noise;
* ``dg_ga`` (log-ODE): ``Σ_{k,l} ∂g_l/∂y · g_k A_kl``, the Lie-bracket term of the Lévy area.

:class:`LogqpTerm` appends torchsde's ``logqp`` component ``½‖u‖²``, ``g u = f - h`` (Li et al. 2020).
"""

from __future__ import annotations

import torch

from sciml.integrate.sde.derivatives import as_leaf, jvp, vjp
from sciml.integrate.sde.names import NOISE_TYPES

__all__ = ["SDETerm", "LogqpTerm", "RENAMABLE", "batch_mvp"]

RENAMABLE = {"drift": "f", "diffusion": "g", "prior_drift": "h", "diffusion_prod": "g_prod",
             "drift_and_diffusion": "f_and_g", "drift_and_diffusion_prod": "f_and_g_prod"}


def batch_mvp(g, v):
    """``g @ v`` for ``g`` of shape ``(B, d, m)`` and ``v`` of shape ``(B, m)`` (bmm, as torchsde)."""
    return torch.bmm(g, v.unsqueeze(-1)).squeeze(-1)


def _scalar_prod(g, v):
    return g.squeeze(-1) * v


def _diagonal_prod(g, v):
    return g * v


class SDETerm:
    """The user's SDE with its methods resolved; ``noise_type`` and ``sde_type`` as declared."""

    def __init__(self, sde, names: dict | None = None):
        self.sde = sde
        self.noise_size = None  # Brownian channels, set once the shapes are checked
        self.noise_type = sde.noise_type
        self.sde_type = sde.sde_type
        get = {key: getattr(sde, (names or {}).get(long, key), None)
               for long, key in RENAMABLE.items()}
        self.user = get
        self.prod = {NOISE_TYPES.diagonal: _diagonal_prod, NOISE_TYPES.scalar: _scalar_prod}.get(
            self.noise_type, batch_mvp)
        self.has_f = get["f"] is not None or get["f_and_g"] is not None or get["f_and_g_prod"] is not None
        self.has_g = get["g"] is not None or get["f_and_g"] is not None
        self.has_g_prod = self.has_g or get["g_prod"] is not None or get["f_and_g_prod"] is not None
        self.f = get["f"] or (self._f_from_f_and_g if get["f_and_g"] is not None else self._f_from_f_and_g_prod)
        self.g = get["g"] or self._g_from_f_and_g
        self.h = get["h"]
        if get["f_and_g"] is not None:
            self.f_and_g = get["f_and_g"]
        self.g_prod = get["g_prod"] or (self._g_prod_default if self.has_g else self._g_prod_from_f_and_g_prod)
        if get["f_and_g_prod"] is not None:
            self.f_and_g_prod = get["f_and_g_prod"]
        elif get["f"] is not None and get["g_prod"] is not None:
            self.f_and_g_prod = self._f_and_g_prod_split
        else:
            self.f_and_g_prod = self._f_and_g_prod_default

    # resolution of the user's methods
    def _f_from_f_and_g(self, t, y):
        return self.user["f_and_g"](t, y)[0]

    def _f_from_f_and_g_prod(self, t, y):  # the noise argument does not change f: pass zeros
        return self.user["f_and_g_prod"](t, y, y.new_zeros(y.shape[0], self.noise_size))[0]

    def _g_from_f_and_g(self, t, y):  # only reached when f_and_g exists (checked before the solve)
        return self.user["f_and_g"](t, y)[1]

    def f_and_g(self, t, y):
        return self.f(t, y), self.g(t, y)

    def _g_prod_default(self, t, y, v):
        return self.prod(self.g(t, y), v)

    def _g_prod_from_f_and_g_prod(self, t, y, v):
        return self.user["f_and_g_prod"](t, y, v)[1]

    def _f_and_g_prod_split(self, t, y, v):
        return self.f(t, y), self.g_prod(t, y, v)

    def _f_and_g_prod_default(self, t, y, v):
        f, g = self.f_and_g(t, y)
        return f, self.prod(g, v)

    # derivative terms
    def gdg_prod(self, t, y, v1, v2):
        """``(g·v1, Σ_k (∂g_k/∂y) g_k v2_k)``: the Milstein correction with weights ``v2``."""
        if self.noise_type == NOISE_TYPES.additive:
            return self.g_prod(t, y, v1), 0.0
        create = torch.is_grad_enabled()
        with torch.enable_grad():
            y_ = as_leaf(y)
            g = self.g(t, y_)
            if self.noise_type == NOISE_TYPES.diagonal:
                (dg,) = vjp(g, [y_], g * v2, create)
            else:  # scalar: a true Jacobian–vector product J (g v2)
                column = g.squeeze(-1)
                dg = jvp(column, y_, column * v2, create)
        if not create:
            g, dg = g.detach(), dg.detach()
        return self.prod(g, v1), dg

    def dg_ga(self, t, y, A):
        """``Σ_{k,l} (∂g_l/∂y) g_k A_kl`` for general noise (zero for the commutative noise types)."""
        if self.noise_type != NOISE_TYPES.general:
            return 0.0
        create = torch.is_grad_enabled()
        with torch.enable_grad():
            y_ = as_leaf(y)
            g = self.g(t, y_)
            ga = torch.bmm(g, A)
            total = sum(jvp(g[..., col], y_, ga[..., col], create) for col in range(g.shape[-1]))
        return total if create else total.detach()


def _stable_division(a, b, epsilon: float = 1e-7):
    b = torch.where(b.abs().detach() > epsilon, b, torch.full_like(b, epsilon) * b.sign())
    return a / b


class LogqpTerm(SDETerm):
    """The SDE with one more state component, ``½‖u‖²`` with ``g u = f - h``, integrating the log-ratio
    of path densities of the posterior ``(f, g)`` and the prior ``(h, g)`` (torchsde's ``logqp=True``)."""

    def __init__(self, base: SDETerm):
        self.base = base
        self.noise_type = base.noise_type
        self.sde_type = base.sde_type
        self.prod = base.prod
        self.has_f = self.has_g = self.has_g_prod = True
        self.h = None
        self.user = {"f": self.f, "g": self.g, "f_and_g": None, "g_prod": None, "f_and_g_prod": None, "h": None}
        self.g_prod = self._g_prod_default
        self.f_and_g_prod = self._f_and_g_prod_default

    def _u(self, f, g, h):
        if self.noise_type == NOISE_TYPES.diagonal:
            return _stable_division(f - h, g)
        return batch_mvp(torch.linalg.pinv(g), f - h)

    def _pad_g(self, g, y):
        if self.noise_type == NOISE_TYPES.diagonal:
            return torch.cat([g, y.new_zeros(y.shape[0], 1)], dim=1)
        return torch.cat([g, g.new_zeros(g.shape[0], 1, g.shape[-1])], dim=1)

    def f_and_g(self, t, y):
        y = y[:, :-1]
        b = self.base
        f, g, h = b.f(t, y), b.g(t, y), b.h(t, y)
        u = self._u(f, g, h)
        return torch.cat([f, 0.5 * (u ** 2).sum(dim=1, keepdim=True)], dim=1), self._pad_g(g, y)

    def f(self, t, y):
        return self.f_and_g(t, y)[0]

    def g(self, t, y):
        y = y[:, :-1]
        return self._pad_g(self.base.g(t, y), y)
