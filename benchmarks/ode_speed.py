"""ODE integrator speed, side by side with torchdiffeq (and torchode) in one process.

Cases (float32, CPU, median of --repeats runs after a warm-up, libraries interleaved):
1. Neural ODE: MLP 2-64-64-2 tanh (default init, seed 1), batch 256, t in [0, 10], dopri5,
   rtol = atol = 1e-5: forward; forward+backward by backpropagation; forward+backward by adjoint.
2. Per-step overhead: dy/dt = -y, batch 1, dim 2, dopri5, rtol = atol = 1e-8, t in [0, 10].
3. Independent batch: 256 Van der Pol oscillators, mu uniform in [0.5, 5], tsit5, rtol = atol = 1e-6,
   t in [0, 10]: per-system steps vs one joint step size; time vs torchode.

Prints a table and one JSON line. Run on an otherwise idle machine:
    python benchmarks/ode_speed.py [--repeats 7] [--threads 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time

import torch

from sciml.integrate import odeint, odeint_adjoint, solve_ivp

try:
    import torchdiffeq
except ImportError:  # pragma: no cover
    torchdiffeq = None
try:
    import torchode
except ImportError:  # pragma: no cover
    torchode = None


class Counted(torch.nn.Module):
    """Counts calls of the wrapped vector field."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = 0

    def forward(self, t, y):
        self.calls += 1
        return self.inner(t, y)


class MLPField(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64),
                                       torch.nn.Tanh(), torch.nn.Linear(64, 2))

    def forward(self, t, y):
        return self.net(y)


def interleaved_medians(runs: dict, repeats: int) -> dict:
    """Median wall time of each callable, calling them in turn so that drift hits all alike.

    As ``timeit`` does, garbage is collected before and the collector is off during each timed call;
    the order is reversed on every other round so that no library always follows the same one
    (what ran just before changes allocator and cache state, measured at up to 25% here).
    """
    for fn in runs.values():
        fn()  # warm-up
    times = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                runs[name]()
                times[name].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return {name: statistics.median(v) for name, v in times.items()}


def neural_ode_case(repeats: int) -> dict:
    field = Counted(MLPField())
    torch.manual_seed(2)
    y0 = torch.randn(256, 2)
    t = torch.tensor([0.0, 10.0])
    kw = dict(rtol=1e-5, atol=1e-5, method="dopri5")
    libs = {"sciml": (odeint, odeint_adjoint)}
    if torchdiffeq is not None:
        libs["torchdiffeq"] = (torchdiffeq.odeint, torchdiffeq.odeint_adjoint)

    with torch.no_grad():  # a tight float64 reference for accuracy
        ref_field = MLPField().double()
        ref = odeint(ref_field, y0.double(), t.double(), rtol=1e-11, atol=1e-11, method="dopri8")[-1]

    def forward(solve):
        with torch.no_grad():
            return solve(field, y0, t, **kw)

    def backward(solve):
        y = y0.clone().requires_grad_(True)
        solve(field, y, t, **kw)[-1].pow(2).sum().backward()

    runs, nfe, err = {}, {}, {}
    for name, (plain, adjoint) in libs.items():
        field.calls = 0
        out = forward(plain)
        nfe[(name, "forward")] = field.calls
        err[name] = float((out[-1].double() - ref).abs().max())
        for mode, solve in (("backprop", plain), ("adjoint", adjoint)):
            field.calls = 0
            backward(solve)
            nfe[(name, mode)] = field.calls
        runs[(name, "forward")] = lambda p=plain: forward(p)
        runs[(name, "backprop")] = lambda p=plain: backward(p)
        runs[(name, "adjoint")] = lambda a=adjoint: backward(a)
    if torchode is not None:
        runs.update(_torchode_neural_runs(field, y0, t, nfe, err, ref))
    by_mode = {key: runs[key] for mode in ("forward", "backprop", "adjoint") for key in runs if key[1] == mode}
    med = interleaved_medians(by_mode, repeats)
    rows = []
    for (name, mode), seconds in med.items():
        rows.append({"case": "neural_ode", "library": name, "mode": mode, "ms": 1e3 * seconds,
                     "nfe": nfe.get((name, mode)), "max_error": err.get(name) if mode == "forward" else None})
    return {"rows": rows, "ratios": {
        mode: med[("sciml", mode)] / med[("torchdiffeq", mode)] for mode in ("forward", "backprop", "adjoint")
        if ("torchdiffeq", mode) in med}, "nfe_ratio_forward":
        nfe[("sciml", "forward")] / nfe[("torchdiffeq", "forward")] if ("torchdiffeq", "forward") in nfe else None}


