"""The models on every device of this machine (CPU always, CUDA where there is one): outputs stay on the
device, gradients flow, and the results match the CPU ones."""

import torch
from torch import nn

from sciml.models import CNF, DEQ, HamiltonianNN, NeuralODE, Regularization

F64 = torch.float64


def _mlp(i, o, device):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(i, 16), nn.Tanh(), nn.Linear(16, o)).to(device, F64)


def test_neural_ode_and_cnf_on_the_device(device):
    x = torch.randn(8, 2, dtype=F64, generator=torch.Generator().manual_seed(1))
    out = {}
    for dev in ("cpu", device):
        node = NeuralODE(_mlp(2, 2, dev), sensitivity="adjoint", regularization=Regularization(kinetic=0.1))
        y = node(x.to(dev))
        assert y.device.type == torch.device(dev).type
        (y.sum() + node.penalties["kinetic"]).backward()
        cnf = CNF(_mlp(2, 2, dev), dim=2)
        out[str(dev)] = (y.detach().cpu(), cnf.log_prob(x.to(dev)).detach().cpu(), cnf.sample(3).device.type)
    (a, b, _), (c, d, kind) = out["cpu"], out[str(device)]
    torch.testing.assert_close(a, c, atol=1e-10, rtol=1e-8)
    torch.testing.assert_close(b, d, atol=1e-8, rtol=1e-7)
    assert kind == torch.device(device).type


def test_symplectic_hnn_and_deq_on_the_device(device):
    hnn = HamiltonianNN(kinetic=_mlp(1, 1, device), potential=_mlp(1, 1, device))
    xs = NeuralODE(hnn, solver="leapfrog", step_size=0.05).trajectory(torch.tensor([[1.0, 0.0]], dtype=F64,
                                                                                     device=device),
                                                                        torch.linspace(0, 5, 11, dtype=F64))
    assert xs.device.type == torch.device(device).type and xs.shape == (11, 1, 2)

    class Cell(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4).to(device, F64)

        def forward(self, z, x):
            return torch.tanh(0.5 * self.lin(z) + x)

    deq = DEQ(Cell())
    deq(torch.randn(3, 4, dtype=F64, device=device)).sum().backward()
    assert deq.stats["backward_iterations"] >= 1
