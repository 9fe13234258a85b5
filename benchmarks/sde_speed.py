"""SDE solver speed and accuracy, side by side with torchsde in one process.

Cases (CPU, median of --repeats runs after a warm-up, libraries interleaved):
1. Geometric Brownian motion dX = 2X dt + X dW (Itô), X0 = 1, batch 1024, dim 1, dt = 1e-3, t in [0, 1],
   float64: forward time (no graph) with Euler–Maruyama and Milstein, each library drawing its own
   Brownian motion as sdeint does by default; forward+backward with sdeint_adjoint (default adjoint
   method: Milstein) for the gradient of sum(X_1) with respect to (mu, sigma); and the strong error
   mean |X_N - X0 exp((mu - sigma²/2) + sigma W_1)| of both libraries on the same Brownian path
   (both read the same precomputed grid increments).
2. Neural SDE: MLP drift and diagonal diffusion 4-64-4 (tanh; sigmoid on the diffusion), batch 256,
   Stratonovich, reversible Heun, dt = 0.01, t in [0, 1], float32: forward+backward through
   sdeint_adjoint with adjoint_method='adjoint_reversible_heun' (and our sdeint backprop for reference).

Prints a table and one JSON line. Run on an otherwise idle machine:
    python benchmarks/sde_speed.py [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch
from ode_speed import interleaved_medians, machine

import sciml.compat.torchsde as ours

try:
    import torchsde
except ImportError:  # pragma: no cover
    torchsde = None


class GBM(torch.nn.Module):
    noise_type = "diagonal"
    sde_type = "ito"

    def __init__(self, mu=2.0, sigma=1.0):
        super().__init__()
        self.mu = torch.nn.Parameter(torch.tensor(mu, dtype=torch.float64))
        self.sigma = torch.nn.Parameter(torch.tensor(sigma, dtype=torch.float64))

    def f(self, t, y):
        return self.mu * y

    def g(self, t, y):
        return self.sigma * y


class NeuralSDE(torch.nn.Module):
    noise_type = "diagonal"
    sde_type = "stratonovich"

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.drift = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Tanh(), torch.nn.Linear(64, 4))
        self.diffusion = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Tanh(), torch.nn.Linear(64, 4),
                                             torch.nn.Sigmoid())

    def f(self, t, y):
        return self.drift(y)

    def g(self, t, y):
        return self.diffusion(y)


class GridBrownian:
    """Precomputed increments on the grid t0 + k·dt; answers torchsde's (ta, tb) queries on that grid."""

    levy_area_approximation = "none"

    def __init__(self, increments, t0, dt):
        self.W = increments  # (n, batch, m)
        self.cumulative = torch.cat([torch.zeros_like(increments[:1]), increments.cumsum(0)])
        self.t0, self.dt = t0, dt
        self.shape, self.dtype, self.device = tuple(increments.shape[1:]), increments.dtype, increments.device

    def _index(self, t):
        return int(round((float(t) - self.t0) / self.dt))

    def __call__(self, ta, tb=None, return_U=False, return_A=False):
        return self.cumulative[self._index(tb)] - self.cumulative[self._index(ta)]

    def size(self):
        return self.shape

    def __repr__(self):
        return "GridBrownian()"


