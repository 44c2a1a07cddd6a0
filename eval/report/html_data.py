"""Everything the HTML report shows, read back from a finished run directory
(docs/RUN_FORMAT.md) into one JSON-ready dict. Only the run's files are read,
so any finished run can be reported on, on any machine."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import check, stats
from ..corpora.model import TestSet
from ..errors import UserError
from .html_buckets import frequency_buckets, group_scores, length_buckets
from .names import safe_name
from .output_summary import untranslated_rows
from .run_texts import run_doc_ids, run_testset
from .selection import Limits, Selection, select_rows
from .system import SEVERITIES

# results.json keys other workers add (run level or test-set level), shown as notes.
NOTE_KEYS = ("repairs", "alignment", "reference_alignment", "long_inputs", "notes")
FLAG_PREFIX = "flag:"  # boolean segments.parquet columns, e.g. "flag:off-target"
SPANS_PREFIX = "spans:"  # JSON error-span lists per segment, e.g. "spans:comet" (xCOMET)


def report_data(run_dir: str | Path, limits: Limits = Limits()) -> dict[str, Any]:
    """The report's data for the run in ``run_dir``; test sets over
    ``limits.full_rows`` segments carry a selection of rows (selection.py)."""
    run = check.load_run(run_dir, "report")
    folder = run.folder
    segments = _read_parquet(folder / "segments.parquet")
    board = folder / "leaderboard.md"
    results = run.results
    return {
        "name": results.get("name", ""),
        "created": results.get("created", ""),
        "mteval_version": results.get("mteval_version", ""),
        "config": results.get("config"),
        "leaderboard_md": board.read_text(encoding="utf-8") if board.exists() else "",
        "notes": {k: results[k] for k in NOTE_KEYS if k in results},
        "meta": results.get("meta") or {},
        "testsets": [
            _testset(run, name, segments, limits) for name in results["testsets"]
        ],
    }


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise UserError(f"{path}: unreadable run file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None


def _testset(run: check.RunRecord, name: str, segments: pd.DataFrame, limits: Limits) -> dict[str, Any]:
    info = run.testsets[name]
    systems = list(info["systems"])
    metrics = list(next(iter(info["systems"].values()), {}))
    n = info["n_segments"]
    testset = run_testset(run.folder / "texts.parquet", name, str(info.get("langs", "")), n,
                          info.get("references") or [], systems)
    seg = segments[segments["testset"] == name] if not segments.empty else segments
    hib = {m: check.higher_is_better(run, name, m) for m in metrics}
    scores = {m: {s: _column(seg, s, m, n) for s in systems} for m in metrics if m in seg.columns}
    flags = _flags(run.folder, info, name, systems, seg, testset, n)
    selection = select_rows(n, scores, hib, flags, limits)
    rows = selection.rows
    docs = _per_segment(seg, systems, "doc_id", n) or run_doc_ids(run.folder / "texts.parquet", name, n)
    domains = _per_segment(seg, systems, "domain", n)
    text = _texts(testset, rows)
    data = {
        "name": name,
        "langs": info.get("langs", ""),
        "n": n,
        "refs": list(text["refs"]),
        "systems": systems,
        "metrics": [
            {"name": m, "higher_is_better": hib[m], "signature": _signature(info, systems, m)} for m in metrics
        ],
        "entries": info["systems"],
        "extra": {k: v for k, v in info.items() if k in (*NOTE_KEYS, "provenance", "content_hash",
                                                          "segments_computed", "segments_cached")},
        "scores": {m: {s: _rounded(v[rows]) for s, v in by_system.items()} for m, by_system in scores.items()},
        "text": text,
        "docs": None if docs is None else [docs[i] for i in rows.tolist()],
        "domains": None if domains is None else [domains[i] for i in rows.tolist()],
        "flags": {label: {s: _local(np.flatnonzero(mask), rows) for s, mask in by_system.items()}
                  for label, by_system in flags.items()},
        "spans": _spans(seg, systems, n, rows),
        "statistics": _statistics(run.folder, info, name, systems),
        "alpha": stats.DEFAULT_ALPHA,
        "test": _pairwise_test(run)[0],
    }
    if not selection.complete:
        data.update(_whole_test_set(selection, scores, hib, flags, systems, limits))
    data["significance"], data["buckets"] = _analyses(run, data, testset, docs, domains, selection, hib)
    return data


def _whole_test_set(selection: Selection, scores: dict, hib: dict, flags: dict, systems: list[str],
                    limits: Limits) -> dict[str, Any]:
    """For a page that carries a selection: which rows and why, and what the
    charts need from every segment (distributions, flag counts, segment wins)."""
    rows = selection.rows
    return {
        "rows": rows.tolist(),
        "selection": {
            "shown": len(rows),
            "per_system": selection.per_system,
            "sample": _local(selection.sample, rows),
            "limits": {"full_rows": limits.full_rows, "worst_best": limits.worst_best, "sample": limits.sample,
                       "flagged_cap": limits.flagged_cap, "seed": limits.seed},
            "full_data": "segments.parquet",
        },
        "distribution": {m: {s: _distribution(v) for s, v in by_system.items()} for m, by_system in scores.items()},
        "flag_counts": {label: {s: int(mask.sum()) for s, mask in by_system.items()} for label, by_system in flags.items()},
        "wins": {m: _wins([by_system[s] for s in systems], hib[m]) for m, by_system in scores.items()},
    }


def _local(indices: np.ndarray, rows: np.ndarray) -> list[int]:
    """Positions in ``rows`` (sorted) of the ``indices`` it holds."""
    indices = np.asarray(indices, dtype=np.int64)
    at = np.searchsorted(rows, indices)
    inside = at < len(rows)
    at, indices = at[inside], indices[inside]
    return at[rows[at] == indices].tolist()


def _distribution(values: np.ndarray) -> dict[str, Any]:
    """Quantiles (linear interpolation, as the page computes them) and mean of the finite scores."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"q": [None] * 5, "mean": None, "count": 0}
    q = np.quantile(finite, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"q": [round(float(v), 4) for v in q], "mean": round(float(finite.mean()), 4), "count": int(len(finite))}


