"""One rank of the multi-process tests (run as a script with torchrun's environment variables), and the
same runs for one process (imported by the tests): a PINN and a neural-ODE fit with the same global batch."""

from __future__ import annotations

import json
import os
import sys
import time

import sympy as sp
import torch

from sciml import pde, pinn, train
from sciml.integrate import odeint


def pinn_run(**kw):
    x = sp.Symbol("x")
    u = sp.Function("u")(x)
    problem = pde.Problem([sp.Eq(-u.diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x))], pde.Interval(x, -1, 1),
                          [pde.Dirichlet(u, 0, on="boundary")])
    options = {"network": {"hidden": [12]}, "points": {"domain": 48, "boundary": 6}, "iterations": 40, "lbfgs": 15,
               "derivatives": "autograd", "progress": False, "log_every": 5, **kw}
    result = pinn.solve(problem, **options)
    return {"loss": result.history["loss"], "iteration": result.history["iteration"],
            "weights": [float(p.detach().sum()) for p in result.network.parameters()]}


class Field(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))

    def forward(self, t, y):
        return self.net(y)


def node_run(callbacks=()):
    """Fit a neural ODE to rotations of 32 initial points (batches of 8 trajectories, fixed-step RK4)."""
    torch.manual_seed(0)
    t = torch.linspace(0, 1, 6, dtype=torch.float64)
    y0 = torch.randn(32, 2, dtype=torch.float64)
    c, s = torch.cos(t), torch.sin(t)
    target = torch.stack([c[:, None] * y0[:, 0] - s[:, None] * y0[:, 1],
                          s[:, None] * y0[:, 0] + c[:, None] * y0[:, 1]], -1).transpose(0, 1)  # (32, 6, 2)
    field = Field().double()

    def loss(batch):
        y0b, yb = batch
        pred = odeint(field, y0b, t, method="rk4", options={"step_size": 0.25}).transpose(0, 1)
        return torch.mean((pred - yb) ** 2)

    result = train.train(field, loss, data=train.Batches(y0, target, batch_size=8, seed=1),
                         phases=[train.Adam(12, lr=1e-2), train.LBFGS(4, chunk=2)], log_every=1, progress=False,
                         callbacks=list(callbacks))
    return {"loss": result.history["loss"], "weights": [float(p.detach().sum()) for p in field.parameters()]}


class _Misbehave(train.Callback):
    def __init__(self, mode):
        self.mode = mode

    def on_step_end(self, trainer):
        if trainer.context.rank == 1 and trainer.iteration == 3:
            if self.mode == "die":
                os._exit(3)
            time.sleep(60)


if __name__ == "__main__":
    torch.set_num_threads(1)
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "curves":
        record = {"pinn": pinn_run(), "node": node_run()}
        with open(f"{out}.{os.environ['RANK']}", "w") as fh:
            json.dump(record, fh)
    else:
        start = time.monotonic()
        try:
            node_run(callbacks=[_Misbehave(mode)])
            print("finished without error")
        except train.distributed.DistributedError as exc:
            print(f"DistributedError after {time.monotonic() - start:.1f} s: {exc}")
            sys.exit(5)
