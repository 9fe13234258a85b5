"""``sciml discover DATA``: find the equations behind a data file, with no tuning by default."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    from sciml.discovery.derivatives import METHODS as DERIVATIVES
    from sciml.discovery.methods import METHODS

    parser = subparsers.add_parser(
        "discover", help="discover governing equations from a data file (HDF5 dataset/1 or CSV)",
        description="Fit sparse symbolic equations to the data. Without options the weak form is used and "
        "the library and threshold are chosen automatically; every choice is printed.")
    parser.add_argument("data", help="data file: .h5 (dataset/1) or .csv (t, states...)")
    parser.add_argument("--kind", choices=("auto", "ode", "pde"), default="auto",
                        help="what the file must contain (default: whatever it holds)")
    parser.add_argument("--library", default="auto",
                        help="candidate terms: auto, or e.g. poly3 | poly2,fourier1 | poly2,exp(-x) | poly2,order4")
    parser.add_argument("--method", choices=METHODS, default="auto",
                        help="auto/weak: weak form; stlsq, sr3: strong form; ensemble: weak form + bagging")
    parser.add_argument("--threshold", default="auto", help="auto, or an absolute coefficient threshold")
    parser.add_argument("--derivative", choices=DERIVATIVES, default="savgol",
                        help="pointwise derivative for the strong-form methods (default savgol)")
    parser.add_argument("--max-degree", type=int, default=3, help="highest polynomial degree tried (ODE, auto)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ensembles and subsampling")
    parser.add_argument("--ensemble", type=int, metavar="N",
                        help="bag N bootstrap fits (E-SINDy: inclusion probabilities, coefficient spreads)")
    parser.add_argument("--jobs", type=int, default=1, metavar="J",
                        help="worker processes for the ensemble's fits (default 1; the result does not change)")
    parser.add_argument("--out", help="save the model here (model/1 JSON)")
    parser.add_argument("--plot", help="write a PNG of the data against the simulated model")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 3 when the verdict is not OK (poor fit, empty model, unbounded)")
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line: equations, coefficients, scores, verdict, choices")
    parser.set_defaults(func=run)


def _threshold(text: str):
    from sciml.errors import InputError

    if text == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise InputError("--threshold", "'auto' or a number", repr(text)) from None
    return value


#: exit status of ``sciml discover --strict`` when the verdict is not OK
STRICT_EXIT = 3


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time
    import warnings

    from sciml.data import load
    from sciml.discovery.estimator import SINDy
    from sciml.discovery.report import format_equations, format_report
    from sciml.errors import DiscoveryWarning, InputError

    if args.ensemble is not None and args.method not in ("auto", "ensemble"):
        raise InputError("--ensemble", "--method auto or ensemble (bagging uses the weak form)", args.method)
    if args.jobs < 1:
        raise InputError("--jobs", "a positive number of processes", args.jobs)
    method = "ensemble" if args.ensemble is not None else args.method
    extra = {} if args.ensemble is None else {"n_models": args.ensemble}
    data = load(args.data)
    if args.kind != "auto" and data.kind != args.kind:
        raise InputError("--kind", f"a file with {args.kind.upper()} data", f"{data.kind.upper()} data")
    start = time.perf_counter()
    est = SINDy(method=method, library=args.library, threshold=_threshold(args.threshold),
                derivative=args.derivative, max_degree=args.max_degree, seed=args.seed,
                progress=False if args.no_progress else "auto", jobs=args.jobs, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiscoveryWarning)  # the verdict is printed below, and on stderr
        est.fit(data)
    elapsed = time.perf_counter() - start
    model = est.model_
    print(f"{args.data}: {data!r}")
    print(format_report(model))
    print(f"Fit time: {elapsed:.2f} s")
    for w in model.verdict.get("warnings", []):
        print(f"sciml discover: warning: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps({"equations": format_equations(model), "coefficients": model.terms,
                          "scores": model.scores, "verdict": model.verdict, "choices": model.choices}))
    if args.out:
        model.save(args.out)
        print(f"Saved model to {args.out}")
    if args.plot:
        from sciml.discovery.plot import plot_fit

        plot_fit(model, data, args.plot)
        print(f"Wrote plot {args.plot}")
    if args.strict and not model.verdict.get("ok", True):
        print("sciml discover: --strict: the verdict is not OK (" + ", ".join(model.verdict["causes"]) + ")",
              file=sys.stderr)
        return STRICT_EXIT
    return 0
