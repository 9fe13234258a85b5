"""Neural-DE models (sciml.models) against the papers' results and the anchors torchdiffeq / torchdyn.

Cases (CPU, one thread; each one within 5 minutes on a 2-core machine at the default settings):
1. spiral — the DiffEqFlux benchmark: u0 = (2, 0), du/dt = (u³)A, t ∈ [0, 1.5], 30 points, field
   Dense(2, 50, tanh) → Dense(50, 2) on u³, 300 Adam steps (lr 0.05), dopri5 at rtol 1e-3 / atol 1e-6,
   float32: wall time of the whole training for sciml (odeint, odeint_adjoint, NeuralODE + fit),
   torchdiffeq (odeint, odeint_adjoint) and torchdyn (NeuralODE autograd / adjoint), interleaved
   (one round by default: --repeats N for medians of N), final loss and total NFE of each.
2. ffjord — a CNF (2-64-64-2 softplus, exact trace, dopri5) on two-moons and 8-Gaussians: test NLL next
   to the best Gaussian and to torchdyn's CNF with the same network, batches and budget; samples and
   density to PNG (--out).
3. hnn — HNN (Greydanus et al. 2019) vs a plain neural ODE fitted to the same noisy derivatives of an
   ideal spring and a pendulum: relative energy drift over 100 periods (dopri5 at 1e-9), and the
   separable HNN with leapfrog vs RK4 at one coarse step (the learned energy's error over the first
   and the last 10% of the run).
4. regularization — the CNF on two-moons with and without kinetic + Jacobian penalties (Finlay et al.
   2020, λ = --reg-weight): NFE per forward pass at tolerance 1e-5 and during training, test NLL.
5. hypersolver — HyperEuler / HyperMidpoint (Poli et al. 2020) on the trained spiral field: error at
   t = 1.5 against NFE next to Euler, midpoint, RK4 and dopri5.
6. deq — a DEQ layer (Bai et al. 2019) on scikit-learn's 8×8 digits: Anderson vs plain fixed-point
   iterations, implicit backward vs unrolled backprop (time per training step, test accuracy).

Prints a table and one JSON line. Run on an otherwise idle machine:
    python benchmarks/models.py [--case spiral,hnn] [--quick] [--repeats 3] [--out out/models]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from models_anchors import stand_ins, torchdiffeq, torchdyn  # noqa: E402
from models_cases import CASES  # noqa: E402
from ode_speed import machine  # noqa: E402


class Settings:
    """Full settings, or --quick ones (a smoke run of every case in a few minutes)."""

    def __init__(self, quick: bool, repeats: int | None, out: str):
        self.quick, self.out = quick, out
        self.repeats = repeats or (1 if quick else 3)
        self.spiral_steps = 300
        self.spiral_repeats = repeats or 1  # eight 300-step trainings take ~4 minutes: one interleaved round
        self.ffjord_sets = ("moons", "8gaussians")
        self.cnf_steps = 150 if quick else 500
        self.cnf_batch = 512
        self.cnf_lr = 1e-2
        self.cnf_tol = 1e-4  # training tolerance (test NLL at 1e-6)
        self.reg_weight = 0.01
        self.hnn_steps = 300 if quick else 2000
        self.hnn_hidden = 64 if quick else 200
        self.hnn_step = 0.1  # ~31 steps per spring period: where the integrator's energy error shows
        self.hyper_node_steps = 150 if quick else 300
        self.hyper_train = 128 if quick else 512
        self.hyper_train_steps = 10
        self.hyper_fit_steps = 300 if quick else 1500
        self.hyper_grid = (5, 10, 20, 40)
        self.deq_steps = 60 if quick else 300


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="all", help=f"comma-separated from {', '.join(CASES)} (default all)")
    parser.add_argument("--quick", action="store_true", help="short settings: a smoke run")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="out/models", help="directory of the PNG plots")
    parser.add_argument("--reg-weight", type=float, default=0.01, help="λ_K = λ_J of the regularisation case")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = list(CASES) if args.case == "all" else args.case.split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    s = Settings(args.quick, args.repeats, args.out)
    s.reg_weight = args.reg_weight
    result = {"benchmark": "models", "date": time.strftime("%Y-%m-%d"), "machine": machine(), "quick": args.quick,
              "versions": {"torch": torch.__version__, "torchdiffeq": getattr(torchdiffeq, "__version__", None),
                           "torchdyn": getattr(torchdyn, "__version__", None)},
              "torchdyn_stand_ins": stand_ins}
    print(f"machine: {result['machine']}{'  (quick settings)' if args.quick else ''}")
    for name in names:
        start = time.perf_counter()
        out = CASES[name](s)
        out["case_s"] = time.perf_counter() - start
        result[name] = out
        print(f"\n== {name} ({out['case_s']:.0f} s)")
        rows = out["rows"]
        keys = [k for k in rows[0] if k not in ("case", "plot")]
        for row in rows:
            keys += [k for k in row if k not in keys and k not in ("case", "plot")]
        print("  ".join(f"{k:>14}" for k in keys))
        for row in rows:
            print("  ".join(f"{_fmt(row.get(k, '')):>14}" for k in keys))
        for key, value in out.items():
            if key not in ("rows", "case_s"):
                print(f"  {key}: {json.dumps(value, default=_fmt)}")
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
