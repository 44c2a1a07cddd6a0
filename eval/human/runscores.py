"""A run's metric scores for one test set, as meta-evaluation needs them:
corpus scores (a metric's system score, e.g. corpus BLEU) and the segment
scores, read from a run directory or taken from a just-scored test set."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError


@dataclass
class RunScores:
    testset: str
    systems: list[str]
    n_segments: int
    corpus: dict[str, dict[str, float]]  # metric -> system -> corpus score
    segments: dict[str, np.ndarray]  # metric -> (n_systems, n_segments), rows in ``systems`` order
    higher_is_better: dict[str, bool]
    langs: str | None = None  # selects a pair's rows in human files that hold several (ESA)


def from_scored(scored) -> RunScores:
    """From a ScoredTestSet (during a run, before anything is written)."""
    ts = scored.testset
    systems = list(ts.systems)
    return RunScores(
        ts.name,
        systems,
        len(ts),
        {m: {s: scored.corpus_score(m, s) for s in systems} for m in scored.metrics},
        {m: np.array([scored.segment_score(m, s) for s in systems], dtype=float) for m in scored.metrics},
        {m: bool(metric.higher_is_better) for m, metric in scored.metrics.items()},
        ts.langs,
    )


def read_run_scores(run_dir: str | Path) -> dict[str, RunScores]:
    """Every test set of a finished run directory (results.json + segments.parquet)."""
    import pandas as pd

    run_dir = Path(run_dir)
    results_path = run_dir / "results.json"
    if not results_path.is_file():
        raise UserError(f"{run_dir}: not a run directory (no results.json)")
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{results_path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    segments = pd.read_parquet(run_dir / "segments.parquet") if (run_dir / "segments.parquet").is_file() else None
    out = {}
    for name, data in results.get("testsets", {}).items():
        systems = list(data["systems"])
        metrics = list(data.get("metrics", {})) or sorted({m for s in data["systems"].values() for m in s})
        n = int(data["n_segments"])
        seg = {}
        if segments is not None:
            part = segments[segments["testset"] == name]
            for metric in metrics:
                matrix = np.full((len(systems), n), np.nan)
                if metric in part:
                    for i, system in enumerate(systems):
                        rows = part[part["system"] == system]
                        matrix[i, rows["seg_id"].to_numpy() - 1] = rows[metric].to_numpy(dtype=float)
                seg[metric] = matrix
        out[name] = RunScores(
            name,
            systems,
            n,
            {m: {s: float(data["systems"][s][m]["score"]) for s in systems if m in data["systems"][s]} for m in metrics},
            seg or {m: np.full((len(systems), n), np.nan) for m in metrics},
            {m: bool(data.get("metrics", {}).get(m, {}).get("higher_is_better", True)) for m in metrics},
            data.get("langs"),
        )
    if not out:
        raise UserError(f"{results_path}: the run has no test sets")
    return out
