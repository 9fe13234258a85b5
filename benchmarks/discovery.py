"""Equation discovery, side by side with PySINDy in one process (libraries interleaved per seed).

1. Lorenz (sigma=10, rho=28, beta=8/3, x0=(-8, 8, 27), dt=0.002, t in [0, 10]; `sciml data make lorenz`)
   with Gaussian noise of 0, 1, 5, 10% of each state's std, --seeds per noisy level: rate of finding
   exactly the 7 true terms, and the median relative error of the 7 true coefficients (a missing term
   counts 100%). Ours with defaults (and the E-SINDy ensemble) vs PySINDy STLSQ(threshold=0.1) on a
   degree-2 library with finite differences (FD) and smoothed finite differences (SFD); PySINDy's
   weak library (K=200, p=4, same STLSQ) is shown as well.
2. PDE-FIND's data sets (Burgers, KdV, Kuramoto-Sivashinsky; `sciml data make`), 0% and 1% noise:
   mean relative error of the true coefficients (%) for ours with defaults, PySINDy's PDE-FIND
   (PDELibrary) and weak (WeakPDELibrary) forms with fixed settings, and the published PDE-FIND values.
3. Speed: fit time on a degree-5 polynomial library (1% noise Lorenz), our STLSQ against PySINDy's on
   the same matrix, and simulating the found Lorenz model over t in [0, 10] (5001 outputs). Our fits run
   with the verdict's simulation check (the default) and without it (stability_check=False, which does
   what PySINDy's fit does).
4.-7. Complex data (NLS), cubic reaction terms, the mean-field model from transients and the issue's failure
   modes: see benchmarks/discovery_cases.py.

Prints tables and one JSON line. Run on an otherwise idle machine:
    python benchmarks/discovery.py [--quick] [--seeds 50] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

X, Y, Z = sp.symbols("x y z")
LORENZ_TRUTH = [{X: -10.0, Y: 10.0}, {X: 28.0, Y: -1.0, X * Z: -1.0}, {X * Y: 1.0, Z: -8.0 / 3.0}]
PDE_TRUTH = {
    "burgers": {"u*u_x": -1.0, "u_xx": 0.1},
    "kdv": {"u*u_x": -6.0, "u_xxx": -1.0},
    "kuramoto_sivashinsky": {"u*u_x": -1.0, "u_xx": -1.0, "u_xxxx": -1.0},
}
PDE_FIND_PUBLISHED = {"burgers": (0.15, 0.8), "kdv": (1.0, 7.0), "kuramoto_sivashinsky": (1.3, 52.0)}
PDE_TARGETS_1PCT = {"burgers": 0.5, "kdv": 1.0, "kuramoto_sivashinsky": 1.0}


def _model_terms(model) -> list[dict]:
    from sciml.discovery.report import split_terms

    return [{term: c for c, term in split_terms(rhs)} for rhs in model.rhs]


def _score(found: list[dict], truth: list[dict]) -> tuple[bool, list[float]]:
    exact = all(set(f) == set(t) for f, t in zip(found, truth))
    errors = [abs(f.get(term, 0.0) - value) / abs(value) for f, t in zip(found, truth) for term, value in t.items()]
    return exact, errors


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def lorenz_study(levels, seeds, with_ensemble):
    import discovery_pysindy as anchor

    from sciml.data import add_noise, make
    from sciml.discovery import SINDy

    clean = make("lorenz")
    methods = ["ours", "pysindy FD", "pysindy SFD", "pysindy weak"] + (["ours ensemble"] if with_ensemble else [])
    results = {m: {} for m in methods}
    for level in levels:
        runs = {m: {"exact": [], "errors": [], "time": []} for m in methods}
        for k, seed in enumerate(range(seeds if level > 0 else 1)):
            data = add_noise(clean, level, seed=seed) if level > 0 else clean
            order = methods[k % len(methods):] + methods[: k % len(methods)]  # interleave the libraries
            for m in order:
                if m.startswith("ours"):
                    est = SINDy(method="ensemble" if m == "ours ensemble" else "auto", n_models=50, seed=seed)
                    _, elapsed = _timed(est.fit, data)
                    found = _model_terms(est.model_)
                else:
                    model = anchor.ode_model(m.split()[-1].lower(), data.t)
                    _, elapsed = _timed(model.fit, data.y, t=data.t)
                    found = anchor.ode_terms(model, data.names)
                exact, errors = _score(found, LORENZ_TRUTH)
                runs[m]["exact"].append(exact)
                runs[m]["errors"].append(errors)
                runs[m]["time"].append(elapsed)
        for m in methods:
            r = runs[m]
            results[m][level] = {
                "success": float(np.mean(r["exact"])),
                "median_coef_error": float(np.median(np.concatenate(r["errors"]))),
                "runs": len(r["exact"]),
                "median_fit_s": float(np.median(r["time"])),
            }
    return results


def _pde_errors(found: dict, truth: dict) -> tuple[bool, float]:
    exact = set(found) == set(truth)
    err = float(np.mean([abs(found.get(k, 0.0) - v) / abs(v) for k, v in truth.items()]))
    return exact, 100.0 * err


def _our_pde_terms(model) -> dict:
    from sciml.discovery.report import split_terms
    from sciml.symbolic.printers import flatten

    flat = flatten(model.spec).exprs[0]
    return {sp.sstr(term): c for c, term in split_terms(flat)}


def pde_study(seeds):
    import discovery_pysindy as anchor

    from sciml.data import add_noise, make
    from sciml.discovery import SINDy

    out = {}
    for name, truth in PDE_TRUTH.items():
        clean = make(name)
        x, t = clean.coords["x"], clean.t
        row = {}
        for level in (0.0, 0.01):
            per = {"ours": [], "pysindy strong": [], "pysindy weak": []}
            for seed in range(seeds if level > 0 else 1):
                data = add_noise(clean, level, seed=seed) if level else clean
                est, elapsed = _timed(SINDy().fit, data)
                per["ours"].append((*_pde_errors(_our_pde_terms(est.model_), truth), elapsed))
                for kind in ("strong", "weak"):
                    model = anchor.pde_model(kind, x, t)
                    try:
                        _, elapsed = _timed(model.fit, data.fields["u"].T[:, :, None], t=t[1] - t[0])
                        per[f"pysindy {kind}"].append((*_pde_errors(anchor.pde_terms(model), truth), elapsed))
                    except Exception as exc:  # a PySINDy failure is a result, not a crash
                        print(f"  pysindy {kind} failed on {name} ({level:.0%}): {exc}", file=sys.stderr)
                        per[f"pysindy {kind}"].append((False, 100.0, float("nan")))
            row[level] = {m: {"exact": float(np.mean([r[0] for r in v])),
                              "error_pct": float(np.median([r[1] for r in v])),
                              "fit_s": float(np.nanmedian([r[2] for r in v]))} for m, v in per.items()}
        out[name] = row
    return out


def speed_study(repeats):
    import discovery_pysindy as anchor

    from sciml.data import add_noise, make
    from sciml.discovery import STLSQ, SINDy, discover
    from sciml.discovery.library import PolynomialLibrary, evaluate_terms

    data = add_noise(make("lorenz"), 0.01, seed=0)
    clean = make("lorenz")
    names = data.names
    fits = {"ours auto (poly5)": [], "ours threshold 0.1 (poly5)": [], "ours auto (poly5) + verdict simulation": [],
            "pysindy FD STLSQ 0.1 (poly5)": []}
    SINDy(library="poly5").fit(data)  # warm-up: compile the library once
    for k in range(repeats):
        order = list(fits)
        order = order[k % len(order):] + order[: k % len(order)]
        for m in order:
            if m == "ours auto (poly5) + verdict simulation":
                _, e = _timed(SINDy(library="poly5").fit, data)
            elif m.startswith("ours auto"):
                _, e = _timed(SINDy(library="poly5", stability_check=False).fit, data)
            elif m.startswith("ours"):
                _, e = _timed(SINDy(library="poly5", threshold=0.1, stability_check=False).fit, data)
            else:
                _, e = _timed(anchor.ode_model("fd", data.t, degree=5).fit, data.y, t=data.t)
            fits[m].append(e)
    # the optimizer alone, on one strong-form matrix: our STLSQ against PySINDy's
    syms = sp.symbols(" ".join(names))
    theta = evaluate_terms(PolynomialLibrary(5).terms(syms), syms, data.y)
    dy = np.gradient(data.y, data.t, axis=0)
    opt = {"ours STLSQ": [], "pysindy STLSQ": []}
    for _ in range(repeats):
        _, e = _timed(STLSQ(threshold=0.1).fit, theta, dy)
        opt["ours STLSQ"].append(e)
        _, e = _timed(anchor.ps.STLSQ(threshold=0.1).fit, theta, dy)
        opt["pysindy STLSQ"].append(e)
    # simulation of the found models over the whole record
    ours = discover(clean)
    theirs = anchor.ode_model("sfd", clean.t)
    theirs.fit(clean.y, t=clean.t)
    sims = {"ours (dopri5, rtol 1e-8, atol 1e-10; default)": [], "pysindy (LSODA, rtol=atol=1e-12; default)": [],
            "ours (dopri5, rtol=atol=1e-8)": [], "pysindy (LSODA, rtol=atol=1e-8)": []}
    for _ in range(max(1, repeats // 3)):
        y0, t = clean.y[0], clean.t
        sims["ours (dopri5, rtol 1e-8, atol 1e-10; default)"].append(_timed(ours.simulate, y0, t)[1])
        sims["pysindy (LSODA, rtol=atol=1e-12; default)"].append(_timed(theirs.simulate, y0, t)[1])
        sims["ours (dopri5, rtol=atol=1e-8)"].append(_timed(ours.simulate, y0, t, rtol=1e-8, atol=1e-8)[1])
        kws = {"method": "LSODA", "rtol": 1e-8, "atol": 1e-8}
        sims["pysindy (LSODA, rtol=atol=1e-8)"].append(_timed(theirs.simulate, y0, t, integrator_kws=kws)[1])
    med = lambda d: {k: statistics.median(v) for k, v in d.items()}  # noqa: E731
    return {"fit_s": med(fits), "optimizer_s": med(opt), "simulate_s": med(sims)}


def _print_lorenz(results, levels):
    methods = list(results)
    print("\n1. Lorenz, exact-structure success rate / median coefficient error / median fit time")
    print(f"{'noise':>6} | " + " | ".join(f"{m:^26}" for m in methods))
    for level in levels:
        cells = []
        for m in methods:
            r = results[m][level]
            cells.append(f"{r['success']:5.0%} {100 * r['median_coef_error']:7.3f}% {1e3 * r['median_fit_s']:6.1f}ms")
        print(f"{level:6.0%} | " + " | ".join(f"{c:^26}" for c in cells))


def _print_pde(results):
    print("\n2. PDEs: mean coefficient error % (exact structure rate), clean / 1% noise")
    print(f"{'problem':<22} {'ours':>22} {'PySINDy PDE-FIND':>22} {'PySINDy weak':>22} {'PDE-FIND paper':>16}")
    for name, row in results.items():
        cells = []
        for m in ("ours", "pysindy strong", "pysindy weak"):
            a, b = row[0.0][m], row[0.01][m]
            cells.append(f"{a['error_pct']:.3g} ({a['exact']:.0%}) / {b['error_pct']:.3g} ({b['exact']:.0%})")
        paper = PDE_FIND_PUBLISHED[name]
        print(f"{name:<22} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} {paper[0]:>7} / {paper[1]:<6}")


def _print_speed(speed):
    print("\n3. Speed (median seconds)")
    for group in ("fit_s", "optimizer_s", "simulate_s"):
        for k, v in speed[group].items():
            print(f"  {k:<48} {v * 1e3:10.2f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: few seeds and repeats")
    parser.add_argument("--seeds", type=int, default=50, help="seeds per noisy Lorenz level (default 50)")
    parser.add_argument("--pde-seeds", type=int, default=5, help="seeds for the 1%% noise PDE runs")
    parser.add_argument("--repeats", type=int, default=9, help="timing repeats")
    parser.add_argument("--threads", type=int, default=1, help="torch/BLAS threads (default 1)")
    parser.add_argument("--no-ensemble", action="store_true", help="skip the E-SINDy column")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    seeds, pde_seeds, repeats = (3, 1, 3) if args.quick else (args.seeds, args.pde_seeds, args.repeats)
    levels = [0.0, 0.01, 0.05, 0.1]
    start = time.perf_counter()
    lorenz = lorenz_study(levels, seeds, with_ensemble=not args.no_ensemble)
    _print_lorenz(lorenz, levels)
    pdes = pde_study(pde_seeds)
    _print_pde(pdes)
    speed = speed_study(repeats)
    _print_speed(speed)
    import discovery_cases as cases

    nls = cases.nls_study(pde_seeds)
    reaction = cases.reaction_study(pde_seeds)
    mean_field = cases.mean_field_study(pde_seeds)
    failures = cases.failure_modes()
    cases.print_tables(nls, reaction, mean_field, failures)

    anchors = ("pysindy FD", "pysindy SFD")
    fit = speed["fit_s"]
    sim = speed["simulate_s"]
    targets = {
        "success_at_least_pysindy_best": all(lorenz["ours"][lv]["success"] >= max(lorenz[a][lv]["success"]
                                                                                   for a in anchors) for lv in levels),
        "success_5pct_ge_95": lorenz["ours"][0.05]["success"] >= 0.95,
        "success_10pct_ge_80": lorenz["ours"][0.1]["success"] >= 0.80,
        "median_coef_error_1pct_le_1pct": lorenz["ours"][0.01]["median_coef_error"] <= 0.01,
        **{f"{name}_1pct_error_le_{limit}pct": pdes[name][0.01]["ours"]["error_pct"] <= limit
           for name, limit in PDE_TARGETS_1PCT.items()},
        "fit_time_auto_le_pysindy": fit["ours auto (poly5)"] <= fit["pysindy FD STLSQ 0.1 (poly5)"],
        "fit_time_fixed_le_pysindy": fit["ours threshold 0.1 (poly5)"] <= fit["pysindy FD STLSQ 0.1 (poly5)"],
        "simulate_10x_default": sim["pysindy (LSODA, rtol=atol=1e-12; default)"]
        / sim["ours (dopri5, rtol 1e-8, atol 1e-10; default)"] >= 10,
        "simulate_10x_matched": sim["pysindy (LSODA, rtol=atol=1e-8)"] / sim["ours (dopri5, rtol=atol=1e-8)"] >= 10,
        "nls_exact_0_and_1pct": all(nls[lv]["ours"]["exact"] == 1.0 for lv in ("0.0", "0.01")),
        "nls_coef_error_le_1pct": all(nls[lv]["ours"]["error_pct"] <= 1.0 for lv in ("0.0", "0.01")),
        "cubic_reaction_exact_with_defaults": all(r[lv]["ours"]["exact"] == 1.0 for r in reaction.values()
                                                  for lv in ("0.0", "0.01")),
        "mean_field_exact_0_and_1pct": all(mean_field[lv]["ours"]["exact"] == 1.0 for lv in ("0.0", "0.01")),
        "mean_field_limit_cycle_within_10pct_10x": all(mean_field[lv]["ours"]["limit_cycle_within_10pct"] == 1.0
                                                       for lv in ("0.0", "0.01")),
        "no_silent_failure": not any(r["silent_failure"] for r in failures),
    }
    print("\nTargets: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in targets.items()))
    record = {
        "benchmark": "discovery", "quick": args.quick, "seeds": seeds, "pde_seeds": pde_seeds,
        "threads": args.threads, "machine": platform.platform(), "cpus": os.cpu_count(),
        "wall_s": round(time.perf_counter() - start, 1),
        "lorenz": {m: {str(lv): r for lv, r in v.items()} for m, v in lorenz.items()},
        "pde": {n: {str(lv): r for lv, r in v.items()} for n, v in pdes.items()},
        "pde_find_published_pct": PDE_FIND_PUBLISHED,
        "speed": speed,
        "nls": nls, "cubic_reaction": reaction, "mean_field": mean_field, "failure_modes": failures,
        "ratios": {"fit_pysindy_over_ours_auto": fit["pysindy FD STLSQ 0.1 (poly5)"] / fit["ours auto (poly5)"],
                   "fit_pysindy_over_ours_fixed": fit["pysindy FD STLSQ 0.1 (poly5)"]
                   / fit["ours threshold 0.1 (poly5)"],
                   "stlsq_pysindy_over_ours": speed["optimizer_s"]["pysindy STLSQ"]
                   / speed["optimizer_s"]["ours STLSQ"],
                   "simulate_default": sim["pysindy (LSODA, rtol=atol=1e-12; default)"]
                   / sim["ours (dopri5, rtol 1e-8, atol 1e-10; default)"],
                   "simulate_matched": sim["pysindy (LSODA, rtol=atol=1e-8)"] / sim["ours (dopri5, rtol=atol=1e-8)"]},
        "targets": targets,
    }
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
