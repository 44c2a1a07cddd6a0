"""The Python entry points (for scripts and notebooks): score texts, run a
config, read a finished run; results come back as tidy pandas DataFrames."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

from .config import SignificanceSpec, load_config
from .corpora import check_aligned
from .corpora.model import TestSet
from .langs import parse_pair
from .pipeline import evaluate, open_cache, run_config
from .results import Run
from .significance import significance_hook


def score(
    hypotheses: dict[str, Sequence[str]],
    references: Sequence[Sequence[str]] | dict[str, Sequence[str]],
    langs: str,
    sources: Sequence[str] | None = None,
    metrics: Sequence = ("bleu", "chrf", "ter"),
    significance: SignificanceSpec | None = None,
    cache: str | None = "off",
) -> Run:
    """Score systems' outputs; ``run.system_table()`` and ``run.segment_table()``
    are the tidy results. ``references`` is one list of segments per reference."""
    src, tgt = parse_pair(langs)
    refs = references if isinstance(references, dict) else {chr(ord("A") + i): r for i, r in enumerate(references)}
    refs = {k: list(v) for k, v in refs.items()}
    n = len(next(iter(refs.values())))
    testset = check_aligned(
        TestSet("api", src, tgt, list(sources) if sources is not None else [""] * n, refs,
                {k: list(v) for k, v in hypotheses.items()})
    )
    run = Run("api", {"metrics": list(metrics), "langs": langs})
    store = open_cache(cache)
    try:
        evaluate(run, testset, list(metrics), cache=store, significance=significance_hook(significance))
    finally:
        store.close()
    return run


def run_config_file(path: str | Path, out_dir: str | Path | None = None) -> Run:
    """Run a benchmark config as ``mteval run`` does and return the run."""
    config, base = load_config(path)
    run, _ = run_config(config, base, Path(out_dir) if out_dir else None,
                        significance=significance_hook(config.significance or SignificanceSpec()))
    return run


def read_run(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """A finished run directory as DataFrames: ``systems`` (one row per test set,
    system and metric), ``segments``, ``texts`` and ``meta`` (agreement with
    human judgments, one row per test set, metric and statistic; empty when the
    config declared none)."""
    from .human.tidy import meta_frame

    run_dir = Path(run_dir)
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    rows = [
        {"testset": ts, "system": system, "metric": metric, **entry}
        for ts, data in results["testsets"].items()
        for system, metrics in data["systems"].items()
        for metric, entry in metrics.items()
    ]
    return {
        "systems": pd.DataFrame(rows),
        "segments": pd.read_parquet(run_dir / "segments.parquet"),
        "texts": pd.read_parquet(run_dir / "texts.parquet"),
        "meta": meta_frame(results.get("meta")),
    }


def human_agreement(
    run_dir: str | Path,
    human: str | Path,
    human_format: str,
    testset: str | None = None,
    metric_scores: dict[str, str | Path] | None = None,
    da_score: str = "z",
    significance: bool = False,
    **options,
) -> pd.DataFrame:
    """Agreement of a finished run's metrics with human judgments, as ``mteval
    meta`` computes it, as a tidy DataFrame (see ``read_run``'s ``meta``).
    ``options``: rename, include_human, outliers, k, seed (eval.human.agreement.MetaOptions)."""
    from .commands.meta import pick_testset
    from .human import load_human, load_metric_scores
    from .human.agreement import MetaOptions, testset_block
    from .human.runscores import read_run_scores
    from .human.tidy import meta_frame

    runs = read_run_scores(run_dir)
    name = pick_testset(list(runs), testset)
    external = {n: load_metric_scores(p) for n, p in (metric_scores or {}).items()}
    block = testset_block(runs[name], load_human(human, human_format, da_score, runs[name].langs), external,
                          MetaOptions(significance=significance, **options),
                          {"path": str(human), "format": human_format})
    return meta_frame({"testsets": {name: block}})
