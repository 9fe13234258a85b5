"""method="scipy_solver": scipy's solvers behind sciml's interface (no gradients except by the adjoint)."""

import pytest
import torch

from sciml.errors import InputError
from sciml.integrate import odeint, odeint_adjoint, solve_ivp
from sciml.integrate.scipy_solver import SCIPY_SOLVERS, ScipySolver

from .problems import oscillator, oscillator_exact

F64 = torch.float64


@pytest.mark.parametrize("solver", SCIPY_SOLVERS)
@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_accuracy_dtype_and_direction(solver, dtype):
    t = torch.linspace(2.0, 0.0, 6, dtype=F64)  # backwards
    y0 = oscillator_exact(t[0]).to(dtype)
    ys = odeint(oscillator, y0, t, method="scipy_solver", options={"solver": solver}, rtol=1e-8, atol=1e-10)
    assert ys.dtype == dtype and ys.shape == (6, 2) and not ys.requires_grad
    tol = 1e-5 if dtype == torch.float32 else (2e-5 if solver in ("RK23", "BDF", "LSODA") else 1e-6)
    torch.testing.assert_close(ys.double(), oscillator_exact(t), rtol=0, atol=tol)


def test_direct_mode_warns_that_there_is_no_gradient():
    y0 = torch.tensor([1.0, 0.0], dtype=F64, requires_grad=True)
    with pytest.warns(UserWarning, match="no gradients"):
        ys = odeint(oscillator, y0, torch.tensor([0.0, 1.0], dtype=F64), method="scipy_solver")
    assert not ys.requires_grad


def test_gradients_come_from_the_adjoint():
    A = torch.nn.Parameter(torch.tensor([[-0.1, 2.0], [-2.0, -0.1]], dtype=F64))
    y0 = torch.tensor([2.0, 0.0], dtype=F64, requires_grad=True)
    t = torch.linspace(0.0, 2.0, 5, dtype=F64)
    grads = []
    for method, options in (("scipy_solver", {"solver": "DOP853"}), ("dopri5", None)):
        ys = odeint_adjoint(lambda t, y: A @ y, y0, t, method=method, options=options, adjoint_params=(A,),
                            rtol=1e-10, atol=1e-10)
        ys.sum().backward()
        grads.append((y0.grad.clone(), A.grad.clone()))
        y0.grad = A.grad = None
    for ours, ref in zip(*grads):
        torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-8)


def test_max_steps_jump_t_and_unsupported_modes():
    y0 = torch.tensor([1.0, 0.0], dtype=F64)
    with pytest.raises(Exception, match="maximum number of steps"):
        solve_ivp(oscillator, (0.0, 10.0), y0, method=ScipySolver("RK45"), max_steps=5)
    seen = []

    def jumpy(t, y):
        seen.append(t.item())
        return -y if t < 0.5 else y

    sol = solve_ivp(jumpy, (0.0, 1.0), y0, method="scipy_solver", jump_t=[0.5], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(sol.ys[-1], y0, rtol=0, atol=1e-8)  # scipy restarted at the jump
    for kwargs in ({"dense": True}, {"events": lambda t, y: y[0]}, {"gradient": "checkpoint", "adjoint_params": ()},
                   {"batch": "independent"}):
        with pytest.raises(InputError):
            solve_ivp(oscillator, (0.0, 1.0), y0[None] if "batch" in kwargs else y0, method="scipy_solver",
                      **kwargs)
    with pytest.warns(UserWarning, match="no minimum step"):
        solve_ivp(oscillator, (0.0, 1.0), y0, method=ScipySolver("RK45"), min_step=0.01)
