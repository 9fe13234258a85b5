"""A small torchdiffeq-style training script (our own), used to check the drop-in promise.

The test swaps the import line below for ``from sciml import odeint, odeint_adjoint``
and nothing else, runs both versions and compares what they print.
"""

import json
import sys

import torch
import torch.nn as nn
from torchdiffeq import odeint, odeint_adjoint

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

true_A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])


class Lambda(nn.Module):
    def forward(self, t, y):
        return torch.mm(y**3, true_A)


class ODEFunc(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
        for m in self.net.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0, std=0.1)
                nn.init.constant_(m.bias, val=0)

    def forward(self, t, y):
        return self.net(y**3)


def main(adjoint: bool) -> dict:
    torch.manual_seed(0)
    solve = odeint_adjoint if adjoint else odeint
    true_y0 = torch.tensor([[2.0, 0.0]])
    t = torch.linspace(0.0, 2.0, 40)
    with torch.no_grad():
        true_y = odeint(Lambda(), true_y0, t, method="dopri5", rtol=1e-9, atol=1e-9)
    func = ODEFunc()
    optimizer = torch.optim.RMSprop(func.parameters(), lr=1e-3)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        pred_y = solve(func, true_y0, t, rtol=1e-9, atol=1e-9)
        loss = torch.mean(torch.abs(pred_y - true_y))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    # tuple state, backwards time, a fixed-step method with step_size, options
    def oscillator(t, state):
        x, v = state
        return v, -x

    ts = torch.linspace(3.0, 0.0, 7)
    xs, vs = odeint(oscillator, (torch.tensor([1.0]), torch.tensor([0.0])), ts, method="midpoint",
                    options=dict(step_size=1e-3))
    mid = odeint(Lambda(), true_y0, torch.tensor([0.0, 0.5, 1.0]), method="bosh3", rtol=1e-9, atol=1e-9)
    return {"losses": losses, "x": xs[:, 0].tolist(), "v": vs[:, 0].tolist(), "bosh3": mid.flatten().tolist(),
            "true_y_end": true_y[-1].flatten().tolist()}


if __name__ == "__main__":
    print(json.dumps({"direct": main(False), "adjoint": main(len(sys.argv) > 1)}))
