"""``sciml data``: make the reference data sets, and describe data files."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("data", help="make reference data sets, inspect data files")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    make = sub.add_parser("make", help="generate a reference data set into an HDF5 (or CSV) file",
                          description="Generate a reference data set. Names: " + ", ".join(_names()))
    make.add_argument("name", help="data set name (see the description)")
    make.add_argument("--noise", type=float, default=0.0, help="noise level as a fraction of each "
                      "signal's standard deviation (0.01 = 1%%)")
    make.add_argument("--seed", type=int, default=0, help="seed of the noise (default 0)")
    make.add_argument("--out", required=True, help="output file (.h5, or .csv for ODE data)")
    make.add_argument("--no-progress", action="store_true", help="no progress bar")
    make.set_defaults(func=run_make, option_names={"level": "--noise", "path": "--out"})
    info = sub.add_parser("info", help="describe a data file")
    info.add_argument("path")
    info.set_defaults(func=run_info)
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])


def _names():
    from sciml.data.registry import GENERATORS

    return list(GENERATORS)


def run_make(args: argparse.Namespace) -> int:
    from sciml.data import make, save

    data = make(args.name, noise=args.noise, seed=args.seed, progress=not args.no_progress)
    path = save(data, args.out)
    print(f"wrote {path}: {data!r}, noise {args.noise:g}, seed {args.seed}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from sciml.data import load

    data = load(args.path)
    print(repr(data))
    if data.kind == "ode":
        print(f"  trajectories: {data.n_trajectories}, samples per trajectory: {data.t.shape[-1]}, "
              f"t in [{data.t.min():g}, {data.t.max():g}]")
    else:
        for name, c in data.coords.items():
            print(f"  {name} in [{c[0]:g}, {c[-1]:g}], {len(c)} points")
        print(f"  t in [{data.t[0]:g}, {data.t[-1]:g}], {len(data.t)} points")
    for key, value in data.attrs.items():
        print(f"  {key}: {value}")
    return 0
