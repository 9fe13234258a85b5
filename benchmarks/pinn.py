"""PINN benchmark: sciml.pinn against DeepXDE (PyTorch backend), side by side in one process.

1. Burgers (nu = 0.01/pi): relative L2 error on the 256 x 100 Hopf-Cole grid after each
   wall-clock budget, for both libraries with the same network, the same initial points,
   the same hard-constraint output transform, float64, Adam then L-BFGS within the budget.
   sciml adds its defaults for this problem: RAD resampling (Wu et al. 2023).
2. Throughput: training iterations per second and residual-and-gradient points per second
   on DeepXDE's Burgers example (3 x 20 tanh, 2,540 + 80 + 160 points, float32, Adam) and on
   a 2-D steady Navier-Stokes residual (Kovasznay, 4 x 50, 2,000 + 400 points).
3. Inverse Burgers: nu learned from 2,000 observations with 1% noise (sciml: the problem file's
   options, Raissi et al.'s setup with the residual at the observation points only; DeepXDE:
   3,000 domain points plus the observation points as anchors).

Runs alternate the library that goes first. Two torch processes on two cores slow each other
badly: run on an otherwise idle machine. Prints a table and one JSON line.

    python benchmarks/pinn.py                  # budgets 120 and 600 s, 3 seeds, inverse 600 s (about 2.5 h)
    python benchmarks/pinn.py --quick          # smoke run, a few minutes
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("DDE_BACKEND", "pytorch")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from pinn_deepxde import dde_burgers, dde_inverse, dde_throughput  # noqa: E402

from sciml import pinn  # noqa: E402
from sciml.pinn.problem_file import load_problem_file  # noqa: E402

NETWORK = [32, 32, 32, 32]
POINTS = 3000


def ours_burgers(budget, seed, quick):
    pf = load_problem_file(ROOT / "problems" / "burgers.py")
    every = 200 if quick else 1000
    result = pinn.solve(pf.problem, network={"hidden": NETWORK}, hard=True, points=POINTS, seed=seed,
                        resample=pinn.RAD(every=every, candidates=50_000), iterations=10**7, lbfgs=10**7,
                        time_budget=budget, adam_share=0.2, progress=False, log_every=500)
    return {"rel_l2": result.error_against(pf.reference), "adam": result.info["adam_iterations"],
            "lbfgs": result.info["lbfgs_iterations"], "wall_s": result.info["wall_s"]}


def ours_throughput(case, iterations, seed=0, compile=False):
    from pinn_cases import throughput_problem

    problem, network, points = throughput_problem(case)
    result = pinn.solve(problem, network={"hidden": network}, points=points, iterations=iterations,
                        dtype="float32" if case == "burgers" else "float64", seed=seed, progress=False,
                        log_every=max(iterations // 10, 1), compile=compile)
    h = result.history
    idx = [i for i, p in enumerate(h["phase"]) if p == "adam"]
    i0, i1 = idx[1], idx[-1]
    rate = (h["iteration"][i1] - h["iteration"][i0]) / (h["time"][i1] - h["time"][i0])
    return {"it_per_s": rate, "points": result.info["points"], "engine": result.info["engine"]}


def ours_inverse(budget, seed):
    pf = load_problem_file(ROOT / "problems" / "burgers_inverse.py")
    options = dict(pf.solve_options)  # 4 x 32, the residual at the 2,000 observation points, no resampling
    options.update(iterations=10**7, lbfgs=10**7, time_budget=budget, seed=seed, progress=False, log_every=500)
    result = pinn.solve(pf.problem, **options)
    nu = result.parameters["nu"]
    true = pf.true_parameters["nu"]
    return {"nu": nu, "nu_error": abs(nu - true) / true, "rel_l2": result.error_against(pf.reference)}


def median(values):
    return float(np.median(values)) if values else math.nan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: short budgets, one seed")
    parser.add_argument("--budgets", type=float, nargs="+", default=[120, 600])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--inverse-budget", type=float, default=600)
    parser.add_argument("--skip", nargs="*", default=[], choices=["burgers", "throughput", "inverse"])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    budgets = [15.0] if args.quick else args.budgets
    seeds = list(range(1 if args.quick else args.seeds))
    inverse_budget = 15.0 if args.quick else args.inverse_budget
    out = {"benchmark": "pinn", "machine": platform.platform(), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "quick": args.quick, "network": NETWORK, "points": POINTS}
    rows = []

    if "burgers" not in args.skip:
        for budget in budgets:
            runs = {"sciml": [], "deepxde": []}
            for seed in seeds:
                order = ["sciml", "deepxde"] if seed % 2 == 0 else ["deepxde", "sciml"]
                for lib in order:
                    r = ours_burgers(budget, seed, args.quick) if lib == "sciml" else dde_burgers(
                        budget, seed, NETWORK, POINTS, ROOT)
                    runs[lib].append(r)
                    print(f"  burgers {budget:.0f}s seed {seed} {lib}: {r}", flush=True)
            for lib, rs in runs.items():
                rows.append((f"Burgers rel-L2 after {budget:.0f} s", lib, median([r["rel_l2"] for r in rs])))
            out[f"burgers_{budget:.0f}s"] = {lib: {"median_rel_l2": median([r["rel_l2"] for r in rs]), "runs": rs}
                                              for lib, rs in runs.items()}

    if "throughput" not in args.skip:
        iters = 60 if args.quick else 400
        for case in ("burgers", "navier_stokes"):
            ours, theirs = [], []
            for rep in range(1 if args.quick else 3):
                first = (ours_throughput, dde_throughput) if rep % 2 == 0 else (dde_throughput, ours_throughput)
                for f in first:
                    r = f(case, iters)
                    (ours if f is ours_throughput else theirs).append(r)
            compiled = [ours_throughput(case, iters, compile=True) for _ in range(1 if args.quick else 2)]
            c = median([r["it_per_s"] for r in compiled])
            o, t = median([r["it_per_s"] for r in ours]), median([r["it_per_s"] for r in theirs])
            pts_o, pts_t = ours[0]["points"], theirs[0]["points"]
            out[f"throughput_{case}"] = {"sciml_it_per_s": o, "deepxde_it_per_s": t, "ratio": o / t,
                                         "sciml_points_per_s": o * pts_o, "deepxde_points_per_s": t * pts_t,
                                         "engine": ours[0]["engine"], "sciml_compiled_it_per_s": c,
                                         "compiled_ratio": c / t}
            rows.append((f"{case} iterations/s", "sciml", o))
            rows.append((f"{case} iterations/s", "deepxde", t))
            rows.append((f"{case} speed ratio sciml/deepxde", "", o / t))
            rows.append((f"{case} iterations/s, compile=True", "sciml", c))
            rows.append((f"{case} speed ratio, compile=True", "", c / t))

    if "inverse" not in args.skip:
        runs = {"sciml": [], "deepxde": []}
        for seed in seeds:
            for lib in (["sciml", "deepxde"] if seed % 2 == 0 else ["deepxde", "sciml"]):
                r = ours_inverse(inverse_budget, seed) if lib == "sciml" else dde_inverse(
                    inverse_budget, seed, NETWORK, POINTS, ROOT)
                runs[lib].append(r)
                print(f"  inverse seed {seed} {lib}: {r}", flush=True)
        for lib, rs in runs.items():
            errors = [r["nu_error"] for r in rs]
            rows.append((f"inverse nu relative error ({inverse_budget:.0f} s)", lib, median(errors)))
        out["inverse"] = {lib: {"median_nu_error": median([r["nu_error"] for r in rs]), "runs": rs}
                          for lib, rs in runs.items()}

    print()
    print(f"{'measure':<44} {'library':<8} {'value':>12}")
    print("-" * 66)
    for name, lib, value in rows:
        print(f"{name:<44} {lib:<8} {value:>12.4g}")
    print(json.dumps(out, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
