"""The ``sciml`` command.

Each subcommand lives in the package it belongs to and exposes
``register(subparsers)``; this file only lists them, so adding a command never
means editing another package's code.

``sciml --help`` imports every command module, so a command module imports only
the standard library (and light sciml modules) at the top, and everything heavy
(torch, sympy, scipy, h5py, matplotlib) inside the function that runs the
command; ``tests/commands/test_cli.py`` checks it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> module with ``register(subparsers)``; the module adds its parser and
# sets ``func`` (a callable taking the parsed namespace and returning an exit code).
COMMANDS = {
    "info": "sciml.commands.info",
    "demo": "sciml.commands.demo",
    "data": "sciml.data.command",
    "discover": "sciml.discovery.command",
    "export": "sciml.symbolic.command",
    "solve": "sciml.pinn.command",
}


def build_parser() -> argparse.ArgumentParser:
    from sciml import __version__

    parser = argparse.ArgumentParser(
        prog="sciml",
        description="Scientific machine learning in PyTorch: solve differential equations with neural "
        "solvers, discover governing equations from data, export symbolic models.",
    )
    parser.add_argument("--version", action="version", version=f"sciml {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # a command whose package has not landed yet is simply not offered
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for commands that relaunch themselves
    from sciml.errors import InputError, SciMLError

    try:
        return int(args.func(args) or 0)
    except SciMLError as exc:
        if isinstance(exc, InputError):
            exc = _as_option(exc, _option_names(parser, args))
        print(f"sciml {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. --out naming a directory, a disk that is full
        name = exc.filename2 or exc.filename  # for a rename, the target rather than the temporary file
        where = f": {name}" if name else ""
        print(f"sciml {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except (RecursionError, MemoryError) as exc:  # a last guard: the readers bound nesting and sizes first
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too large for the memory available"
        print(f"sciml {args.command}: error: the input is {what} ({type(exc).__name__})", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # sciml.train.TrainingInterrupted says where the checkpoint is
        code = getattr(exc, "exit_code", 130)
        print(f"sciml {args.command}: {exc or 'interrupted'}", file=sys.stderr)
        return code



def _option_names(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """Python argument name -> the command-line option that sets it (``time_budget`` -> ``--time-budget``).

    From the options of the subcommand that ran, plus its ``option_names`` default for arguments
    named differently in Python (``sciml data make --noise`` is ``add_noise(level=…)``).
    """
    while True:  # down to the subcommand that ran (``sciml data make``)
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, sub.dest, None) if sub is not None else None
        if name not in getattr(sub, "choices", {}):
            break
        parser = sub.choices[name]
    names = {a.dest: a.option_strings[-1] for a in parser._actions if a.option_strings and a.dest != "help"}
    names.update(getattr(args, "option_names", None) or {})
    return names


def _as_option(exc, names: dict[str, str]):
    """The error naming the option the user typed instead of the Python argument behind it."""
    from sciml.errors import InputError

    option = names.get(exc.argument)
    return InputError(option, exc.expected, exc.got, exc.hint) if option else exc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
