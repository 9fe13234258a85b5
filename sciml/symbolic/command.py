"""``sciml export MODEL.json --to FORMAT``: a model file as LaTeX, sympy, Python, torch, C or JSON.

Every export is checked against the model before it is printed or written
(:func:`sciml.symbolic.checks.check_export`); ``--no-check`` skips that.
"""

from __future__ import annotations

import argparse
import sys

from sciml.symbolic.formats import FORMATS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="export a model file (model/1 JSON) to LaTeX, sympy, Python, torch, C or JSON",
        description="Print (or write with --out) a saved model in another form. Python, torch and C "
        "outputs follow the calling conventions in docs/export.md; each is run on test points against the "
        "model (C through the system compiler, when there is one) before it is printed or written.")
    parser.add_argument("model", help="model file written by `sciml discover --out` or model.save()")
    parser.add_argument("--to", choices=FORMATS, default="sympy", help="output format (default sympy)")
    parser.add_argument("--out", help="write to this file (atomically) instead of printing")
    parser.add_argument("--digits", type=int, default=4,
                        help="significant digits of LaTeX coefficients (0: all; default 4)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip running the exported code against the model")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sciml.atomic import atomic_write
    from sciml.errors import InputError, ModelFileError
    from sciml.symbolic.checks import check_export
    from sciml.symbolic.modelfile import read_model
    from sciml.symbolic.printers import export

    if args.digits < 0:
        raise InputError("--digits", "a number of significant digits >= 0 (0: all)", args.digits)
    spec = read_model(args.model)
    try:
        text = export(spec, args.to, digits=args.digits or None)
        note = "not checked (--no-check)" if args.no_check else check_export(spec, args.to, text)
    except InputError as exc:  # a model the reader accepts but this format cannot carry: name the file
        raise ModelFileError(f"{args.model}: cannot export to {args.to}: {exc}") from None
    if args.out:
        with atomic_write(args.out) as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.out} ({args.to}; {note})")
    else:
        print(text)
        print(f"sciml export: {note}", file=sys.stderr)
    return 0
