"""``mteval score``: sacreBLEU-style ad-hoc scoring of hypothesis files."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..corpora import check_aligned
from ..corpora.bom import note_kept_marks
from ..corpora.files import read_lines
from ..corpora.model import TestSet
from ..corpora.validate import unique_names
from ..config import SignificanceSpec
from ..errors import UserError
from ..langs import parse_pair
from ..pipeline import evaluate, open_cache
from ..results import Run
from ..significance import significance_hook
from ..values import POSITIVE, SEED, Integer
from ..execution import make_executor
from ..streaming import DEFAULT_CHUNK_ROWS
from .options import add_executor_arguments, executor_spec, metric_entries, typed


def register(subparsers) -> None:
    p = subparsers.add_parser("score", help="score hypothesis files against references (like sacrebleu)")
    p.add_argument("--src", type=Path, help="source file, one segment per line")
    p.add_argument("--refs", type=Path, nargs="+", help="reference file(s)")
    p.add_argument("--hyps", type=Path, nargs="+", help="hypothesis file(s), one per system")
    p.add_argument("--table", type=Path, help="instead of --src/--refs/--hyps: one row per segment in a JSONL "
                   "file (.jsonl) or Parquet (.parquet, or a folder of them), mapped by --columns")
    p.add_argument("--columns", nargs="+", metavar="KEY=COLUMN",
                   help="with --table: source=COL, ref:NAME=COL (one or more), sys:NAME=COL (one or more)")
    p.add_argument("--langs", "-l", required=True, help="language pair, e.g. de-en")
    p.add_argument("--metrics", "-m", default="bleu,chrf,ter", help="comma-separated (default: bleu,chrf,ter)")
    p.add_argument("--names", nargs="+", help="system names (default: the hypothesis file names)")
    p.add_argument("--tokenize", "-tok", help="BLEU tokenizer (default: sacreBLEU's choice for the target language)")
    p.add_argument("--model", help="model for model-based metrics: a known name, a local directory or a hub id")
    p.add_argument("--option", "-o", action="append", default=[], metavar="METRIC.KEY=VALUE", help="metric option, repeatable")
    p.add_argument("--engine", choices=["auto", "fast", "sacrebleu"], default="auto")
    p.add_argument("--format", "-f", choices=["json", "table"], default="table")
    p.add_argument("--out", type=Path, help="also write a run directory (results.json, reports)")
    p.add_argument("--cache", help="statistics cache path, or 'off' (default: user cache)")
    p.add_argument("--jobs", "-j", type=typed(POSITIVE), help="worker processes (default: all cores)")
    add_executor_arguments(p)
    add_significance_arguments(p)
    g = p.add_argument_group("streaming (inputs larger than memory; docs/SCALE.md)")
    g.add_argument("--stream", action="store_true",
                   help="read the files a chunk of lines at a time: memory stays flat however long they are")
    g.add_argument("--chunk-size", type=typed(CHUNK_ROWS), metavar="ROWS",
                   help=f"lines per chunk with --stream (default: {DEFAULT_CHUNK_ROWS:,})")
    p.set_defaults(func=run_score)


CHUNK_ROWS = Integer(minimum=1, maximum=10_000_000)


def add_significance_arguments(p: argparse.ArgumentParser) -> None:
    """sacreBLEU's significance options, same names and defaults."""
    g = p.add_argument_group("significance (as sacrebleu --paired-bs / --paired-ar / --confidence)")
    test = g.add_mutually_exclusive_group()
    test.add_argument("--paired-bs", action="store_true", help="paired bootstrap resampling (1000 resamples)")
    test.add_argument("--paired-ar", action="store_true", help="paired approximate randomisation (10000 trials)")
    g.add_argument("--paired-n", type=typed(POSITIVE), help="resamples or trials (default: 1000 for bs, 10000 for ar)")
    g.add_argument("--baseline", help="baseline system for p-values (default: the first system)")
    g.add_argument("--confidence", action="store_true", help="95%% bootstrap confidence interval per system")
    g.add_argument("--seed", type=typed(SEED), help="random seed (default: SACREBLEU_SEED or 12345)")


def _system_names(args) -> list[str]:
    if args.names:
        if len(args.names) != len(args.hyps):
            raise UserError(f"--names: {len(args.names)} names for {len(args.hyps)} hypothesis files")
        names = list(args.names)
    else:
        names = [p.name for p in args.hyps]
    unique_names(names, "system", " (use --names to tell the files apart)")
    return names


