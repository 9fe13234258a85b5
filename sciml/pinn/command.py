"""``sciml solve FILE.py``: train a PINN on a problem file and write metrics, solution and plot."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers):
    p = subparsers.add_parser("solve", help="solve a PDE problem file with a physics-informed network",
                              description="Train a PINN on FILE.py (which defines `problem`, optionally "
                              "`reference` and `solve_options`) and write DIR/metrics.json, "
                              "DIR/solution.h5 and DIR/solution.png.")
    p.add_argument("file", help="problem file (.py)")
    p.add_argument("--iterations", type=int, help="Adam iterations")
    p.add_argument("--lbfgs", type=int, help="L-BFGS iterations")
    p.add_argument("--time-budget", type=float, help="wall-clock budget in seconds")
    p.add_argument("--device", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--dtype", choices=["float32", "float64"], help="floating-point precision")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="pinn_out", help="output directory (default: pinn_out)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint", metavar="DIR", help="write checkpoints of the training state to DIR")
    p.add_argument("--checkpoint-every", type=int, metavar="N", help="checkpoint every N iterations")
    p.add_argument("--checkpoint-seconds", type=float, metavar="T", default=300.0,
                   help="checkpoint every T seconds (default 300)")
    p.add_argument("--resume", metavar="DIR", help="continue the run checkpointed in DIR (same file and options)")
    p.add_argument("--nproc", type=int, metavar="N",
                   help="train in N processes on this machine (torchrun --standalone), sharing the points")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    import numpy as np

    from sciml.atomic import atomic_write
    from sciml.pinn.problem_file import load_problem_file
    from sciml.pinn.solver import solve
    from sciml.train import Checkpoints, distributed, launch
    from sciml.train.store import checkpoint_root

    if args.nproc is not None and not launch.under_launcher():
        return launch.relaunch(args.nproc, launch.without_option(getattr(args, "argv", None) or [], "--nproc"))
    pf = load_problem_file(args.file)
    options = dict(pf.solve_options)
    for key, attr in (("iterations", "iterations"), ("lbfgs", "lbfgs"), ("time_budget", "time_budget"),
                      ("device", "device"), ("dtype", "dtype")):
        value = getattr(args, attr)
        if value is not None:
            options[key] = value
    options["seed"] = args.seed
    options["progress"] = not args.no_progress
    directory = args.checkpoint or (checkpoint_root(args.resume) if args.resume else None)
    if directory is not None:
        options["checkpoint"] = Checkpoints(directory, every=args.checkpoint_every, seconds=args.checkpoint_seconds,
                                            keep=2)
    if args.resume is not None:
        options["resume"] = args.resume
    result = solve(pf.problem, **options)
    if not distributed.current().is_main:
        distributed.shutdown()
        return 0  # rank 0 reports and writes the outputs
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    last = {k: v[-1] for k, v in result.history["terms"].items()}
    print(f"final loss {result.history['loss'][-1]:.4e}: " + ", ".join(f"{k} {v:.3e}" for k, v in last.items()))
    rel = None
    if pf.reference is not None:
        rel = result.error_against(pf.reference)
        print(f"relative L2 error against the reference: {rel:.4e}")
    for name, value in result.parameters.items():
        learned = any(p.learnable for p in pf.problem.parameters.values() if p.name == name)
        true = pf.true_parameters.get(name)
        extra = f" (true {true:.6g}, error {abs(value - true) / abs(true):.2%})" if learned and true else ""
        print(f"parameter {name} = {value:.6g}{' (learned)' if learned else ''}{extra}")
    metrics = {"problem": str(pf.path), "rel_l2": rel, "parameters": result.parameters,
               "wall_s": result.info["wall_s"],
               "iterations": result.info["adam_iterations"] + result.info["lbfgs_iterations"],
               "adam_iterations": result.info["adam_iterations"], "lbfgs_iterations": result.info["lbfgs_iterations"],
               "lbfgs_stop": result.info["lbfgs_stop"], "final_loss": result.history["loss"][-1],
               "loss_terms": last, "engine": result.info["engine"], "seed": args.seed,
               "options": {k: v for k, v in options.items() if isinstance(v, (int, float, str, bool, list, dict))}}
    with atomic_write(out / "metrics.json") as fh:
        json.dump(metrics, fh, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    result.to_hdf5(out / "solution.h5")
    result.plot(out / "solution.png", reference=pf.reference)
    print(f"wrote {out / 'metrics.json'}, {out / 'solution.h5'}, {out / 'solution.png'}")
    distributed.shutdown()
    return 0
