"""Neural CDE and delay-equation speed, side by side with torchcde (and a method-of-steps reference) in one process.

Cases (CPU, medians of --repeats interleaved runs after a warm-up):
1. Neural CDE on irregular spirals (torchcde's example model): batch 256, 100 observations per
   series at its own random times, time as a channel, 10% of the values missing, Hermite cubic
   coefficients with backward differences, hidden 32 (field MLP 32-128-96), dopri5 at torchcde's
   default rtol 1e-4 / atol 1e-6, float32. Forward + backward of a BCE loss: torchcde 0.2.5 and sciml,
   adjoint (both libraries' default) and backpropagation; sciml's checkpoint; all again with the knots as
   ``options['jump_t']``. Gradient error against a tight checkpointed solve.
2. Mackey–Glass (β=0.2, γ=0.1, n=10, τ=17, history 0.5) on [0, 50]: solve time and max error of
   ``sciml.ddeint`` against a method-of-steps scipy DOP853 solve at rtol 1e-12; the attractor's mean
   and variance over [100, 1000].

Prints a table and one JSON line. Run on an otherwise idle machine:
    python benchmarks/cde_dde.py [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from ode_speed import interleaved_medians, machine  # noqa: E402

import sciml.compat.torchcde as sciml_cde  # noqa: E402

try:
    import torchcde
except ImportError:  # pragma: no cover
    torchcde = None


def irregular_spirals(batch: int, length: int, missing: float, seed: int = 0):
    """Clockwise and anticlockwise decaying spirals, each observed at its own sorted random times."""
    g = torch.Generator().manual_seed(seed)
    t = (torch.rand(batch, length, generator=g).sort(dim=1).values * 4 * math.pi)
    start = torch.rand(batch, 1, generator=g) * 2 * math.pi
    x = torch.cos(start + t) / (1 + 0.5 * t)
    y = torch.sin(start + t) / (1 + 0.5 * t)
    x[: batch // 2] *= -1
    data = torch.stack([t, x + 0.01 * torch.randn(x.shape, generator=g), y + 0.01 * torch.randn(y.shape, generator=g)],
                       dim=-1)
    data[..., 1:][torch.rand(batch, length, 2, generator=g) < missing] = float("nan")
    labels = torch.zeros(batch)
    labels[: batch // 2] = 1
    return data, labels


class CDEFunc(torch.nn.Module):
    """torchcde's example vector field: hidden → 128 → hidden·input, tanh."""

    def __init__(self, input_channels: int, hidden: int, width: int = 128):
        super().__init__()
        self.input_channels, self.hidden = input_channels, hidden
        self.linear1 = torch.nn.Linear(hidden, width)
        self.linear2 = torch.nn.Linear(width, input_channels * hidden)
        self.calls = 0

    def forward(self, t, z):
        self.calls += 1
        return self.linear2(self.linear1(z).relu()).tanh().view(*z.shape[:-1], self.hidden, self.input_channels)


class NeuralCDE(torch.nn.Module):
    def __init__(self, input_channels: int, hidden: int):
        super().__init__()
        torch.manual_seed(1)
        self.func = CDEFunc(input_channels, hidden)
        self.initial = torch.nn.Linear(input_channels, hidden)
        self.readout = torch.nn.Linear(hidden, 1)

    def forward(self, lib, coeffs, jump: bool = False, **kwargs):
        X = lib.CubicSpline(coeffs)
        z0 = self.initial(X.evaluate(X.interval[0]))
        if jump:
            kwargs["options"] = dict(jump_t=X.grid_points)
        z = lib.cdeint(X=X, func=self.func, z0=z0, t=X.interval, **kwargs)
        return self.readout(z[:, -1]).squeeze(-1)


def neural_cde_case(repeats: int, batch: int = 256, length: int = 100) -> dict:
    data, labels = irregular_spirals(batch, length, missing=0.1)
    start = time.perf_counter()
    coeffs = sciml_cde.hermite_cubic_coefficients_with_backward_differences(data)
    coeff_ms = {"sciml": 1e3 * (time.perf_counter() - start)}
    if torchcde is not None:
        start = time.perf_counter()
        ref_coeffs = torchcde.hermite_cubic_coefficients_with_backward_differences(data)
        coeff_ms["torchcde"] = 1e3 * (time.perf_counter() - start)
        coeff_diff = float((ref_coeffs - coeffs).abs().max())
    model = NeuralCDE(3, 32)
    params = list(model.parameters())

    def grads(lib, **kwargs):
        model.func.calls = 0
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(lib, coeffs, **kwargs), labels)
        g = torch.autograd.grad(loss, params)
        return float(loss.detach()), torch.cat([x.reshape(-1) for x in g]), model.func.calls

    _, reference, _ = grads(sciml_cde, gradient="checkpoint", rtol=1e-7, atol=1e-9)
    configs = {"sciml adjoint": (sciml_cde, {}), "sciml direct": (sciml_cde, {"adjoint": False}),
               "sciml checkpoint": (sciml_cde, {"gradient": "checkpoint"})}
    if torchcde is not None:
        configs = {"torchcde adjoint": (torchcde, {}), "torchcde direct": (torchcde, {"adjoint": False}), **configs}
    # the knots as jump times: both libraries take torchdiffeq's options['jump_t']
    configs.update({f"{name} jump_t": (lib, {**kw, "jump": True}) for name, (lib, kw) in list(configs.items())})
    rows = {}
    for name, (lib, kw) in configs.items():
        loss, g, calls = grads(lib, **kw)
        rows[name] = {"loss": loss, "nfe": calls, "grad_error": float((g - reference).norm() / reference.norm())}
    runs = {name: (lambda lib=lib, kw=kw: grads(lib, **kw)) for name, (lib, kw) in configs.items()}
    times = interleaved_medians(runs, repeats)
    for name, seconds in times.items():
        rows[name]["ms"] = 1e3 * seconds
    ratios = {}
    for mode in ("adjoint", "direct", "adjoint jump_t", "direct jump_t"):
        ours, theirs = rows.get(f"sciml {mode}"), rows.get(f"torchcde {mode}")
        if ours and theirs:
            ratios[mode] = ours["ms"] / theirs["ms"]
    if "torchcde adjoint" in rows:
        ratios["best sciml / torchcde default"] = min(r["ms"] for n, r in rows.items() if n.startswith("sciml")) / \
            rows["torchcde adjoint"]["ms"]
    out = {"rows": rows, "ratios": ratios, "coefficients_ms": coeff_ms}
    if torchcde is not None:
        out["coefficients_max_difference"] = coeff_diff
    return out


