"""``cdeint``: a controlled differential equation solved as the ODE it becomes on a smooth control.

``z(t) = z(t0) + ∫ f(s, z(s)) dX(s)`` with ``X`` differentiable in time is the ODE
``dz/dt = f(t, z) · dX/dt`` (Kidger, Morrill, Foster & Lyons, "Neural controlled differential
equations for irregular time series", NeurIPS 2020), so every method, tolerance, batch layout and
gradient mode of the ODE core applies unchanged; this module only forms that vector field, checks
the shapes once, and speaks torchcde's (and, with ``backend="torchsde"``, torchsde's) keywords.
"""

from __future__ import annotations

import torch

from sciml.errors import InputError
from sciml.integrate.api import solve_ivp
from sciml.integrate.odeint_api import _options, odeint, odeint_adjoint

__all__ = ["cdeint", "ControlledVectorField"]

GRADIENTS = ("direct", "backsolve", "checkpoint")
_DIFFEQ_KEYS = {"rtol", "atol", "method", "options", "adjoint_rtol", "adjoint_atol", "adjoint_method",
                "adjoint_options", "adjoint_params"}
# torchsde's solvers with the noise switched off: the ODE method each one becomes
_SDE_METHODS = {"euler": "euler", "milstein": "euler", "midpoint": "midpoint", "log_ode": "midpoint", "heun": "heun"}
_SDE_KEYS = {"rtol", "atol", "method", "dt", "adaptive", "dt_min", "adjoint_method", "adjoint_adaptive",
             "adjoint_rtol", "adjoint_atol", "adjoint_params", "adjoint_options", "options", "names"}


class ControlledVectorField(torch.nn.Module):
    """``(t, z) ↦ f(t, z) · dX/dt(t)``: the matrix form, or ``func.prod(t, z, dX/dt)`` when ``func`` has one.

    ``func.prod`` lets a vector field apply itself to the derivative without forming the
    ``(hidden, input)`` matrix (less memory for wide states).
    """

    def __init__(self, X, func, is_tensor: bool, is_prod: bool):
        super().__init__()
        self.X = X
        self.func = func
        self.is_tensor = is_tensor
        self.is_prod = is_prod

    @property
    def shares_graph(self) -> bool:
        """The control's tensors were computed from others that need gradients (learnable data or knots):
        every adjoint or checkpoint backward call then walks that graph again, so it must be kept."""
        return isinstance(self.X, torch.nn.Module) and any(b.requires_grad for b in self.X.buffers())

    def forward(self, t, z):
        dX = self.X.derivative(t)
        if self.is_prod:
            return self.func.prod(t, z, dX)
        F = self.func(t, z)
        if self.is_tensor:
            return torch.matmul(F, dX.unsqueeze(-1)).squeeze(-1)
        return tuple(torch.matmul(Fi, dXi.unsqueeze(-1)).squeeze(-1) for Fi, dXi in zip(F, dX))


def _check_one(dX, out, z, is_prod: bool, label: str) -> None:
    if not isinstance(dX, torch.Tensor):
        raise InputError(f"X.derivative(t){label}", "a tensor (..., input_channels)", type(dX).__name__)
    if not isinstance(out, torch.Tensor):
        raise InputError(f"func{'.prod' if is_prod else ''}(t, z){label}", "a tensor", type(out).__name__)
    if dX.shape[:-1] != z.shape[:-1]:
        raise InputError(f"X.derivative(t){label}", f"the batch dimensions of z0 {tuple(z.shape[:-1])}",
                         f"shape {tuple(dX.shape)}", "a control of a batch of series gives one derivative per series")
    if is_prod:
        if out.shape != z.shape:
            raise InputError(f"func.prod(t, z, dXdt){label}", f"the shape of z0 {tuple(z.shape)}",
                             f"shape {tuple(out.shape)}")
        return
    expected = (*z.shape, dX.size(-1))
    if out.shape != expected:
        raise InputError(f"func(t, z){label}", f"a (..., hidden_channels, input_channels) matrix field of shape "
                         f"{expected}", f"shape {tuple(out.shape)}",
                         "func returns one (hidden × input) matrix per batch element; it is multiplied by dX/dt")