def check_inputs(args) -> None:
    """Files (--refs, --hyps) or a table (--table, --columns), not both."""
    if args.table is not None:
        if args.src or args.refs or args.hyps or args.names:
            raise UserError("--table replaces --src, --refs, --hyps and --names (name systems in --columns)")
        if not args.columns:
            raise UserError("--table needs --columns (source=COL ref:NAME=COL sys:NAME=COL)")
    elif args.columns:
        raise UserError("--columns needs --table")
    elif not args.refs or not args.hyps:
        raise UserError("give --refs and --hyps (or --table with --columns)")


def build_testset(args) -> TestSet:
    if args.table is not None:
        return table_testset(args)
    src, tgt = parse_pair(args.langs, "--langs")
    refs = {chr(ord("A") + i): read_lines(p) for i, p in enumerate(args.refs)}
    names = _system_names(args)
    systems = {n: read_lines(p) for n, p in zip(names, args.hyps)}
    source_path = args.src or args.refs[0]
    source = read_lines(args.src) if args.src else [""] * len(refs["A"])
    provenance = {"source": str(source_path)}
    provenance.update({f"ref:{chr(ord('A') + i)}": str(p) for i, p in enumerate(args.refs)})
    provenance.update({f"sys:{n}": str(p) for n, p in zip(names, args.hyps)})
    ts = TestSet("cli", src, tgt, source, refs, systems, provenance=provenance)
    note_kept_marks(ts)
    return check_aligned(ts)


def run_score(args) -> int:
    check_inputs(args)
    if args.stream:
        return run_score_streamed(args)
    if args.chunk_size is not None:
        raise UserError("--chunk-size needs --stream")
    testset = build_testset(args)
    executor = make_executor(executor_spec(args))
    entries = metric_entries(args.metrics, args.option, args.tokenize, args.model)
    run = Run("score", {"command": "score", "metrics": entries, "langs": args.langs})
    cache = open_cache(args.cache)
    try:
        hook = significance_hook(significance_spec(args, list(testset.systems)))
        evaluate(run, testset, entries, args.engine, cache, args.jobs, hook, executor)
    finally:
        cache.close()
    show_scores(run, args.format)
    if args.out:  # after the scores are shown, so an unwritable folder costs no work
        from ..report.write import write_run

        write_run(run, args.out)
    return 0


def table_columns(specs: list[str]):
    """``source=COL ref:NAME=COL sys:NAME=COL`` as a column mapping."""
    from ..corpora.tabular import Columns

    source, refs, systems = None, {}, {}
    for spec in specs:
        key, sep, column = spec.partition("=")
        kind, _, name = key.partition(":")
        if not sep or not column or (kind == "source") == bool(name) or kind not in ("source", "ref", "sys"):
            raise UserError(f"--columns: expected source=COL, ref:NAME=COL or sys:NAME=COL, got {spec!r}")
        if kind == "source":
            source = column
        else:
            target = refs if kind == "ref" else systems
            if name in target:
                raise UserError(f"--columns: {kind}:{name} is given twice")
            target[name] = column
    if source is None or not refs or not systems:
        raise UserError("--columns: give source=COL, at least one ref:NAME=COL and at least one sys:NAME=COL")
    return Columns(source=source, references=refs, systems=systems)


def table_provenance(columns, where: str) -> dict[str, str]:
    provenance = {"source": where}
    provenance.update({f"ref:{k}": where for k in columns.references})
    provenance.update({f"sys:{k}": where for k in columns.systems})
    return provenance


def table_testset(args) -> TestSet:
    """The whole table in memory (the path without --stream): the streaming
    reader with one chunk, so both paths read a table the same way."""
    from ..streaming.readers import table_chunks

    src, tgt = parse_pair(args.langs, "--langs")
    columns = table_columns(args.columns)
    ts = TestSet("cli", src, tgt, [], {k: [] for k in columns.references}, {k: [] for k in columns.systems},
                 provenance=table_provenance(columns, str(args.table)))
    from ..corpora.bom import add_note

    for chunk in table_chunks(args.table, columns, 1 << 30, lambda message: add_note(ts, message)):
        ts.source += chunk.source
        for name in columns.references:
            ts.references[name] += chunk.references[name]
        for name in columns.systems:
            ts.systems[name] += chunk.systems[name]
    note_kept_marks(ts)
    return check_aligned(ts)


