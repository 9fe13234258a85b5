"""``sciml demo``: integrate a small neural ODE with every method and compare with scipy."""

from __future__ import annotations

import time


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="integrate a small neural ODE with each method; print error vs scipy, NFE and time")
    parser.add_argument("--rtol", type=float, default=1e-6, help="tolerance of the adaptive methods")
    parser.add_argument("--step-size", type=float, default=0.01, help="step of the fixed-step methods")
    parser.add_argument("--plot", metavar="PNG", help="write the trajectories to this PNG file")
    parser.set_defaults(func=run)


def _field():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2)).double()
    with torch.no_grad():
        net[2].weight.mul_(2.0)

    def field(t, y):
        rotation = torch.stack([y[..., 1], -y[..., 0]], dim=-1)
        return rotation + 0.5 * net(y)

    return field


def run(args) -> int:
    import numpy as np
    import torch
    from scipy.integrate import solve_ivp as scipy_solve_ivp

    from sciml.errors import InputError
    from sciml.integrate import METHODS, solve_ivp

    if not args.rtol > 0 or not args.step_size > 0:
        raise InputError("--rtol/--step-size", "positive numbers", f"{args.rtol}, {args.step_size}")
    field = _field()
    y0 = torch.tensor([[1.0, 0.0], [0.0, 1.5], [-0.5, -0.5]], dtype=torch.float64)
    t = torch.linspace(0.0, 5.0, 51, dtype=torch.float64)

    def numpy_field(tt, y):
        with torch.no_grad():
            return field(torch.tensor(tt), torch.from_numpy(y).reshape(3, 2)).reshape(-1).numpy()

    ref = scipy_solve_ivp(numpy_field, (0.0, 5.0), y0.reshape(-1).numpy(), method="DOP853", rtol=1e-12,
                          atol=1e-12, t_eval=t.numpy()).y.T.reshape(len(t), 3, 2)
    print("A neural ODE (2-32-2 tanh MLP plus a rotation), 3 trajectories, t in [0, 5].")
    print(f"Reference: scipy DOP853 at rtol=1e-12. Adaptive methods at rtol=atol={args.rtol:g}, "
          f"fixed-step methods with h={args.step_size:g}.\n")
    print(f"{'method':<14} {'kind':<9} {'max error':>10} {'NFE':>6} {'steps':>6} {'time ms':>8}")
    solutions = {}
    for name, tab in METHODS.items():
        kwargs = {"rtol": args.rtol, "atol": args.rtol} if tab.adaptive else {"step_size": args.step_size}
        with torch.no_grad():
            start = time.perf_counter()
            sol = solve_ivp(field, (0.0, 5.0), y0, t_eval=t, method=name, **kwargs)
            elapsed = time.perf_counter() - start
        err = float(np.abs(sol.ys.numpy() - ref).max())
        solutions[name] = sol.ys.numpy()
        kind = "adaptive" if tab.adaptive else "fixed"
        print(f"{name:<14} {kind:<9} {err:10.2e} {sol.stats['n_f_evals']:6d} {sol.stats['n_steps']:6d} "
              f"{1e3 * elapsed:8.1f}")
    if args.plot:
        _plot(args.plot, ref, solutions)
        print(f"\nwrote {args.plot}")
    return 0


def _plot(path, ref, solutions) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sciml.atomic import atomic_path

    fig, ax = plt.subplots(figsize=(6, 5))
    for i in range(ref.shape[1]):
        ax.plot(ref[:, i, 0], ref[:, i, 1], "k-", lw=2, label="scipy DOP853" if i == 0 else None)
        for name in ("euler", "tsit5"):
            ax.plot(solutions[name][:, i, 0], solutions[name][:, i, 1], "--", label=name if i == 0 else None)
    ax.set_xlabel("y1")
    ax.set_ylabel("y2")
    ax.legend()
    ax.set_title("sciml demo: neural ODE trajectories")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
