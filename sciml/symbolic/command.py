"""``sciml export MODEL.json --to FORMAT``: a model file as LaTeX, sympy, Python, torch, C or JSON."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    from sciml.symbolic.printers import FORMATS

    parser = subparsers.add_parser(
        "export", help="export a model file (model/1 JSON) to LaTeX, sympy, Python, torch, C or JSON",
        description="Print (or write with --out) a saved model in another form. Python, torch and C "
        "outputs follow the calling conventions in docs/export.md.")
    parser.add_argument("model", help="model file written by `sciml discover --out` or model.save()")
    parser.add_argument("--to", choices=FORMATS, default="sympy", help="output format (default sympy)")
    parser.add_argument("--out", help="write to this file (atomically) instead of printing")
    parser.add_argument("--digits", type=int, default=4,
                        help="significant digits of LaTeX coefficients (0: all; default 4)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sciml.atomic import atomic_write
    from sciml.symbolic.modelfile import read_model
    from sciml.symbolic.printers import export

    spec = read_model(args.model)
    text = export(spec, args.to, digits=args.digits or None)
    if args.out:
        with atomic_write(args.out) as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.out} ({args.to})")
    else:
        print(text)
    return 0
