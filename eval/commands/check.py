"""``mteval check``: the CI regression gate (exit 0 pass, 1 regression, 2 error)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..atomic import write_text
from ..check import Options, compare, junit_xml, load_run, markdown_summary
from ..errors import UserError, file_errors
from ..stats import DEFAULT_ALPHA, DEFAULT_BOOTSTRAP_SAMPLES
from ..values import POSITIVE, PROBABILITY, SEED, Number
from .options import typed


def register(subparsers) -> None:
    p = subparsers.add_parser("check", help="fail when a run regressed against a baseline run (CI gate)")
    p.add_argument("current", type=Path, help="the new run: a run directory or its results.json")
    p.add_argument("--baseline", type=Path, required=True, help="the run to compare against (directory or results.json)")
    p.add_argument("--metrics", nargs="+", metavar="METRIC", help="metrics to check (default: all in both runs)")
    p.add_argument("--max-drop", action="append", default=[], metavar="METRIC=DELTA",
                   help="tolerated drop in score points for a metric (default 0), repeatable")
    p.add_argument("--require-significance", action="store_true",
                   help="a drop counts only when the paired bootstrap finds it significant (needs stats.npz)")
    p.add_argument("--alpha", type=typed(PROBABILITY), default=DEFAULT_ALPHA, help="significance level (default: %(default)s)")
    p.add_argument("--bootstrap-n", type=typed(POSITIVE), default=DEFAULT_BOOTSTRAP_SAMPLES,
                   help="bootstrap resamples (default: %(default)s)")
    p.add_argument("--seed", type=typed(SEED), help="resampling seed (default: $SACREBLEU_SEED or 12345)")
    p.add_argument("--allow-signature-mismatch", action="store_true",
                   help="compare even when metric signatures differ")
    p.add_argument("--allow-missing", action="store_true",
                   help="pass even when the current run lacks test sets of the baseline or of its own plan "
                        "(a run that stopped early); they are listed either way")
    p.add_argument("--summary", type=Path, metavar="FILE.md", help="write a Markdown summary (PR comment)")
    p.add_argument("--junit", type=Path, metavar="FILE.xml", help="write JUnit XML, one test case per system x metric")
    p.set_defaults(func=run_check)


def parse_max_drop(items: list[str]) -> dict[str, float]:
    tolerances: dict[str, float] = {}
    for item in items:
        metric, sep, value = item.partition("=")
        if not sep or not metric:
            raise UserError(f"--max-drop {item!r}: expected METRIC=DELTA with DELTA >= 0, e.g. bleu=0.5")
        try:
            tolerances[metric] = Number(minimum=0).parse(value)
        except ValueError as exc:
            raise UserError(f"--max-drop {item!r}: {exc}") from None
    return tolerances


def run_check(args) -> int:
    options = Options(
        metrics=args.metrics,
        max_drop=parse_max_drop(args.max_drop),
        require_significance=args.require_significance,
        allow_signature_mismatch=args.allow_signature_mismatch,
        allow_missing=args.allow_missing,
        alpha=args.alpha,
        n_samples=args.bootstrap_n,
        seed=args.seed,
    )
    current = load_run(args.current, "current")
    baseline = load_run(args.baseline, "baseline")
    comparison = compare(current, baseline, options)
    summary = markdown_summary(comparison, options)
    if args.summary:
        with file_errors("the summary", args.summary):
            write_text(args.summary, summary)
    if args.junit:
        with file_errors("the JUnit report", args.junit):
            write_text(args.junit, junit_xml(comparison))
    sys.stdout.write(summary)
    return 1 if comparison.failed else 0