def _torchode_neural_runs(field, y0, t, nfe, err, ref):
    term = torchode.ODETerm(field)
    method = torchode.Dopri5(term=term)
    controller = torchode.IntegralController(atol=1e-5, rtol=1e-5, term=term)
    t_eval = t[None].expand(y0.shape[0], -1)
    direct = torchode.AutoDiffAdjoint(method, controller)
    adjoint = torchode.BacksolveAdjoint(term, method, controller)

    def forward():
        with torch.no_grad():
            return direct.solve(torchode.InitialValueProblem(y0=y0, t_eval=t_eval))

    def backward(solver):
        y = y0.clone().requires_grad_(True)
        solver.solve(torchode.InitialValueProblem(y0=y, t_eval=t_eval)).ys[:, -1].pow(2).sum().backward()

    field.calls = 0
    sol = forward()
    nfe[("torchode", "forward")] = field.calls
    err["torchode"] = float((sol.ys[:, -1].double() - ref).abs().max())
    runs = {("torchode", "forward"): forward, ("torchode", "backprop"): lambda: backward(direct)}
    field.calls = 0
    backward(direct)
    nfe[("torchode", "backprop")] = field.calls
    try:
        field.calls = 0
        backward(adjoint)
        nfe[("torchode", "adjoint")] = field.calls
        runs[("torchode", "adjoint")] = lambda: backward(adjoint)
    except Exception as exc:  # noqa: BLE001 - report, do not hide, an anchor that fails
        print(f"torchode adjoint failed: {exc}")
    return runs


def overhead_case(repeats: int) -> dict:
    def decay(t, y):
        return -y

    y0 = torch.tensor([1.0, 2.0])
    t = torch.tensor([0.0, 10.0])
    kw = dict(rtol=1e-8, atol=1e-8, method="dopri5")
    steps = {"sciml": solve_ivp(decay, (0.0, 10.0), y0, t_eval=t, **kw).stats["n_steps"]}
    runs = {"sciml": lambda: odeint(decay, y0, t, **kw)}
    if torchdiffeq is not None:
        runs["torchdiffeq"] = lambda: torchdiffeq.odeint(decay, y0, t, **kw)
        calls = Counted(lambda t, y: -y)
        torchdiffeq.odeint(calls, y0, t, **kw)
        steps["torchdiffeq"] = (calls.calls - 2) / 6  # FSAL: six evaluations a step, two to start
    med = interleaved_medians(runs, max(repeats, 20))
    rows = [{"case": "per_step", "library": name, "us_per_step": 1e6 * med[name] / steps[name],
             "steps": steps[name], "ms": 1e3 * med[name]} for name in runs]
    ratio = None
    if "torchdiffeq" in med:
        ratio = (med["sciml"] / steps["sciml"]) / (med["torchdiffeq"] / steps["torchdiffeq"])
    return {"rows": rows, "ratio_per_step": ratio}