def gbm_case(repeats: int) -> dict:
    sde = GBM()
    B, dt = 1024, 1e-3
    y0 = torch.ones(B, 1, dtype=torch.float64)
    ts = torch.tensor([0.0, 1.0], dtype=torch.float64)
    libs = {"sciml": ours}
    if torchsde is not None:
        libs["torchsde"] = torchsde

    def forward(lib, method):
        with torch.no_grad():
            return lib.sdeint(sde, y0, ts, method=method, dt=dt)

    def adjoint(lib, method):
        sde.zero_grad()
        lib.sdeint_adjoint(sde, y0, ts, method=method, dt=dt)[-1].sum().backward()

    runs = {}
    for mode in ("forward", "adjoint"):
        for method in ("euler", "milstein"):
            for name, lib in libs.items():
                fn = forward if mode == "forward" else adjoint
                runs[(name, method, mode)] = lambda f=fn, lib=lib, m=method: f(lib, m)
    med = interleaved_medians(runs, repeats)

    g = torch.Generator().manual_seed(7)
    n = round(1.0 / dt)
    increments = torch.randn(n, B, 1, generator=g, dtype=torch.float64) * math.sqrt(dt)
    W1 = increments.sum(0)
    with torch.no_grad():
        exact = y0 * torch.exp((sde.mu - 0.5 * sde.sigma ** 2) + sde.sigma * W1)
    errors, grads = {}, {}
    for name, lib in libs.items():
        for method in ("euler", "milstein"):
            with torch.no_grad():
                ys = lib.sdeint(sde, y0, ts, bm=GridBrownian(increments, 0.0, dt), method=method, dt=dt)
            errors[(name, method)] = float((ys[-1] - exact).abs().mean())
            sde.zero_grad()
            lib.sdeint_adjoint(sde, y0, ts, bm=GridBrownian(increments, 0.0, dt), method=method,
                               dt=dt)[-1].sum().backward()
            grads[(name, method)] = (float(sde.mu.grad), float(sde.sigma.grad))
    exact_grad = (float(exact.sum()), float(((W1 - sde.sigma.detach()) * exact).sum()))
    rows = []
    for (name, method, mode), seconds in med.items():
        row = {"case": "gbm", "library": name, "method": method, "mode": mode, "s": seconds}
        if mode == "forward":
            row["strong_error"] = errors[(name, method)]
        else:
            gm, gs = grads[(name, method)]
            row["grad_rel_error"] = max(abs(gm - exact_grad[0]) / abs(exact_grad[0]),
                                        abs(gs - exact_grad[1]) / abs(exact_grad[1]))
        rows.append(row)
    ratios = {f"{method}_{mode}": med[("sciml", method, mode)] / med[("torchsde", method, mode)]
              for method in ("euler", "milstein") for mode in ("forward", "adjoint") if torchsde is not None}
    return {"rows": rows, "ratios": ratios}


def neural_case(repeats: int) -> dict:
    sde = NeuralSDE()
    torch.manual_seed(2)
    y0 = torch.randn(256, 4)
    ts = torch.tensor([0.0, 1.0])
    kw = dict(method="reversible_heun", dt=0.01)

    def adjoint(lib):
        sde.zero_grad()
        lib.sdeint_adjoint(sde, y0, ts, adjoint_method="adjoint_reversible_heun", **kw)[-1].pow(2).sum().backward()

    def backprop():
        sde.zero_grad()
        ours.sdeint(sde, y0, ts, **kw)[-1].pow(2).sum().backward()

    runs = {("sciml", "adjoint"): lambda: adjoint(ours), ("sciml", "backprop"): backprop}
    if torchsde is not None:
        runs[("torchsde", "adjoint")] = lambda: adjoint(torchsde)
    med = interleaved_medians(runs, repeats)
    rows = [{"case": "neural_sde", "library": name, "mode": mode, "s": s} for (name, mode), s in med.items()]
    ratio = med[("sciml", "adjoint")] / med[("torchsde", "adjoint")] if torchsde is not None else None
    return {"rows": rows, "ratio_adjoint": ratio}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"benchmark": "sde_speed", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "versions": {"torchsde": getattr(torchsde, "__version__", None)}}
    result["gbm"] = gbm_case(args.repeats)
    result["neural_sde"] = neural_case(args.repeats)
    print(f"machine: {result['machine']}")
    print(f"{'case':<11} {'library':<9} {'method':<16} {'mode':<9} {'seconds':>8} {'error':>10}")
    for row in result["gbm"]["rows"]:
        err = row.get("strong_error", row.get("grad_rel_error"))
        print(f"{'gbm':<11} {row['library']:<9} {row['method']:<16} {row['mode']:<9} {row['s']:8.3f} {err:10.2e}")
    for key, ratio in result["gbm"]["ratios"].items():
        print(f"  ratio sciml/torchsde {key}: {ratio:.3f}")
    for row in result["neural_sde"]["rows"]:
        print(f"{'neural_sde':<11} {row['library']:<9} {'reversible_heun':<16} {row['mode']:<9} {row['s']:8.3f}")
    if result["neural_sde"]["ratio_adjoint"] is not None:
        print(f"  ratio sciml/torchsde neural SDE adjoint: {result['neural_sde']['ratio_adjoint']:.3f}")
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
