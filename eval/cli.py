"""The ``mteval`` command: parses arguments and calls the library; user errors
become one line on stderr and exit status 2 (a traceback only with --debug)."""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import align, check, history, models, report, run, score
from .errors import UserError

COMMANDS = (score, run, report, check, history, align, models)


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="mteval", description="Translation-quality evaluation harness.")
    parser.add_argument("--version", action="version", version=f"mteval {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"mteval: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        sys.stderr.write("mteval: interrupted; finished test sets are kept\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