def batch_case(repeats: int) -> dict:
    g = torch.Generator().manual_seed(3)
    mu = 0.5 + 4.5 * torch.rand(256, generator=g)
    y0 = torch.tensor([2.0, 0.0]).repeat(256, 1)

    def vdp(t, y):
        x, v = y[:, 0], y[:, 1]
        return torch.stack([v, mu * (1 - x * x) * v - x], dim=1)

    kw = dict(rtol=1e-6, atol=1e-6, method="tsit5", t_eval=torch.tensor([0.0, 10.0]))
    joint = solve_ivp(vdp, (0.0, 10.0), y0, **kw)
    indep = solve_ivp(vdp, (0.0, 10.0), y0, batch="independent", **kw)
    runs = {"sciml_independent": lambda: solve_ivp(vdp, (0.0, 10.0), y0, batch="independent", **kw),
            "sciml_joint": lambda: solve_ivp(vdp, (0.0, 10.0), y0, **kw)}
    out = {"joint_steps": joint.stats["n_steps"],
           "independent_mean_steps": float(indep.stats["n_steps"].float().mean()),
           "independent_max_steps": int(indep.stats["n_steps"].max())}
    if torchode is not None:
        term = torchode.ODETerm(vdp)
        method = torchode.Tsit5(term=term)
        controller = torchode.IntegralController(atol=1e-6, rtol=1e-6, term=term)
        solver = torchode.AutoDiffAdjoint(method, controller)
        problem = torchode.InitialValueProblem(y0=y0, t_eval=torch.tensor([[0.0, 10.0]]).expand(256, -1))
        sol = solver.solve(problem)
        out["torchode_mean_steps"] = float(sol.stats["n_steps"].float().mean())
        out["max_diff_vs_torchode"] = float((sol.ys[:, -1] - indep.ys[-1]).abs().max())

        def run_torchode():
            with torch.no_grad():
                solver.solve(problem)

        runs["torchode"] = run_torchode
    med = interleaved_medians(runs, repeats)
    out["ms"] = {name: 1e3 * v for name, v in med.items()}
    out["steps_ratio"] = out["independent_mean_steps"] / out["joint_steps"]
    if "torchode" in med:
        out["time_ratio_vs_torchode"] = med["sciml_independent"] / med["torchode"]
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} thread(s)"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"benchmark": "ode_speed", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "versions": {"torchdiffeq": getattr(torchdiffeq, "__version__", None),
                           "torchode": getattr(torchode, "__version__", None)}}
    result["neural_ode"] = neural_ode_case(args.repeats)
    result["per_step"] = overhead_case(args.repeats)
    result["batch"] = batch_case(args.repeats)

    print(f"machine: {result['machine']}")
    print(f"{'case':<11} {'library':<12} {'mode':<9} {'ms':>9} {'NFE':>5} {'max error':>10}")
    for row in result["neural_ode"]["rows"]:
        error = f"{row['max_error']:.2e}" if row["max_error"] is not None else ""
        print(f"{'neural_ode':<11} {row['library']:<12} {row['mode']:<9} {row['ms']:9.2f} {row['nfe'] or '':>5} "
              f"{error:>10}")
    for mode, ratio in result["neural_ode"]["ratios"].items():
        print(f"  ratio sciml/torchdiffeq {mode}: {ratio:.3f}")
    for row in result["per_step"]["rows"]:
        print(f"{'per_step':<11} {row['library']:<12} {'':<9} {row['ms']:9.3f} steps={row['steps']:.0f} "
              f"{row['us_per_step']:.1f} us/step")
    if result["per_step"]["ratio_per_step"] is not None:
        print(f"  ratio sciml/torchdiffeq per step: {result['per_step']['ratio_per_step']:.3f}")
    b = result["batch"]
    print(f"batch: joint steps {b['joint_steps']}, independent mean {b['independent_mean_steps']:.1f} "
          f"(max {b['independent_max_steps']}), ratio {b['steps_ratio']:.3f}; ms {b['ms']}")
    if "time_ratio_vs_torchode" in b:
        print(f"  torchode mean steps {b['torchode_mean_steps']:.1f}; time ratio sciml/torchode "
              f"{b['time_ratio_vs_torchode']:.3f}")
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
