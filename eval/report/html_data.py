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
from .html_buckets import frequency_buckets, group_scores, length_buckets
from .system import SEVERITIES, looks_untranslated
from ..errors import UserError
from .names import safe_name

# results.json keys other workers add (run level or test-set level), shown as notes.
NOTE_KEYS = ("repairs", "alignment", "reference_alignment", "long_inputs", "notes")
FLAG_PREFIX = "flag:"  # boolean segments.parquet columns, e.g. "flag:off-target"
SPANS_PREFIX = "spans:"  # JSON error-span lists per segment, e.g. "spans:comet" (xCOMET)


def report_data(run_dir: str | Path) -> dict[str, Any]:
    """The report's data for the run in ``run_dir``."""
    run = check.load_run(run_dir, "report")
    folder = run.folder
    segments = _read_parquet(folder / "segments.parquet")
    texts = _read_parquet(folder / "texts.parquet")
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
            _testset(run, name, segments, texts) for name in results["testsets"]
        ],
    }


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise UserError(f"{path}: unreadable run file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None


def _testset(run: check.RunRecord, name: str, segments: pd.DataFrame, texts: pd.DataFrame) -> dict[str, Any]:
    info = run.testsets[name]
    systems = list(info["systems"])
    metrics = list(next(iter(info["systems"].values()), {}))
    n = info["n_segments"]
    src_lang, _, tgt_lang = str(info.get("langs", "")).partition("-")
    text = _texts(texts, name, n, info.get("references") or [], systems)
    seg = segments[segments["testset"] == name] if not segments.empty else segments
    scores = {m: {s: _column(seg, s, m, n) for s in systems} for m in metrics if m in seg.columns}
    docs = _per_segment(seg, systems, "doc_id", n) or _per_segment_texts(texts, name, n)
    domains = _per_segment(seg, systems, "domain", n)
    hib = {m: check.higher_is_better(run, name, m) for m in metrics}
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
        "scores": scores,
        "text": text,
        "docs": docs,
        "domains": domains,
        "flags": _flags(run.folder, info, name, systems, seg, text, n),
        "spans": _spans(seg, systems, n),
        "statistics": _statistics(run.folder, info, name, systems),
        "alpha": stats.DEFAULT_ALPHA,
        "test": _pairwise_test(run)[0],
    }
    data["significance"], data["buckets"] = _analyses(run, data, src_lang, tgt_lang, hib)
    return data


def _texts(texts: pd.DataFrame, name: str, n: int, ref_names: list[str], systems: list[str]) -> dict[str, Any]:
    """Source, references and outputs as lists of n strings ("" where missing)."""
    by_field: dict[str, list[str]] = {}
    if not texts.empty:
        sub = texts[texts["testset"] == name]
        for field, group in sub.groupby("field", sort=False):
            column = [""] * n
            for seg_id, value in zip(group["seg_id"].tolist(), group["text"].tolist()):
                if 1 <= seg_id <= n:
                    column[seg_id - 1] = "" if pd.isna(value) else str(value)
            by_field[str(field)] = column
    empty = [""] * n
    refs = {r: by_field.get(f"ref:{r}", empty) for r in ref_names}
    if not refs:
        refs = {f[4:]: v for f, v in by_field.items() if f.startswith("ref:")}
    return {
        "source": by_field.get("source", empty),
        "refs": refs,
        "sys": {s: by_field.get(f"sys:{s}", empty) for s in systems},
    }


def _column(seg: pd.DataFrame, system: str, metric: str, n: int) -> list:
    """A system's segment scores in segment order, rounded for size (None: NaN)."""
    rows = seg[seg["system"] == system]
    values = np.full(n, np.nan)
    ids = rows["seg_id"].to_numpy(dtype=np.int64)
    ok = (ids >= 1) & (ids <= n)
    values[ids[ok] - 1] = rows[metric].to_numpy(dtype=np.float64)[ok]
    return [None if not math.isfinite(v) else round(v, 2) for v in values.tolist()]


