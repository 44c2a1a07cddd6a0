"""``mteval run CONFIG``: a benchmark config, end to end."""
from __future__ import annotations

import sys
from pathlib import Path

from ..config import SignificanceSpec, load_config
from ..pipeline import run_config
from ..report.leaderboard import leaderboard_markdown
from ..report.write import REPORT_FILE
from ..significance import significance_hook
from ..values import POSITIVE
from .options import add_executor_arguments, executor_spec, typed


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run a benchmark config (configs/*.yaml)")
    p.add_argument("config", type=Path)
    p.add_argument("--out", type=Path, help="output folder (default: the config's 'output')")
    p.add_argument("--jobs", "-j", type=typed(POSITIVE), help="worker processes (default: all cores)")
    add_executor_arguments(p)
    p.set_defaults(func=run_run)


def run_run(args) -> int:
    config, base = load_config(args.config)
    run, out = run_config(config, base, args.out, args.jobs, significance_hook(config.significance or SignificanceSpec()),
                          args.config, executor_spec(args, config.executor.spec()))
    sys.stdout.write(leaderboard_markdown(run))
    sys.stdout.write(f"\nwrote {out} (report: {out / REPORT_FILE})\n")
    return 0