def run_score_streamed(args) -> int:
    """The same output and run directory, with the files read a chunk at a time
    (eval/streaming): nothing holds all segments in memory."""
    from ..scoring import build_metrics
    from ..config import metric_specs
    from ..streaming.command import refuse_executor, score_streamed
    from ..streaming.loop import StreamedTestSet
    from ..corpora.bom import add_note
    from ..streaming.readers import table_chunks, text_chunks

    src, tgt = parse_pair(args.langs, "--langs")
    refuse_executor(executor_spec(args).kind)
    size = args.chunk_size or DEFAULT_CHUNK_ROWS
    if args.table is not None:
        columns = table_columns(args.columns)
        where = str(args.table)
        testset = StreamedTestSet("cli", src, tgt, {k: where for k in columns.references},
                                  {k: where for k in columns.systems}, table_provenance(columns, where))
        chunks = table_chunks(args.table, columns, size, lambda message: add_note(testset, message))
    else:
        names = _system_names(args)
        refs = {chr(ord("A") + i): p for i, p in enumerate(args.refs)}
        systems = dict(zip(names, args.hyps))
        provenance = {"source": str(args.src or args.refs[0])}
        provenance.update({f"ref:{k}": str(p) for k, p in refs.items()})
        provenance.update({f"sys:{n}": str(p) for n, p in systems.items()})
        testset = StreamedTestSet("cli", src, tgt, {k: str(p) for k, p in refs.items()},
                                  {n: str(p) for n, p in systems.items()}, provenance)
        chunks = text_chunks(args.src, refs, systems, size)
    names = list(testset.systems)
    entries = metric_entries(args.metrics, args.option, args.tokenize, args.model)
    metrics = build_metrics(metric_specs(entries), tgt, args.engine, src)
    run = Run("score", {"command": "score", "metrics": entries, "langs": args.langs})
    hook = significance_hook(significance_spec(args, names))
    cache = open_cache(args.cache)
    try:
        score_streamed(run, testset, chunks, metrics, cache, hook, args.out, lambda r: show_scores(r, args.format))
    finally:
        cache.close()
    return 0


def show_scores(run: Run, fmt: str) -> None:
    if fmt == "json":
        json.dump(score_json(run), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(score_table(run))
    sys.stdout.flush()


def significance_spec(args, systems: list[str]) -> SignificanceSpec | None:
    if not (args.paired_bs or args.paired_ar or args.confidence):
        return None
    paired = args.paired_bs or args.paired_ar
    baseline = args.baseline or (systems[0] if paired else None)
    test = "ar" if args.paired_ar else "bs"
    return SignificanceSpec(test=test, baseline=baseline, n=args.paired_n, confidence=args.confidence, seed=args.seed)


def _significance_text(label: str, entry: dict) -> str:
    parts = []
    if "ci" in entry:
        parts.append(f"95% CI [{entry['ci'][0]:.2f}, {entry['ci'][1]:.2f}]")
    if "p_value" in entry:
        parts.append(f"p = {entry['p_value']:.4f}")
    if "cluster" in entry:
        parts.append(f"cluster {entry['cluster']}")
    return f"{label}: " + ", ".join(parts) if parts else ""


def score_json(run: Run) -> dict:
    ts = run.scored[0].testset
    return {
        "langs": ts.langs,
        "n_segments": len(ts),
        "references": list(ts.references),
        "systems": run.entries[ts.name],
    }


def score_table(run: Run) -> str:
    scored = run.scored[0]
    labels = list(scored.metrics)
    systems = list(scored.testset.systems)
    width = max(len("system"), *(len(s) for s in systems))
    lines = ["system".ljust(width) + "".join(f"{label:>12}" for label in labels)]
    for system in systems:
        entry = run.entries[scored.testset.name][system]
        lines.append(system.ljust(width) + "".join(f"{entry[l]['score']:>12.2f}" for l in labels))
        detail = [_significance_text(l, entry[l]) for l in labels]
        if any(detail):
            lines.append(" " * width + "  " + "; ".join(d for d in detail if d))
    lines.append("")
    lines += [f"{label}: {scored.signatures[label]}" for label in labels]
    return "\n".join(lines) + "\n"