def _per_segment(seg: pd.DataFrame, systems: list[str], column: str, n: int) -> list | None:
    if seg.empty or column not in seg.columns or not systems:
        return None
    rows = seg[seg["system"] == systems[0]].sort_values("seg_id")
    values = [None if pd.isna(v) else str(v) for v in rows[column].tolist()]
    return values if len(values) == n and any(v is not None for v in values) else None


def _per_segment_texts(texts: pd.DataFrame, name: str, n: int) -> list | None:
    if texts.empty or "doc_id" not in texts.columns:
        return None
    sub = texts[(texts["testset"] == name) & (texts["field"] == "source")].sort_values("seg_id")
    values = [None if pd.isna(v) else str(v) for v in sub["doc_id"].tolist()]
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


def _flags(folder: Path, info: dict, name: str, systems: list[str], seg: pd.DataFrame, text: dict, n: int) -> dict[str, dict]:
    """Flagged segments: {flag: {system: [0-based segment indices]}}. Empty and
    untranslated lines come from the per-system reports (or are recomputed);
    other flags from boolean ``flag:NAME`` columns of segments.parquet."""
    flags: dict[str, dict[str, list[int]]] = {"empty": {}, "untranslated": {}}
    ref = next(iter(text["refs"].values()), [""] * n)
    for system in systems:
        st = (_system_json(folder, info, name, system) or {}).get("statistics") or {}
        hyps = text["sys"][system]
        empty = st.get("empty_lines")
        if empty is None:
            empty = [i + 1 for i, h in enumerate(hyps) if not h.strip()]
        copied = st.get("untranslated_lines")
        if copied is None:
            copied = [i + 1 for i, (h, s, r) in enumerate(zip(hyps, text["source"], ref)) if looks_untranslated(h, s, r)]
        flags["empty"][system] = [i - 1 for i in empty]
        flags["untranslated"][system] = [i - 1 for i in copied]
    for column in seg.columns if not seg.empty else []:
        if str(column).startswith(FLAG_PREFIX):
            label = str(column)[len(FLAG_PREFIX):]
            flags[label] = {}
            for system in systems:
                rows = seg[(seg["system"] == system) & seg[column].fillna(False).astype(bool)]
                flags[label][system] = sorted(int(i) - 1 for i in rows["seg_id"])
    return flags


def _spans(seg: pd.DataFrame, systems: list[str], n: int) -> dict[str, dict]:
    """Error spans per metric: ``{"segments": {system: per segment [[start, end,
    severity, confidence], ...]}, "counts": {system: {severity: count}}}``; offsets
    count code points of the hypothesis, as Python slices them."""
    out: dict[str, dict] = {}
    for column in seg.columns if not seg.empty else []:
        if not str(column).startswith(SPANS_PREFIX):
            continue
        per_system: dict[str, list] = {}
        counts: dict[str, dict[str, int]] = {}
        for system in systems:
            rows = seg[seg["system"] == system]
            lists: list[list] = [[] for _ in range(n)]
            tally = dict.fromkeys(SEVERITIES, 0)
            for seg_id, value in zip(rows["seg_id"].tolist(), rows[column].tolist()):
                if not 1 <= seg_id <= n or not isinstance(value, str):
                    continue
                for span in json.loads(value):
                    lists[seg_id - 1].append([span["start"], span["end"], span["severity"], round(span["confidence"], 3)])
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


def _analyses(run: check.RunRecord, data: dict, src_lang: str, tgt_lang: str, hib: dict) -> tuple[dict, dict]:
    """All-pairs p-values per metric (the run's test, samples and seed: paired
    approximate randomisation when its config asks for it, else paired bootstrap)
    and scores by source length, document and domain from the statistics."""
    name, systems, n = data["name"], data["systems"], data["n"]
    test, spec = _pairwise_test(run)
    labels, length_index = length_buckets(data["text"]["source"], src_lang)
    groups = {"length": (labels, length_index)}
    for key in ("docs", "domains"):
        if data[key]:
            names = list(dict.fromkeys(v or "" for v in data[key]))
            position = {v: k for k, v in enumerate(names)}
            groups[key] = (names, np.array([position[v or ""] for v in data[key]]))
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
    if first_ref is not None:
        buckets["frequency"] = frequency_buckets(first_ref, data["text"]["sys"], tgt_lang)
    return significance, buckets
