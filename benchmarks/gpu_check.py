"""GPU check: one short script (under 5 minutes) for a machine with a CUDA GPU.

1. the device-parametrised tests on CUDA (``pytest -k cuda``: integrator, training loop, PINN);
2. neural ODE (MLP 2-64-64-2 tanh, batch 4096, dopri5, rtol = atol = 1e-5): forward and
   forward+backward, sciml vs torchdiffeq;
3. 100,000 Lorenz systems, fixed-step RK4 (dt = 1e-3, 1,000 steps): sciml with the batch as is vs
   torchdiffeq with the batch flattened into one state;
4. Burgers PINN (DeepXDE's example: 3 x 20 tanh, 2,540 + 80 + 160 points, float32, Adam):
   iterations per second, sciml vs DeepXDE;
5. one Adam step of a data-parallel PINN in 2 processes (nccl on 2 GPUs; gloo on CPU when the
   machine has one GPU) vs 1 process, same global batch.

Without CUDA it says so and exits (status 0); ``--smoke`` runs every part on CPU with tiny sizes to
check the script itself. Prints a table and one JSON line.

    python benchmarks/gpu_check.py            # on the GPU machine
    python benchmarks/gpu_check.py --smoke    # anywhere, about a minute
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DDE_BACKEND", "pytorch")

import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, repeats):
    """Median seconds of ``fn()`` after one warm-up, synchronising the device around each call."""
    fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def interleaved(runs: dict, device, repeats):
    """Median seconds per callable, alternating their order every round."""
    for fn in runs.values():
        fn()
    sync(device)
    out = {k: [] for k in runs}
    names = list(runs)
    for r in range(repeats):
        for name in names if r % 2 == 0 else reversed(names):
            start = time.perf_counter()
            runs[name]()
            sync(device)
            out[name].append(time.perf_counter() - start)
    return {k: sorted(v)[len(v) // 2] for k, v in out.items()}


def device_tests(smoke):
    selection = ["-k", "cpu", "tests/train/test_devices.py"] if smoke else ["-k", "cuda", "tests"]
    cmd = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q", "-m", "not slow",
           *selection]
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=150,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return {"returncode": done.returncode, "summary": tail, "seconds": time.monotonic() - start}


def neural_ode(device, smoke):
    import torchdiffeq
    from ode_speed import MLPField

    from sciml.integrate import odeint

    field = MLPField().to(device)
    torch.manual_seed(2)
    y0 = torch.randn(256 if smoke else 4096, 2, device=device)
    t = torch.tensor([0.0, 10.0], device=device)
    kw = dict(rtol=1e-5, atol=1e-5, method="dopri5")

    def forward(solve):
        with torch.no_grad():
            return solve(field, y0, t, **kw)

    def backward(solve):
        y = y0.clone().requires_grad_(True)
        solve(field, y, t, **kw)[-1].pow(2).sum().backward()

    runs = {("sciml", "forward"): lambda: forward(odeint),
            ("torchdiffeq", "forward"): lambda: forward(torchdiffeq.odeint),
            ("sciml", "backward"): lambda: backward(odeint),
            ("torchdiffeq", "backward"): lambda: backward(torchdiffeq.odeint)}
    med = interleaved(runs, device, 2 if smoke else 5)
    diff = float((forward(odeint)[-1] - forward(torchdiffeq.odeint)[-1]).abs().max())
    return {"ms": {f"{a}/{b}": 1e3 * v for (a, b), v in med.items()},
            "ratio_forward": med[("sciml", "forward")] / med[("torchdiffeq", "forward")],
            "ratio_backward": med[("sciml", "backward")] / med[("torchdiffeq", "backward")],
            "max_difference": diff, "batch": y0.shape[0]}


def lorenz(device, smoke):
    import torchdiffeq

    from sciml.integrate import odeint

    n = 1_000 if smoke else 100_000
    steps, dt = (100, 1e-2) if smoke else (1000, 1e-3)
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0

    def f(t, y):
        x, yy, z = y.unbind(-1)
        return torch.stack([sigma * (yy - x), x * (rho - z) - yy, x * yy - beta * z], -1)

    def flat(t, y):
        return f(t, y.view(-1, 3)).reshape(-1)

    g = torch.Generator(device="cpu").manual_seed(0)
    y0 = (torch.randn(n, 3, generator=g) * 5 + torch.tensor([0.0, 0.0, 25.0])).to(device)
    t = torch.tensor([0.0, steps * dt], device=device)
    opts = {"step_size": dt}
    out = {}

    def ours():
        with torch.no_grad():
            out["sciml"] = odeint(f, y0, t, method="rk4", options=opts)[-1]

    def theirs():
        with torch.no_grad():
            out["torchdiffeq"] = torchdiffeq.odeint(flat, y0.reshape(-1), t, method="rk4", options=opts)[-1].view(-1, 3)

    med = interleaved({"sciml": ours, "torchdiffeq": theirs}, device, 2 if smoke else 3)
    scale = float(out["torchdiffeq"].abs().max())
    return {"systems": n, "steps": steps, "ms": {k: 1e3 * v for k, v in med.items()},
            "ratio": med["sciml"] / med["torchdiffeq"],
            "max_relative_difference": float((out["sciml"] - out["torchdiffeq"]).abs().max()) / scale}


def burgers(device, smoke):
    from pinn_cases import throughput_problem

    from sciml import pinn

    iterations = 30 if smoke else 500
    problem, hidden, points = throughput_problem("burgers")
    ours = []
    for _ in range(1 if smoke else 2):
        result = pinn.solve(problem, network={"hidden": hidden}, points=points, iterations=iterations,
                            dtype="float32", device=str(device), progress=False, log_every=max(iterations // 10, 1))
        h = result.history
        idx = [i for i, p in enumerate(h["phase"]) if p == "adam"]
        ours.append((h["iteration"][idx[-1]] - h["iteration"][idx[1]]) / (h["time"][idx[-1]] - h["time"][idx[1]]))
    # DeepXDE last: its torch backend makes CUDA the default device of the whole process
    from pinn_deepxde import dde_throughput

    theirs = [dde_throughput("burgers", iterations)["it_per_s"] for _ in range(1 if smoke else 2)]
    o, t = max(ours), max(theirs)
    return {"sciml_it_per_s": o, "deepxde_it_per_s": t, "ratio": o / t, "engine": result.info["engine"]}


def ddp_worker(device_name, iterations):
    """One rank (under torchrun): Adam steps of a Burgers PINN; rank 0 prints ms per step as JSON."""
    from pinn_cases import throughput_problem

    from sciml import pinn
    from sciml.train import distributed

    problem, hidden, points = throughput_problem("burgers")
    result = pinn.solve(problem, network={"hidden": hidden}, points=points, iterations=iterations,
                        dtype="float32", device=device_name, progress=False, log_every=max(iterations // 10, 1),
                        derivatives="autograd")
    h = result.history
    idx = [i for i, p in enumerate(h["phase"]) if p == "adam"]
    ms = 1e3 * (h["time"][idx[-1]] - h["time"][idx[1]]) / (h["iteration"][idx[-1]] - h["iteration"][idx[1]])
    if distributed.current().is_main:
        print("DDP-RESULT " + json.dumps({"ms_per_step": ms, "processes": distributed.current().world,
                                          "device": str(result.info["device"]), "final_loss": h["loss"][-1]}))
    distributed.shutdown()


def ddp(device, smoke):
    iterations = 20 if smoke else 200
    two_gpus = device.type == "cuda" and torch.cuda.device_count() >= 2
    name = "cuda" if two_gpus else "cpu"
    rows = {}
    for nproc in (1, 2):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               str(Path(__file__).resolve()), "--ddp-worker", name, str(iterations)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=150,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
        line = [x for x in done.stdout.splitlines() if x.startswith("DDP-RESULT ")]
        if done.returncode or not line:
            return {"error": (done.stdout + done.stderr)[-800:]}
        rows[nproc] = json.loads(line[0][len("DDP-RESULT "):])
    return {"backend": "nccl" if two_gpus else "gloo (one GPU: the 2-process step runs on CPU)",
            "ms_per_step_1": rows[1]["ms_per_step"], "ms_per_step_2": rows[2]["ms_per_step"],
            "final_loss_1": rows[1]["final_loss"], "final_loss_2": rows[2]["final_loss"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="every part on CPU with tiny sizes")
    parser.add_argument("--skip", nargs="*", default=[], choices=["tests", "node", "lorenz", "burgers", "ddp"])
    parser.add_argument("--ddp-worker", nargs=2, metavar=("DEVICE", "ITERATIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ddp_worker:
        torch.set_num_threads(1)
        return ddp_worker(args.ddp_worker[0], int(args.ddp_worker[1]))
    cuda = torch.cuda.is_available()
    if not cuda and not args.smoke:
        print(f"gpu_check: no CUDA device here (torch {torch.__version__}, torch.cuda.is_available() is False); "
              "nothing was measured. Run it on a machine with an NVIDIA GPU, or with --smoke to check the script.")
        print(json.dumps({"benchmark": "gpu_check", "cuda": False}))
        return 0
    device = torch.device("cuda" if cuda and not args.smoke else "cpu")
    if args.smoke:
        torch.set_num_threads(1)
    out = {"benchmark": "gpu_check", "cuda": cuda, "smoke": args.smoke, "machine": platform.platform(),
           "torch": torch.__version__, "device": torch.cuda.get_device_name(0) if cuda else "cpu",
           "gpus": torch.cuda.device_count() if cuda else 0}
    start = time.monotonic()
    parts = [("tests", lambda: device_tests(args.smoke)), ("node", lambda: neural_ode(device, args.smoke)),
             ("lorenz", lambda: lorenz(device, args.smoke)), ("burgers", lambda: burgers(device, args.smoke)),
             ("ddp", lambda: ddp(device, args.smoke))]
    for name, part in parts:
        if name in args.skip:
            continue
        t0 = time.monotonic()
        try:
            out[name] = part()
        except Exception as exc:  # noqa: BLE001 - report the failure and go on with the other parts
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"[{time.monotonic() - t0:6.1f} s] {name}: {out[name]}", flush=True)
    out["total_s"] = time.monotonic() - start
    print()
    print(f"{'check':<44}{'sciml':>12}{'anchor':>12}{'ratio':>9}")
    if "node" in out and "ms" in out["node"]:
        ms = out["node"]["ms"]
        for mode in ("forward", "backward"):
            print(f"{'neural ODE ' + mode + ' (ms, vs torchdiffeq)':<44}{ms['sciml/' + mode]:>12.2f}"
                  f"{ms['torchdiffeq/' + mode]:>12.2f}{out['node']['ratio_' + mode]:>9.2f}")
    if "lorenz" in out and "ms" in out["lorenz"]:
        lz = out["lorenz"]
        label = f"{lz['systems']:,} Lorenz, RK4 (ms, vs torchdiffeq)"
        print(f"{label:<44}{lz['ms']['sciml']:>12.2f}"
              f"{lz['ms']['torchdiffeq']:>12.2f}{lz['ratio']:>9.2f}")
    if "burgers" in out and "sciml_it_per_s" in out["burgers"]:
        b = out["burgers"]
        print(f"{'Burgers PINN (it/s, vs DeepXDE)':<44}{b['sciml_it_per_s']:>12.1f}{b['deepxde_it_per_s']:>12.1f}"
              f"{b['ratio']:>9.2f}")
    if "ddp" in out and "ms_per_step_2" in out["ddp"]:
        d = out["ddp"]
        print(f"{'PINN Adam step, 2 processes (ms; 1 process)':<44}{d['ms_per_step_2']:>12.2f}"
              f"{d['ms_per_step_1']:>12.2f}{d['ms_per_step_2'] / d['ms_per_step_1']:>9.2f}")
    if "tests" in out:
        print(f"device tests: {out['tests'].get('summary', out['tests'])}")
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