def _wins(columns: list[np.ndarray], higher_is_better: bool) -> dict[str, list[list[int]]]:
    """``better[a][b]``: segments where system a scores better than b; ``ties[a][b]``: equal."""
    k = len(columns)
    better = [[0] * k for _ in range(k)]
    ties = [[0] * k for _ in range(k)]
    for a in range(k):
        for b in range(k):
            if a == b:
                continue
            x, y = columns[a], columns[b]
            both = np.isfinite(x) & np.isfinite(y)
            d = (x - y)[both] if higher_is_better else (y - x)[both]
            better[a][b], ties[a][b] = int((d > 0).sum()), int((d == 0).sum())
    return {"better": better, "ties": ties}


def _texts(testset: TestSet, rows: np.ndarray) -> dict[str, Any]:
    """Source, references and outputs of ``rows`` only, read through the test set's sequences."""
    def pick(column) -> list[str]:
        if hasattr(column, "take"):
            return column.take(rows)
        return [column[i] or "" for i in rows.tolist()]

    return {
        "source": pick(testset.source),
        "refs": {r: pick(v) for r, v in testset.references.items()},
        "sys": {s: pick(v) for s, v in testset.systems.items()},
    }


def _column(seg: pd.DataFrame, system: str, metric: str, n: int) -> np.ndarray:
    """A system's segment scores in segment order (NaN: no score)."""
    values = np.full(n, np.nan)
    if seg.empty:
        return values
    rows = seg[seg["system"] == system]
    ids = rows["seg_id"].to_numpy(dtype=np.int64)
    ok = (ids >= 1) & (ids <= n)
    values[ids[ok] - 1] = rows[metric].to_numpy(dtype=np.float64)[ok]
    return values


def _rounded(values: np.ndarray) -> list:
    """Scores rounded for size (None: NaN)."""
    return [None if not math.isfinite(v) else round(v, 2) for v in values.tolist()]


