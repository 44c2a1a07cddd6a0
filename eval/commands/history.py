"""``mteval history``: a system's scores over time from the run history."""
from __future__ import annotations

import sys
from pathlib import Path

from ..history import History, default_history_path


def register(subparsers) -> None:
    p = subparsers.add_parser("history", help="list scores over time from the run history")
    p.add_argument("--db", type=Path, help="history database (default: $MTEVAL_HISTORY or the user cache)")
    p.add_argument("--system", help="only this system")
    p.add_argument("--metric", help="only this metric")
    p.add_argument("--testset", help="only this test set")
    p.add_argument("--format", "-f", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=run_history)


def run_history(args) -> int:
    table = History(args.db or default_history_path()).scores(args.system, args.metric, args.testset)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(table.to_json(orient="records", indent=2) + "\n")
    elif table.empty:
        sys.stdout.write("no scores recorded for this selection\n")
    else:
        shown = table[["created", "run_id", "testset", "system", "metric", "score", "ci_low", "ci_high", "git_commit"]]
        sys.stdout.write(shown.to_string(index=False, na_rep="") + "\n")
    return 0
