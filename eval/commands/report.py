"""``mteval report RUN_DIR``: the self-contained HTML report of a finished run."""
from __future__ import annotations

import sys
from pathlib import Path

from ..report.html import write_html_report


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="write the HTML report of a run directory (RUN_DIR/report.html)")
    p.add_argument("run_dir", type=Path, help="a run directory written by mteval run or mteval score --out")
    p.add_argument("--out", type=Path, help="output file (default: RUN_DIR/report.html)")
    p.set_defaults(func=run_report)


def run_report(args) -> int:
    path = write_html_report(args.run_dir, args.out)
    sys.stdout.write(f"wrote {path}\n")
    return 0