def _check_compatibility(X, func, z0, t):
    """One evaluation of the control and the field at ``t[0]``, checked against ``z0``."""
    if not hasattr(X, "derivative"):
        raise InputError("X", "a control path with a derivative(t) method (e.g. CubicSpline)", type(X).__name__)
    if not callable(func) and not hasattr(func, "prod"):
        raise InputError("func", "a callable func(t, z) or an object with func.prod(t, z, dXdt)", type(func).__name__)
    if not isinstance(t, torch.Tensor) or t.dim() != 1 or len(t) == 0:
        raise InputError("t", "a 1-D tensor of output times (t[0] the start)", getattr(t, "shape", type(t).__name__))
    is_prod = hasattr(func, "prod")
    is_tensor = isinstance(z0, torch.Tensor)
    if not is_tensor and not isinstance(z0, tuple):
        raise InputError("z0", "a tensor (..., hidden_channels) or a tuple of them", type(z0).__name__)
    with torch.no_grad():
        dX = X.derivative(t[0].detach())
        out = func.prod(t[0], z0, dX) if is_prod else func(t[0], z0)
    if is_tensor:
        _check_one(dX, out, z0, is_prod, "")
        return is_tensor, is_prod
    for name, v in (("X.derivative(t)", dX), ("func(t, z)", out)):
        if not isinstance(v, (tuple, list)) or len(v) != len(z0):
            raise InputError(name, f"a tuple of {len(z0)} tensors like z0", type(v).__name__)
    for i, (d, o, z) in enumerate(zip(dX, out, z0)):
        if not isinstance(z, torch.Tensor):
            raise InputError(f"z0[{i}]", "a tensor", type(z).__name__)
        _check_one(d, o, z, is_prod, f"[{i}]")
    return is_tensor, is_prod


def _sde_dialect(kwargs: dict) -> dict:
    """torchsde's keywords in torchdiffeq's: with no noise its solvers are fixed-step ODE methods."""
    unknown = set(kwargs) - _SDE_KEYS
    if unknown:
        raise InputError("kwargs", f"torchsde keywords ({', '.join(sorted(_SDE_KEYS))})", sorted(unknown))
    for key in ("adaptive", "adjoint_adaptive"):
        if kwargs.pop(key, False):
            raise InputError(key, "False with backend='torchsde'", True,
                             "use backend='torchdiffeq' with an adaptive method (e.g. method='dopri5')")
    kwargs.pop("dt_min", None)
    kwargs.pop("names", None)
    out = {k: kwargs[k] for k in ("rtol", "atol", "adjoint_rtol", "adjoint_atol", "adjoint_params") if k in kwargs}
    for key in ("method", "adjoint_method"):
        name = kwargs.get(key)
        if name is None and key == "adjoint_method":
            continue
        name = "midpoint" if name is None else name
        if name not in _SDE_METHODS:
            raise InputError(key, f"a torchsde method that is an ODE method without noise ({', '.join(_SDE_METHODS)})",
                             repr(name), "or use backend='torchdiffeq' for any of sciml's methods")
        out[key] = _SDE_METHODS[name]
    options = dict(kwargs.get("options") or {})
    options["step_size"] = kwargs.get("dt", 1e-3)
    out["options"] = options
    if "adjoint_options" in kwargs or "adjoint_method" in out:
        out["adjoint_options"] = {"step_size": options["step_size"], **(kwargs.get("adjoint_options") or {})}
    return out


def _control_tensors(X) -> tuple:
    """The tensors inside the control that need gradients (its coefficients, its knots)."""
    if not isinstance(X, torch.nn.Module):
        return ()
    return tuple(b for b in X.buffers() if b.requires_grad)


