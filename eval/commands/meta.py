"""``mteval meta RUN_DIR --human FILE --human-format FMT``: how well each metric
of a finished run agrees with human judgments (MTME's statistics)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import UserError
from ..human import DA_SCORES, HUMAN_FORMATS
from ..values import POSITIVE, SEED
from .options import typed

TABLE_COLUMNS = ("sys_pearson", "sys_kendall_b", "sys_accuracy", "sys_spa",
                 "seg_pearson_none", "seg_kendall_b_none", "seg_acc_eq_item")


def register(subparsers) -> None:
    p = subparsers.add_parser("meta", help="agreement of a run's metrics with human judgments (DA, MQM, ESA, ...)")
    p.add_argument("run_dir", type=Path, help="a run directory written by mteval run or mteval score --out")
    p.add_argument("--human", type=Path, required=True, help="file of human judgments")
    p.add_argument("--human-format", required=True, choices=HUMAN_FORMATS, help="layout of --human")
    p.add_argument("--da-score", choices=DA_SCORES, default="z", help="DA column: z-normalised (default) or raw")
    p.add_argument("--testset", help="the run's test set the judgments belong to (needed when the run has several)")
    p.add_argument("--metric-scores", action="append", default=[], metavar="NAME=FILE",
                   help="scores of a metric computed elsewhere (generic TSV/JSONL or MTME layout, higher = better)")
    p.add_argument("--rename", action="append", default=[], metavar="FILE_NAME=RUN_NAME",
                   help="system name in the score files -> the run's system name (repeatable)")
    p.add_argument("--include-human", action="store_true", help="keep human translations among the systems")
    p.add_argument("--outliers", default="", help="comma-separated systems of the run to leave out")
    p.add_argument("--significance", action="store_true",
                   help="PERM-BOTH tests between metrics and MTME's rank clusters")
    p.add_argument("--k", type=typed(POSITIVE), default=1000, help="permutations of the significance test (default 1000)")
    p.add_argument("--seed", type=typed(SEED), default=0, help="seed of the significance test (default 0)")
    p.add_argument("--format", "-f", choices=["json", "table"], default="table")
    p.set_defaults(func=run_meta)


def pairs(values: list[str], option: str) -> dict[str, str]:
    """``NAME=VALUE`` options as a dict; a malformed or repeated name is an error."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise UserError(f"{option} {value!r}: expected NAME=VALUE")
        if name.strip() in out:
            raise UserError(f"{option}: {name.strip()!r} is given twice")
        out[name.strip()] = rest.strip()
    return out


def pick_testset(names: list[str], wanted: str | None) -> str:
    if wanted is None:
        if len(names) > 1:
            raise UserError(f"--testset: the run has {len(names)} test sets ({', '.join(names)}); name one")
        return names[0]
    if wanted not in names:
        raise UserError(f"--testset {wanted!r}: the run has no such test set ({', '.join(names)})")
    return wanted


def run_meta(args) -> int:
    from ..human import load_human, load_metric_scores
    from ..human.agreement import MetaOptions, pooled, testset_block
    from ..human.runscores import read_run_scores

    if args.k < 1:
        raise UserError(f"--k {args.k}: expected a positive number of permutations")
    runs = read_run_scores(args.run_dir)
    name = pick_testset(list(runs), args.testset)
    human = load_human(args.human, args.human_format, args.da_score, runs[name].langs)
    external = {n: load_metric_scores(Path(f)) for n, f in pairs(args.metric_scores, "--metric-scores").items()}
    options = MetaOptions(rename=pairs(args.rename, "--rename"), include_human=args.include_human,
                          outliers=[s.strip() for s in args.outliers.split(",") if s.strip()],
                          significance=args.significance, k=args.k, seed=args.seed)
    describe = {"path": str(args.human), "format": args.human_format}
    if args.human_format in ("da", "da-sys"):
        describe["score"] = args.da_score
    block = testset_block(runs[name], human, external, options, describe)
    for warning in block["warnings"]:
        sys.stderr.write(f"mteval: warning: {warning}\n")
    result = {"testsets": {name: block}, "pooled": pooled({name: block})}
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(table(result))
    return 0


def table(result: dict) -> str:
    """Metrics as rows, the main statistics as columns; ``-`` = undefined."""
    lines = []
    for name, block in result["testsets"].items():
        lines.append(f"{name}: {block['n_systems']} systems, {block['n_rated_segments']} rated segments "
                     f"({block['human']['format']}: {block['human']['path']})")
        width = max(len(m) for m in block["metrics"]) + 2
        lines.append("metric".ljust(width) + "".join(c.rjust(20) for c in TABLE_COLUMNS))
        order = sorted(block["metrics"], key=lambda m: -(block["metrics"][m].get("sys_pearson") or -9))
        for metric in order:
            values = block["metrics"][metric]
            cells = ("-" if values.get(c) is None else f"{values[c]:.3f}" for c in TABLE_COLUMNS)
            lines.append(metric.ljust(width) + "".join(c.rjust(20) for c in cells))
        for metric, why in block["reasons"].items():
            for stat, reason in why.items():
                if stat in TABLE_COLUMNS:
                    lines.append(f"  {metric} {stat}: {reason}")
        for stat, ranked in block.get("ranks", {}).items():
            order = sorted(ranked["ranks"], key=lambda m: (ranked["ranks"][m], -(ranked["scores"][m] or -9)))
            lines.append(f"clusters by {stat}: " + ", ".join(f"{ranked['ranks'][m]}:{m}" for m in order))
        lines.append("")
    return "\n".join(lines)