def _per_segment(seg: pd.DataFrame, systems: list[str], column: str, n: int) -> list | None:
    if seg.empty or column not in seg.columns or not systems:
        return None
    rows = seg[seg["system"] == systems[0]].sort_values("seg_id")
    values = [None if pd.isna(v) else str(v) for v in rows[column].tolist()]
    return values if len(values) == n and any(v is not None for v in values) else None


def _signature(info: dict, systems: list[str], metric: str) -> str:
    for system in systems:
        sig = info["systems"][system].get(metric, {}).get("signature")
        if sig:
            return sig
    return ""


def _system_json(folder: Path, info: dict, name: str, system: str) -> dict | None:
    """The system's report: at the path results.json records, else (runs
    written before it did) at the readable name."""
    stem = (info.get("system_reports") or {}).get(system)
    if not isinstance(stem, str) or ".." in Path(stem).parts or Path(stem).is_absolute():
        stem = f"systems/{safe_name(name)}/{safe_name(system)}"
    path = folder / f"{stem}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _statistics(folder: Path, info: dict, name: str, systems: list[str]) -> dict[str, Any]:
    """Output statistics from the per-system reports (systems/TESTSET/SYSTEM.json)."""
    out = {}
    for system in systems:
        report = _system_json(folder, info, name, system)
        if report and isinstance(report.get("statistics"), dict):
            out[system] = report["statistics"]
    return out


def _flags(folder: Path, info: dict, name: str, systems: list[str], seg: pd.DataFrame, testset: TestSet,
           n: int) -> dict[str, dict[str, np.ndarray]]:
    """Flagged segments: {flag: {system: boolean array over segments}}. Empty and
    untranslated lines come from the per-system reports (recomputed from the
    texts only for runs whose reports lack them); other flags from boolean
    ``flag:NAME`` columns of segments.parquet."""
    flags: dict[str, dict[str, np.ndarray]] = {"empty": {}, "untranslated": {}}
    for system in systems:
        st = (_system_json(folder, info, name, system) or {}).get("statistics") or {}
        empty, copied = st.get("empty_lines"), st.get("untranslated_lines")
        if empty is None or copied is None:
            hyps, source = list(testset.systems[system]), list(testset.source)
            ref = list(next(iter(testset.references.values()), [""] * n))
            if empty is None:
                empty = [i + 1 for i, h in enumerate(hyps) if not h.strip()]
            if copied is None:
                copied = [i + 1 for i in untranslated_rows(hyps, source, ref)]
        flags["empty"][system] = _mask(empty, n)
        flags["untranslated"][system] = _mask(copied, n)
    for column in seg.columns if not seg.empty else []:
        if str(column).startswith(FLAG_PREFIX):
            label = str(column)[len(FLAG_PREFIX):]
            flags[label] = {}
            for system in systems:
                rows = seg[(seg["system"] == system) & seg[column].fillna(False).astype(bool)]
                flags[label][system] = _mask(rows["seg_id"].to_numpy(dtype=np.int64), n)
    return flags


def _mask(seg_ids, n: int) -> np.ndarray:
    """1-based segment numbers as a boolean array over the ``n`` segments."""
    mask = np.zeros(n, dtype=bool)
    ids = np.asarray(seg_ids, dtype=np.int64)
    mask[ids[(ids >= 1) & (ids <= n)] - 1] = True
    return mask


def _spans(seg: pd.DataFrame, systems: list[str], n: int, shown: np.ndarray) -> dict[str, dict]:
    """Error spans per metric: ``{"segments": {system: per shown row [[start, end,
    severity, confidence], ...]}, "counts": {system: {severity: count}}}`` (counts
    over every segment); offsets count code points of the hypothesis, as Python
    slices them."""
    position = np.full(n, -1, dtype=np.int64)
    position[shown] = np.arange(len(shown))
    out: dict[str, dict] = {}
    for column in seg.columns if not seg.empty else []:
        if not str(column).startswith(SPANS_PREFIX):
            continue
        per_system: dict[str, list] = {}
        counts: dict[str, dict[str, int]] = {}
        for system in systems:
            rows = seg[seg["system"] == system]
            lists: list[list] = [[] for _ in range(len(shown))]
            tally = dict.fromkeys(SEVERITIES, 0)
            for seg_id, value in zip(rows["seg_id"].tolist(), rows[column].tolist()):
                if not 1 <= seg_id <= n or not isinstance(value, str):
                    continue
                at = position[seg_id - 1]
                for span in json.loads(value):
                    if at >= 0:
                        lists[at].append([span["start"], span["end"], span["severity"], round(span["confidence"], 3)])
                    tally[span["severity"]] = tally.get(span["severity"], 0) + 1
            per_system[system], counts[system] = lists, tally
        out[str(column)[len(SPANS_PREFIX):]] = {"segments": per_system, "counts": counts}
    return out


