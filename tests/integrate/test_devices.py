"""The integrator on every device: the same solutions and gradients as on CPU (float64)."""

import pytest
import torch

from sciml.integrate import odeint, odeint_adjoint, solve_ivp


class Field(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))

    def forward(self, t, y):
        return self.net(y)


@pytest.mark.parametrize("method,options", [("dopri5", {}), ("tsit5", {}), ("rk4", {"step_size": 0.05})])
def test_solutions_and_gradients_match_cpu(device, method, options):
    out = {}
    for dev in {torch.device("cpu"), device}:
        f = Field().double().to(dev)
        y0 = torch.tensor([[1.0, 0.0], [0.5, -0.5]], dtype=torch.float64, device=dev, requires_grad=True)
        t = torch.linspace(0, 1, 5, dtype=torch.float64, device=dev)
        y = odeint(f, y0, t, method=method, rtol=1e-8, atol=1e-8, options=options)
        assert y.device.type == dev.type
        (g,) = torch.autograd.grad(y[-1].pow(2).sum(), y0)
        out[dev.type] = (y.detach().cpu(), g.cpu())
    torch.testing.assert_close(out[device.type][0], out["cpu"][0], rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(out[device.type][1], out["cpu"][1], rtol=1e-8, atol=1e-10)


def test_adjoint_and_independent_batches_stay_on_the_device(device):
    f = Field().double().to(device)
    y0 = torch.randn(4, 2, dtype=torch.float64, device=device, requires_grad=True)
    t = torch.linspace(0, 1, 3, dtype=torch.float64, device=device)
    y = odeint_adjoint(f, y0, t, rtol=1e-7, atol=1e-7)
    y[-1].sum().backward()
    assert y0.grad.device.type == device.type and torch.isfinite(y0.grad).all()
    sol = solve_ivp(lambda t, y: -y * torch.arange(1, 5, device=device, dtype=y.dtype)[:, None], (0.0, 1.0),
                    torch.ones(4, 1, dtype=torch.float64, device=device), batch="independent", rtol=1e-9, atol=1e-9)
    expected = torch.exp(-torch.arange(1, 5, dtype=torch.float64))[:, None]
    assert sol.ys.device.type == device.type
    torch.testing.assert_close(sol.ys[-1].cpu(), expected, rtol=1e-6, atol=1e-8)