def cdeint(X, func, z0, t, adjoint: bool = True, backend: str = "torchdiffeq", **kwargs):
    r"""Solve ``z(t) = z(t0) + ∫_{t0}^t f(s, z(s)) dX(s)`` and return ``z`` at the times ``t``: torchcde's ``cdeint``.

    Parameters
    ----------
    X : control path
        Anything with ``derivative(t)`` returning ``(..., input_channels)`` — a
        :class:`~sciml.integrate.interpolation.CubicSpline`, a
        :class:`~sciml.integrate.interpolation.LinearInterpolation`, a ``TupleControl`` for a tuple state.
    func : callable ``func(t, z)``
        Returns the ``(..., hidden_channels, input_channels)`` matrix multiplied by ``dX/dt``; or
        an object with ``func.prod(t, z, dXdt)`` returning ``(..., hidden_channels)`` directly.
    z0 : tensor ``(..., hidden_channels)`` or tuple of tensors
        The initial state; ``...`` are batch dimensions matching the control's.
    t : 1-D tensor
        Output times, increasing; ``t[0]`` is the start (often ``X.interval``).
    adjoint : bool
        Gradients by the continuous adjoint (memory independent of the number of steps,
        ``gradient="backsolve"``) rather than backpropagation through the solver
        (``"direct"``). Tensors of ``X`` that need gradients (coefficients, knots) are
        included in the adjoint automatically unless ``adjoint_params`` is given.
    backend : ``"torchdiffeq"`` | ``"torchsde"``
        Which library's keywords ``**kwargs`` are in; the solver is always sciml's.
        ``"torchdiffeq"``: ``method`` (any of sciml's), ``rtol`` (default 1e-4), ``atol``
        (1e-6), ``options``, ``adjoint_rtol``, ``adjoint_atol``, ``adjoint_method``,
        ``adjoint_options``, ``adjoint_params``. ``"torchsde"``: ``method`` (``euler``,
        ``milstein``, ``midpoint``, ``heun``, ``log_ode``: their noise-free ODE methods),
        ``dt``, ``rtol``, ``atol``, ``adjoint_*``.
    gradient : ``"direct"`` | ``"backsolve"`` | ``"checkpoint"``, keyword only, optional
        sciml's gradient mode, overriding ``adjoint``: ``"checkpoint"`` is the exact gradient
        of the discrete solve with memory for one state per step.

    Returns
    -------
    Tensor ``(..., len(t), hidden_channels)`` (time second to last, as torchcde), or a tuple.
    """
    kwargs = dict(kwargs)
    gradient = kwargs.pop("gradient", None)
    if backend == "torchsde":
        kwargs = _sde_dialect(kwargs)
    elif backend not in ("torchdiffeq", "sciml"):
        raise InputError("backend", "'torchdiffeq' or 'torchsde' (the keywords' dialect; the solver is sciml's)",
                         repr(backend))
    unknown = set(kwargs) - _DIFFEQ_KEYS
    if unknown:
        raise InputError("kwargs", f"torchdiffeq keywords ({', '.join(sorted(_DIFFEQ_KEYS))}) or gradient=",
                         sorted(unknown))
    if gradient is None:
        gradient = "backsolve" if adjoint else "direct"
    elif gradient not in GRADIENTS:
        raise InputError("gradient", f"one of {', '.join(map(repr, GRADIENTS))}", repr(gradient))
    if isinstance(z0, list):
        z0 = tuple(z0)
    is_tensor, is_prod = _check_compatibility(X, func, z0, t)
    field = ControlledVectorField(X, func, is_tensor, is_prod)
    rtol, atol = kwargs.pop("rtol", 1e-4), kwargs.pop("atol", 1e-6)
    method, options = kwargs.pop("method", None), kwargs.pop("options", None)
    if gradient != "direct" and kwargs.get("adjoint_params") is None:
        kwargs["adjoint_params"] = tuple(field.parameters()) + _control_tensors(X)
    if gradient == "direct":
        ys = odeint(field, z0, t, rtol=rtol, atol=atol, method=method, options=options)
    elif gradient == "backsolve":
        kwargs.setdefault("adjoint_rtol", rtol)
        kwargs.setdefault("adjoint_atol", atol)
        ys = odeint_adjoint(field, z0, t, rtol=rtol, atol=atol, method=method, options=options, **kwargs)
    else:
        tableau, extra = _options(field, z0, t, method, options)
        ys = solve_ivp(field, (t[0], t[-1]), z0, t_eval=t, method=tableau, rtol=rtol, atol=atol,
                       gradient="checkpoint", adjoint_params=kwargs.get("adjoint_params"), **extra).ys
    if is_tensor:
        return ys.movedim(0, -2)
    return tuple(y.movedim(0, -2) for y in ys)
