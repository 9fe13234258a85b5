"""Step callbacks, torchdiffeq's convention: methods of the vector field called by the loop.

``func.callback_step(t0, y0, dt)`` is called before every attempted step,
``func.callback_accept_step(t0, y0, dt)`` / ``func.callback_reject_step(t0, y0, dt)`` after
its verdict (adaptive methods: a fixed-step method has no verdict, so these two are not
called there, with a warning). The ``*_adjoint`` variants are called in the same way by the
backward solve of ``gradient="backsolve"``. ``t0`` and ``dt`` are 0-dim tensors in the dtype
``func`` sees, ``y0`` the state at the step's start in the user's layout (a tuple for tuple
states; in the backward solve the tuple ``(y, a_y, *a_params)`` of the state, its adjoint and
the parameter adjoints).
"""

from __future__ import annotations

import warnings

__all__ = ["StepCallbacks", "CALLBACK_NAMES"]

CALLBACK_NAMES = ("callback_step", "callback_accept_step", "callback_reject_step")


class StepCallbacks:
    """The callbacks of one solve; ``unpack`` turns the solver's flat state into what they receive."""

    def __init__(self, step, accept, reject, term, unpack):
        self._step, self._accept, self._reject = step, accept, reject
        self.term = term
        self.unpack = unpack

    @classmethod
    def of(cls, func, method, term, unpack, *, adjoint: bool = False) -> StepCallbacks | None:
        """The callbacks ``func`` carries for ``method`` (None when it has none), warning about unusable ones."""
        suffix = "_adjoint" if adjoint else ""
        found = {name: getattr(func, name + suffix, None) for name in CALLBACK_NAMES}
        found = {name: cb for name, cb in found.items() if callable(cb)}
        if not found:
            return None
        kind = getattr(method, "kind", "")
        unusable = set(found) if kind == "scipy" else (set(found) - {"callback_step"}
                                                       if not method.adaptive else set())
        if unusable and not adjoint:
            why = "scipy takes the steps" if kind == "scipy" else "a fixed-step method accepts every step"
            warnings.warn(f"method {method.name!r} does not call {', '.join(sorted(unusable))} ({why})",
                          UserWarning, stacklevel=3)
        usable = {name: cb for name, cb in found.items() if name not in unusable}
        if not usable:
            return None
        return cls(usable.get("callback_step"), usable.get("callback_accept_step"),
                   usable.get("callback_reject_step"), term, unpack)

    def _call(self, fn, t, y, h) -> None:
        if fn is not None:
            fn(self.term.time(t), self.unpack(y), self.term.time(h))

    def step(self, t, y, h) -> None:
        self._call(self._step, t, y, h)

    def accept(self, t, y, h) -> None:
        self._call(self._accept, t, y, h)

    def reject(self, t, y, h) -> None:
        self._call(self._reject, t, y, h)