def mackey_glass_case(repeats: int, rtol: float = 1e-8) -> dict:
    import numpy as np

    from sciml.integrate.dde import solve_dde
    from sciml.integrate.dde.problems import mackey_glass, mackey_glass_numpy, method_of_steps_reference

    history = torch.tensor([0.5], dtype=torch.float64)
    t = torch.linspace(0, 1000, 10001, dtype=torch.float64)
    times = t.numpy()

    def ours():
        return solve_dde(mackey_glass(), history, t, 17.0, method="dopri5", rtol=rtol, atol=rtol)

    def scipy_rk45():  # the same Dormand–Prince 5(4) pair, interval by interval
        return method_of_steps_reference(mackey_glass_numpy(), lambda s: np.array([0.5]), 17.0, 0.0, 1000.0,
                                         rtol=rtol, atol=rtol, method="RK45")

    reference = method_of_steps_reference(mackey_glass_numpy(), lambda s: np.array([0.5]), 17.0, 0.0, 1000.0)
    y_ref = reference(times)[:, 0]
    sol = ours()
    y = sol.ys[:, 0].numpy()
    y_scipy = scipy_rk45()(times)[:, 0]
    early, late = times <= 50, times >= 100
    timing = interleaved_medians({"sciml dopri5": ours, "scipy RK45 method of steps": scipy_rk45}, repeats)

    def summary(values):
        return {"max_error_0_50": float(np.abs(values[early] - y_ref[early]).max()),
                "max_error_0_1000": float(np.abs(values - y_ref).max()),
                "mean_100_1000": float(values[late].mean()), "var_100_1000": float(values[late].var())}

    return {"rtol": rtol, "reference": "scipy DOP853 method of steps, rtol = atol = 1e-12",
            "reference_mean": float(y_ref[late].mean()), "reference_var": float(y_ref[late].var()),
            "rows": {"sciml dopri5": {"ms": 1e3 * timing["sciml dopri5"], **summary(y), **sol.stats},
                     "scipy RK45 method of steps": {"ms": 1e3 * timing["scipy RK45 method of steps"],
                                                    **summary(y_scipy)}}}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--skip-cde", action="store_true", help="only the delay-equation case")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"benchmark": "cde_dde", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "versions": {"torchcde": getattr(torchcde, "__version__", None)}}
    if not args.skip_cde:
        result["neural_cde"] = neural_cde_case(args.repeats, batch=args.batch)
    result["mackey_glass"] = mackey_glass_case(args.repeats)
    print(f"machine: {result['machine']}")
    if "neural_cde" in result:
        print(f"{'neural CDE (forward + backward)':<34} {'ms':>9} {'NFE':>6} {'loss':>9} {'grad error':>11}")
        for name, row in result["neural_cde"]["rows"].items():
            print(f"{name:<34} {row['ms']:9.1f} {row['nfe']:6d} {row['loss']:9.5f} {row['grad_error']:11.2e}")
        for mode, ratio in result["neural_cde"]["ratios"].items():
            print(f"  ratio sciml/torchcde {mode}: {ratio:.3f}")
        print(f"  coefficients (ms): {result['neural_cde']['coefficients_ms']}")
    mg = result["mackey_glass"]
    print(f"Mackey-Glass on [0, 1000], rtol = atol = {mg['rtol']:g}; reference {mg['reference']}: mean "
          f"{mg['reference_mean']:.6f}, variance {mg['reference_var']:.6f} over [100, 1000]")
    print(f"{'solver':<28} {'ms':>9} {'err [0,50]':>11} {'err [0,1000]':>13} {'mean':>10} {'variance':>10}")
    for name, row in mg["rows"].items():
        print(f"{name:<28} {row['ms']:9.1f} {row['max_error_0_50']:11.2e} {row['max_error_0_1000']:13.2e} "
              f"{row['mean_100_1000']:10.6f} {row['var_100_1000']:10.6f}")
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