def _stats_matrix(run: check.RunRecord, name: str, metric: str, systems: list[str]) -> dict[str, np.ndarray] | None:
    by_system = {s: run.segment_stats(name, metric, s) for s in systems}
    if any(m is None for m in by_system.values()) or len({m.shape for m in by_system.values()}) != 1:
        return None
    return by_system


def _pairwise_test(run: check.RunRecord) -> tuple[str, dict]:
    """The all-pairs test ("ar" when the run's config asked for approximate
    randomisation, else "bs") and the config's significance settings."""
    spec = (run.results.get("config") or {}).get("significance") or {}
    return ("ar" if spec.get("test") == "ar" else "bs"), spec


def _analyses(run: check.RunRecord, data: dict, testset: TestSet, docs: list | None, domains: list | None,
              selection: Selection, hib: dict) -> tuple[dict, dict]:
    """All-pairs p-values per metric (the run's test, samples and seed: paired
    approximate randomisation when its config asks for it, else paired bootstrap)
    and scores by source length, document and domain from the statistics of every
    segment; word F-measure by frequency from the texts of the random sample
    (every segment in a small test set)."""
    name, systems, n = data["name"], data["systems"], data["n"]
    test, spec = _pairwise_test(run)
    labels, length_index = length_buckets(testset.source, testset.src_lang)
    groups = {"length": (labels, length_index)}
    for key, values in (("docs", docs), ("domains", domains)):
        if values:
            names = list(dict.fromkeys(v or "" for v in values))
            position = {v: k for k, v in enumerate(names)}
            groups[key] = (names, np.array([position[v or ""] for v in values]))
    significance: dict[str, Any] = {}
    buckets: dict[str, Any] = {k: {"labels": v[0], "counts": np.bincount(v[1], minlength=len(v[0])).tolist(),
                                   "scores": {}} for k, v in groups.items()}
    for m in data["metrics"]:
        metric = m["name"]
        by_system = _stats_matrix(run, name, metric, systems)
        if by_system is None or next(iter(by_system.values())).shape[0] != n:
            continue
        score = check.score_function(run, name, metric)
        recorded = np.array([data["entries"][s][metric]["score"] for s in systems])
        with np.errstate(all="ignore"):
            rebuilt = np.asarray(score(np.stack([by_system[s].sum(axis=0) for s in systems])), dtype=np.float64)
        if not np.allclose(rebuilt, recorded, atol=1e-6, rtol=1e-6):
            continue  # the statistics do not reproduce the scores: show no analysis built on them
        if len(systems) > 1:
            _, p = stats.pairwise_p_values(by_system, score, test, spec.get("n"), spec.get("seed"))
            significance[metric] = [[None if not math.isfinite(v) else round(v, 4) for v in row] for row in p.tolist()]
        for key, (labels, index) in groups.items():
            buckets[key]["scores"][metric] = {
                s: group_scores(by_system[s], index, len(labels), score) for s in systems
            }
    first_ref = next(iter(data["text"]["refs"].values()), None)
    if first_ref is not None:  # the sample's texts are among the rows the page carries
        sample = _local(selection.sample, selection.rows)
        hyps = {s: [texts[k] for k in sample] for s, texts in data["text"]["sys"].items()}
        buckets["frequency"] = frequency_buckets([first_ref[k] for k in sample], hyps, testset.tgt_lang)
        buckets["frequency"]["segments"] = len(sample)
    return significance, buckets
