"""Stiff problems: sciml's implicit methods next to scipy Radau/BDF/LSODA and torchdiffeq, in one process.

Single systems (float64, rtol=1e-6, atol=1e-10): Robertson to t=1e5, Van der Pol μ=1000 on
[0, 3000], HIRES (and, without --quick, Robertson to 1e11, OREGO and the method-of-lines
Brusselator with 200 unknowns at rtol=1e-6, atol=1e-8). For each: median wall
time of --repeats interleaved runs, accepted steps, vector-field evaluations, Jacobian
evaluations and the largest relative error at the end against scipy Radau at rtol=1e-12
(components below atol compared absolutely). torchdiffeq (dopri5, its best adaptive method;
its implicit methods are fixed-step) runs under a time cap and reports how far it got.

Batch: 1024 Robertson systems with k1 log-uniform in [0.01, 0.1] (seed 0) to t=1e5 with
``batch="independent"`` (rodas5p) against a Python loop of scipy Radau and BDF over the same
systems (with --quick the loops run on a subset and are scaled up, which the table says).

    OMP_NUM_THREADS=1 python benchmarks/stiff.py            # full run (several minutes)
    OMP_NUM_THREADS=1 python benchmarks/stiff.py --quick    # smoke run (< 1 minute)

Prints a table and one JSON line. Timings on a shared machine are noisy: compare the ratios
of a run, and re-measure on an idle machine before quoting absolute times.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time

# one BLAS thread for scipy as for torch: a second thread would only fight the other core's work
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy.integrate import solve_ivp as scipy_solve_ivp  # noqa: E402

from sciml.integrate import solve_ivp  # noqa: E402
from sciml.integrate.testproblems import brusselator, hires, orego, robertson, van_der_pol  # noqa: E402

OURS = ("bdf", "rodas5p", "kvaerno5", "auto")
SCIPY = ("Radau", "BDF", "LSODA")


def reference(problem):
    """scipy Radau at rtol=1e-12 (atol scaled down with it)."""
    sol = scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method="Radau", rtol=1e-12,
                          atol=problem.atol * 1e-4)
    if not sol.success:
        raise RuntimeError(f"reference for {problem.name} failed: {sol.message}")
    return sol.y[:, -1]


def rel_error(y, ref, atol):
    big = np.abs(ref) > atol
    err = np.where(big, np.abs(y - ref) / np.where(big, np.abs(ref), 1.0), np.abs(y - ref))
    return float(err.max())


def run_ours(problem, method):
    y0 = problem.initial()
    t = torch.tensor([0.0, problem.t1], dtype=torch.float64)
    with torch.no_grad():
        start = time.perf_counter()
        sol = solve_ivp(problem.f, (0.0, problem.t1), y0, t_eval=t, method=method, rtol=problem.rtol,
                        atol=problem.atol, max_steps=1_000_000)
        elapsed = time.perf_counter() - start
    s = sol.stats
    return elapsed, {"steps": s["n_steps"], "rejected": s["n_rejected"], "nfe": s["n_f_evals"],
                     "njev": s.get("n_jac_evals", 0), "switches": s.get("n_switches"),
                     "y": sol.ys[-1].numpy()}


def run_scipy(problem, method):
    start = time.perf_counter()
    sol = scipy_solve_ivp(problem.f_numpy, (0.0, problem.t1), np.array(problem.y0), method=method,
                          rtol=problem.rtol, atol=problem.atol)
    elapsed = time.perf_counter() - start
    return elapsed, {"steps": sol.t.size - 1, "rejected": None, "nfe": sol.nfev, "njev": sol.njev,
                     "switches": None, "y": sol.y[:, -1], "ok": sol.success}


class _Cap(Exception):
    pass


def run_torchdiffeq(problem, cap):
    try:
        import torchdiffeq
    except ImportError:
        return None
    state = {"nfe": 0, "t": 0.0}
    start = time.perf_counter()

    def field(t, y):
        state["nfe"] += 1
        state["t"] = max(state["t"], float(t))
        if time.perf_counter() - start > cap:
            raise _Cap
        return problem.f(t, y)

    y0 = problem.initial()
    t = torch.tensor([0.0, problem.t1], dtype=torch.float64)
    outcome = "finished"
    y = None
    with torch.no_grad():
        try:
            y = torchdiffeq.odeint(field, y0, t, method="dopri5", rtol=problem.rtol, atol=problem.atol)[-1].numpy()
        except _Cap:
            outcome = f"time cap {cap:g} s"
        except (AssertionError, RuntimeError) as exc:
            outcome = f"failed: {str(exc)[:60]}"
    return {"time": time.perf_counter() - start, "nfe": state["nfe"], "t_reached": state["t"], "outcome": outcome,
            "y": y}


def single_systems(problems, repeats, cap):
    rows = []
    for problem in problems:
        ref = reference(problem)
        runners = [(f"sciml {m}", lambda p=problem, m=m: run_ours(p, m)) for m in OURS]
        runners += [(f"scipy {m}", lambda p=problem, m=m: run_scipy(p, m)) for m in SCIPY]
        for _, run in runners:  # warm-up (torch op caches, scipy imports, LAPACK first calls)
            run()
        times = {name: [] for name, _ in runners}
        info = {}
        for _ in range(repeats):  # interleaved, so that load changes hit every solver alike
            for name, run in runners:
                elapsed, data = run()
                times[name].append(elapsed)
                info[name] = data
        best_scipy = min(statistics.median(times[f"scipy {m}"]) for m in ("Radau", "BDF"))
        fewest = min(info[f"scipy {m}"]["steps"] for m in ("Radau", "BDF"))
        for name, _ in runners:
            data = info[name]
            t_med = statistics.median(times[name])
            # a multistep method's steps are compared with scipy's multistep BDF, a one-step method's
            # with the fewer of Radau and BDF
            steps_ref = info["scipy BDF"]["steps"] if name == "sciml bdf" else fewest
            rows.append({"problem": problem.name, "t1": problem.t1, "solver": name, "time_s": t_med,
                         "steps": int(data["steps"]), "rejected": data["rejected"], "nfe": int(data["nfe"]),
                         "njev": int(data["njev"]), "switches": data["switches"],
                         "rel_error": rel_error(np.asarray(data["y"]), ref, problem.atol),
                         "time_vs_best_radau_bdf": t_med / best_scipy,
                         "steps_vs_scipy": data["steps"] / steps_ref})
        tde = run_torchdiffeq(problem, cap)
        if tde is not None:
            rows.append({"problem": problem.name, "t1": problem.t1, "solver": "torchdiffeq dopri5",
                         "time_s": tde["time"], "steps": None, "rejected": None, "nfe": tde["nfe"], "njev": 0,
                         "switches": None, "outcome": tde["outcome"], "t_reached": tde["t_reached"],
                         "rel_error": None if tde["y"] is None else rel_error(tde["y"], ref, problem.atol),
                         "time_vs_best_radau_bdf": None, "steps_vs_scipy": None})
    return rows


def batch(n_systems, n_loop, t1=1e5):
    g = np.random.default_rng(0)
    k1 = np.exp(g.uniform(math.log(0.01), math.log(0.1), n_systems))
    problem = robertson(t1=t1, k1=torch.tensor(k1))
    y0 = torch.tensor([[1.0, 0.0, 0.0]] * n_systems, dtype=torch.float64)
    t = torch.tensor([0.0, t1], dtype=torch.float64)
    solve = lambda: solve_ivp(problem.f, (0.0, t1), y0, t_eval=t, method="rodas5p", rtol=1e-6,  # noqa: E731
                              atol=1e-10, batch="independent")
    with torch.no_grad():
        solve()  # warm-up
        start = time.perf_counter()
        sol = solve()
        ours = time.perf_counter() - start
    out = {"systems": n_systems, "sciml_time_s": ours, "sciml_iterations": int(sol.stats["n_steps"].max()
                                                                                + sol.stats["n_rejected"].max()),
           "sciml_steps_mean": float(sol.stats["n_steps"].double().mean()), "scipy_loop_systems": n_loop}
    for method in ("Radau", "BDF"):
        errs = []
        start = time.perf_counter()
        for i in range(n_loop):
            r = scipy_solve_ivp(robertson(t1=t1, k1=float(k1[i])).f_numpy, (0.0, t1), np.array([1.0, 0.0, 0.0]),
                                method=method, rtol=1e-6, atol=1e-10)
            errs.append(rel_error(sol.ys[-1, i].numpy(), r.y[:, -1], 1e-10))
        loop = (time.perf_counter() - start) * n_systems / n_loop
        out[f"scipy_{method}_loop_time_s"] = loop
        out[f"speedup_vs_{method}_loop"] = loop / ours
        out[f"max_rel_diff_vs_{method}"] = max(errs)
    return out


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer problems, repeats and systems")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per solver (default 5, quick 1)")
    parser.add_argument("--cap", type=float, default=None, help="torchdiffeq time cap in seconds (default 20, quick 2)")
    parser.add_argument("--batch", type=int, default=1024, help="systems in the batch case")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    repeats = args.repeats or (1 if args.quick else 5)
    cap = args.cap or (2.0 if args.quick else 20.0)
    if args.quick:
        problems = [robertson(), hires(), van_der_pol(t1=300.0)]
    else:
        problems = [robertson(), van_der_pol(), hires(), robertson(t1=1e11), orego(), brusselator(100)]
    rows = single_systems(problems, repeats, cap)
    n_batch = 128 if args.quick else args.batch
    batch_row = batch(n_batch, 16 if args.quick else n_batch)

    print(f"Stiff problems, float64, rtol=1e-6, atol=1e-10, torch threads=1, median of {repeats}; "
          "error: max relative error at t1 vs scipy Radau rtol=1e-12")
    head = f"{'problem':<18} {'solver':<20} {'time s':>8} {'/scipy':>7} {'steps':>7} {'/scipy':>7} {'NFE':>8} " \
           f"{'Jac':>6} {'error':>9}  note"
    print(head)
    print("-" * len(head))
    for r in rows:
        note = r.get("outcome", "")
        if "t_reached" in r:
            note += f", reached t={r['t_reached']:.4g} of {r['t1']:g}"
        if r.get("switches"):
            note += f"{r['switches']} switch(es)"
        print(f"{r['problem'] + ' ' + format(r['t1'], 'g'):<18} {r['solver']:<20} {r['time_s']:8.3f} "
              f"{_fmt(r['time_vs_best_radau_bdf'], '7.2f')} {_fmt(r['steps'], '7d')} "
              f"{_fmt(r['steps_vs_scipy'], '7.2f')} {r['nfe']:8d} {r['njev']:6d} "
              f"{_fmt(r['rel_error'], '9.1e')}  {note}")
    print("(/scipy: time over the faster of scipy Radau and BDF; steps over the fewer of the two, for sciml bdf "
          "over scipy BDF's)")
    b = batch_row
    scaled = "" if b["scipy_loop_systems"] == b["systems"] else \
        f" (loop timed on {b['scipy_loop_systems']} systems, scaled to {b['systems']})"
    print(f"\nBatch: {b['systems']} Robertson systems, k1 log-uniform in [0.01, 0.1], t1=1e5, rodas5p independent")
    print(f"  sciml {b['sciml_time_s']:.3f} s ({b['sciml_iterations']} loop iterations, "
          f"{b['sciml_steps_mean']:.0f} steps per system on average)")
    for m in ("Radau", "BDF"):
        print(f"  scipy {m} loop {b[f'scipy_{m}_loop_time_s']:.2f} s{scaled}: sciml is "
              f"{b[f'speedup_vs_{m}_loop']:.1f}x faster; largest relative difference {b[f'max_rel_diff_vs_{m}']:.1e}")
    print(json.dumps({"benchmark": "stiff", "quick": args.quick, "repeats": repeats, "torch": torch.__version__,
                      "single": rows, "batch": batch_row}))


if __name__ == "__main__":
    main()
