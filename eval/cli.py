"""The ``mteval`` command: parses arguments and calls the library; user errors
become one line on stderr and exit status 2 (a traceback only with --debug)."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import UserError
from .interrupts import exit_status, forget_interrupt, signal_name, stop_on_signals

# Subcommand modules, in help order; each defines register(subparsers).
COMMANDS = ("score", "run", "report", "check", "meta", "history", "align", "models")


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a subcommand only that one's module is
    imported, so a warm ``mteval score`` does not pay for the report's imports."""
    parser = Parser(prog="mteval", description="Translation-quality evaluation harness.")
    parser.add_argument("--version", action="version", version=f"mteval {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    named = [a for a in argv or [] if a in COMMANDS][:1]
    for name in named or COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The program (``argv=None``: sys.argv, and the process ends after it)."""
    try:
        with stop_on_signals(restore=argv is not None):
            return _main(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt as exc:  # SIGINT or SIGTERM (eval/interrupts.py)
        forget_interrupt()
        sys.stderr.write(f"mteval: interrupted by {signal_name(exc)}; finished test sets are kept\n")
        return exit_status(exc)


def _main(argv: list[str]) -> int:
    args = None
    try:
        args = build_parser(argv).parse_args(argv)
        return args.func(args)
    except UserError as exc:
        if args is not None and args.debug:
            raise
        sys.stderr.write(f"mteval: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
