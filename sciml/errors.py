"""The one exception hierarchy of sciml.

Every error raised on purpose by sciml derives from :class:`SciMLError`, so a
caller can catch all of them at once, and each subclass carries the facts a
user needs to act (the bad argument, the time a solver reached, ...).
"""

from __future__ import annotations

__all__ = [
    "SciMLError",
    "InputError",
    "SolverError",
    "DataFormatError",
    "ProblemDefinitionError",
    "ModelFileError",
    "DiscoveryWarning",
]


class SciMLError(Exception):
    """Base class of every error sciml raises deliberately."""


class InputError(SciMLError, ValueError):
    """A bad argument: names it, says what was expected and what was given.

    Also a :class:`ValueError`, so code written against torchdiffeq or numpy
    that catches ``ValueError`` keeps working.
    """

    def __init__(self, argument: str, expected: str, got: object | None = None, hint: str | None = None):
        self.argument = argument
        self.expected = expected
        self.got = got
        self.hint = hint
        message = f"{argument}: expected {expected}"
        if got is not None:
            message += f", got {got}"
        if hint:
            message += f". {hint}"
        super().__init__(message)


class SolverError(SciMLError, RuntimeError):
    """A solver could not go on: says why, the time reached and the step size."""

    def __init__(self, reason: str, t: float | None = None, step_size: float | None = None,
                 status: object | None = None, hint: str | None = None):
        self.reason = reason
        self.t = t
        self.step_size = step_size
        self.status = status
        self.hint = hint
        parts = [reason]
        if t is not None:
            parts.append(f"time reached t={t:.10g}")
        if step_size is not None:
            parts.append(f"step size h={step_size:.3g}")
        message = "; ".join(parts)
        if hint:
            message += f". {hint}"
        super().__init__(message)


class DataFormatError(SciMLError, ValueError):
    """A data file that is not a valid sciml data set (says which part is wrong)."""


class ProblemDefinitionError(SciMLError, ValueError):
    """A PDE/ODE problem definition that cannot be solved as written."""


class ModelFileError(SciMLError, ValueError):
    """A model file that is not a valid, safe sciml model file."""


class DiscoveryWarning(UserWarning):
    """A discovered model that should not be trusted as is: its verdict names the cause.

    Raised as a warning (not an error) because the model is still returned:
    the fit explains the data poorly, the empty model won, or the model does
    not stay bounded when simulated over its data's window.
    """
