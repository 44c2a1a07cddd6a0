"""The CI regression gate: compare a run against a baseline run.

A (test set, system, metric) regresses when its score drops by more than the
metric's tolerance and, when significance is required, the paired bootstrap of
the two runs' segment statistics says the drop is real (p < alpha). Runs are
compared only when they scored the same segments (content hash, else the texts)
with the same metric signature; otherwise the gate refuses and names the
difference. Results become a Markdown summary and JUnit XML.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import stats
from .errors import UserError
from .metrics.base import MeanScoreMetric
from .report.markdown import text

RESULTS_FILE = "results.json"


@dataclass
class RunRecord:
    """A run read back from disk: its results.json and the files beside it."""

    role: str  # "current" or "baseline", for messages
    results_path: Path
    results: dict[str, Any]

    @property
    def folder(self) -> Path:
        return self.results_path.parent

    @property
    def testsets(self) -> dict[str, dict[str, Any]]:
        return self.results["testsets"]

    @cached_property
    def _stats_file(self) -> Any:
        path = self.folder / "stats.npz"
        if not path.exists():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise UserError(f"{path}: unreadable statistics file ({exc})") from None

    def segment_stats(self, testset: str, metric: str, system: str) -> np.ndarray | None:
        npz = self._stats_file
        key = f"{testset}/{metric}/{system}"
        return None if npz is None or key not in npz.files else np.asarray(npz[key], dtype=np.float64)

    @cached_property
    def texts(self) -> Any:
        path = self.folder / "texts.parquet"
        if not path.exists():
            return None
        import pandas as pd

        try:
            return pd.read_parquet(path, columns=["testset", "seg_id", "field", "text"])
        except Exception as exc:  # pyarrow raises several unrelated types
            raise UserError(f"{path}: unreadable texts file ({exc})") from None


def load_run(path: str | Path, role: str) -> RunRecord:
    """A run directory or results.json file, validated enough to compare."""
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.exists():
        raise UserError(f"{role} run not found: {file}")
    try:
        results = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{file}: malformed results.json ({exc})") from None
    _validate(results, file)
    return RunRecord(role, file, results)


def _validate(results: Any, file: Path) -> None:
    def bad(where: str, what: str) -> UserError:
        return UserError(f"{file}: malformed results.json: {where}: {what}")

    if not isinstance(results, dict) or not isinstance(results.get("testsets"), dict):
        raise bad("testsets", "missing or not a mapping")
    if not isinstance(results.get("complete", True), bool):
        raise bad("complete", "not true or false")
    planned = results.get("planned_testsets", [])
    if not isinstance(planned, list) or not all(isinstance(name, str) for name in planned):
        raise bad("planned_testsets", "not a list of test set names")
    for name, ts in results["testsets"].items():
        if not isinstance(ts, dict) or not isinstance(ts.get("systems"), dict):
            raise bad(f"testsets.{name}.systems", "missing or not a mapping")
        if not isinstance(ts.get("n_segments"), int):
            raise bad(f"testsets.{name}.n_segments", "missing or not an integer")
        for system, metrics in ts["systems"].items():
            if not isinstance(metrics, dict):
                raise bad(f"testsets.{name}.systems.{system}", "not a mapping of metrics")
            for metric, entry in metrics.items():
                where = f"testsets.{name}.systems.{system}.{metric}"
                if not isinstance(entry, dict) or not isinstance(entry.get("score"), (int, float)) \
                        or isinstance(entry.get("score"), bool):
                    raise bad(where, "no numeric 'score'")
                if not isinstance(entry.get("signature", ""), str):
                    raise bad(where, "'signature' is not a string")


@dataclass(frozen=True)
class Options:
    metrics: Sequence[str] | None = None
    max_drop: Mapping[str, float] = field(default_factory=dict)
    require_significance: bool = False
    allow_signature_mismatch: bool = False
    allow_missing: bool = False
    alpha: float = stats.DEFAULT_ALPHA
    n_samples: int = stats.DEFAULT_BOOTSTRAP_SAMPLES
    seed: int | None = None


@dataclass(frozen=True)
class Finding:
    """The verdict on one (test set, system, metric)."""

    testset: str
    system: str
    metric: str
    baseline: float
    current: float
    higher_is_better: bool
    tolerance: float
    p_value: float | None
    ci: tuple[float, float] | None  # 95% interval of current - baseline
    regressed: bool
    verdict: str

    @property
    def delta(self) -> float:
        return self.current - self.baseline


@dataclass
class Comparison:
    current: RunRecord
    baseline: RunRecord
    findings: list[Finding]
    notes: list[str]
    missing: list[str] = field(default_factory=list)  # test sets the current run lacks
    allow_missing: bool = False

    @property
    def regressed(self) -> list[Finding]:
        return [f for f in self.findings if f.regressed]

    @property
    def failed(self) -> bool:
        """The gate fails on a regression, or on a missing test set unless allowed."""
        return bool(self.regressed) or bool(self.missing and not self.allow_missing)


def missing_testsets(current: RunRecord, baseline: RunRecord) -> list[str]:
    """Test sets of the baseline, or planned by the current run (a run that
    stopped early records ``complete: false``), that the current run lacks."""
    planned = current.results.get("planned_testsets") or []
    wanted = dict.fromkeys([*baseline.testsets, *planned])
    return [name for name in wanted if name not in current.testsets]


def compare(current: RunRecord, baseline: RunRecord, options: Options) -> Comparison:
    """Every shared (test set, system, metric) of the two runs, with its verdict."""
    notes: list[str] = []
    findings: list[Finding] = []
    metrics_seen: set[str] = set()
    for testset, cur_ts in current.testsets.items():
        base_ts = baseline.testsets.get(testset)
        if base_ts is None:
            raise UserError(
                f"baseline {baseline.results_path} is from another test set: it has no {testset!r} "
                f"(it has: {', '.join(baseline.testsets) or 'none'})")
        _check_same_content(testset, current, baseline)
        systems = [s for s in cur_ts["systems"] if s in base_ts["systems"]]
        if not systems:
            raise UserError(f"test set {testset!r}: no system in common between the runs "
                            f"(current: {', '.join(cur_ts['systems'])}; baseline: {', '.join(base_ts['systems'])})")
        for side, ts, other in (("baseline", base_ts, cur_ts), ("current", cur_ts, base_ts)):
            missing = [s for s in ts["systems"] if s not in other["systems"]]
            if missing:
                notes.append(f"{testset}: only in the {side} run, not compared: {', '.join(missing)}")
        metrics = _metrics_to_compare(testset, current, baseline, systems, options.metrics)
        metrics_seen.update(metrics)
        for metric in metrics:
            notes.extend(_check_signatures(testset, metric, systems, current, baseline,
                                           options.allow_signature_mismatch))
            for system in systems:
                findings.append(_judge(testset, system, metric, current, baseline, options))
    unknown = sorted(set(options.max_drop) - metrics_seen)
    if unknown and metrics_seen:
        raise UserError(f"--max-drop names metric {unknown[0]!r}, which is not compared "
                        f"(compared: {', '.join(sorted(metrics_seen))})")
    missing = missing_testsets(current, baseline)
    if current.results.get("complete") is False:
        notes.append(f"the current run did not complete ({current.results_path} says complete: false)")
    if missing and options.allow_missing:
        notes.append(f"missing from the current run, not compared (--allow-missing): {', '.join(missing)}")
    return Comparison(current, baseline, findings, notes, missing, options.allow_missing)


def _metrics_to_compare(testset: str, current: RunRecord, baseline: RunRecord, systems: list[str],
                        asked: Sequence[str] | None) -> list[str]:
    def metrics_of(run: RunRecord) -> list[str]:
        """Metrics every compared system of the run has."""
        entries = [run.testsets[testset]["systems"][system] for system in systems]
        return [m for m in entries[0] if all(m in e for e in entries)]

    cur, base = metrics_of(current), metrics_of(baseline)
    if not asked:
        return [m for m in cur if m in base]
    for metric in asked:
        for run, have in ((current, cur), (baseline, base)):
            if metric not in have:
                raise UserError(f"metric {metric!r} is not in the {run.role} run {run.results_path} "
                                f"(test set {testset!r} has: {', '.join(have)})")
    return list(asked)


def _check_same_content(testset: str, current: RunRecord, baseline: RunRecord) -> None:
    """Refuse runs whose test set differs: n_segments, references, content hash,
    else (no hash recorded) the source and reference texts."""
    cur, base = current.testsets[testset], baseline.testsets[testset]

    def refuse(what: str) -> UserError:
        return UserError(f"test set {testset!r} differs between the runs ({what}): "
                         f"baseline {baseline.results_path} is from another test set")

    if cur["n_segments"] != base["n_segments"]:
        raise refuse(f"{cur['n_segments']} segments in current, {base['n_segments']} in baseline")
    if "references" in cur and "references" in base and cur["references"] != base["references"]:
        raise refuse(f"references {cur['references']} in current, {base['references']} in baseline")
    if cur.get("content_hash") and base.get("content_hash"):
        if cur["content_hash"] != base["content_hash"]:
            raise refuse(f"source/reference content hash {cur['content_hash']} in current, "
                         f"{base['content_hash']} in baseline")
        return
    if current.texts is None or baseline.texts is None:
        return
    a = _shared_texts(current.texts, testset)
    b = _shared_texts(baseline.texts, testset)
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            raise refuse(f"field {name!r} only in the {'current' if name in a else 'baseline'} run's texts")
        for k, (x, y) in enumerate(zip(a[name], b[name])):
            if x != y:
                raise refuse(f"{name} of segment {k + 1} differs")


def _shared_texts(table: Any, testset: str) -> dict[str, list[str]]:
    rows = table[(table["testset"] == testset)
                 & (table["field"].eq("source") | table["field"].str.startswith("ref:"))]
    return {name: group.sort_values("seg_id")["text"].fillna("").tolist()
            for name, group in rows.groupby("field")}


def _check_signatures(testset: str, metric: str, systems: list[str], current: RunRecord,
                      baseline: RunRecord, allow: bool) -> list[str]:
    for system in systems:
        a = current.testsets[testset]["systems"][system][metric].get("signature", "")
        b = baseline.testsets[testset]["systems"][system][metric].get("signature", "")
        if a != b:
            what = (f"metric {metric!r} on test set {testset!r} has another signature: "
                    f"{_signature_difference(a, b)}")
            if not allow:
                raise UserError(f"runs are not comparable: {what} (pass --allow-signature-mismatch to compare anyway)")
            return [f"{what}; compared anyway (--allow-signature-mismatch)"]
    return []


def _signature_difference(current: str, baseline: str) -> str:
    """The signature fields that differ, e.g. ``tok: 13a (current) vs intl (baseline)``."""
    def fields(sig: str) -> dict[str, str]:
        return dict(part.split(":", 1) if ":" in part else (part, "") for part in sig.split("|") if part)

    a, b = fields(current), fields(baseline)
    diffs = [f"{k}: {a.get(k, '(none)')} (current) vs {b.get(k, '(none)')} (baseline)"
             for k in list(dict.fromkeys([*a, *b])) if a.get(k) != b.get(k)]
    return "; ".join(diffs) or f"{current!r} vs {baseline!r}"


def _judge(testset: str, system: str, metric: str, current: RunRecord, baseline: RunRecord,
           options: Options) -> Finding:
    cur_score = float(current.testsets[testset]["systems"][system][metric]["score"])
    base_score = float(baseline.testsets[testset]["systems"][system][metric]["score"])
    higher = higher_is_better(current, testset, metric)
    tolerance = float(options.max_drop.get(metric, 0.0))
    drop = (base_score - cur_score) if higher else (cur_score - base_score)
    delta = _paired(testset, system, metric, current, baseline, options)
    significant = delta is not None and delta.p_value < options.alpha
    beyond = drop > tolerance + 1e-12
    regressed = beyond and (significant or not options.require_significance)
    if regressed:
        verdict = "regressed"
    elif beyond:
        verdict = "not significant"
    elif drop > 1e-12:
        verdict = "within tolerance"
    elif drop < -1e-12:
        verdict = "improved" + (" (significant)" if significant else "")
    else:
        verdict = "unchanged"
    return Finding(testset, system, metric, base_score, cur_score, higher, tolerance,
                   None if delta is None else delta.p_value, None if delta is None else delta.ci,
                   regressed, verdict)


def _paired(testset: str, system: str, metric: str, current: RunRecord, baseline: RunRecord,
            options: Options) -> stats.Delta | None:
    """Paired bootstrap of the system's segment statistics in both runs, or None
    when a run lacks them (an error when significance is required)."""
    cur = current.segment_stats(testset, metric, system)
    base = baseline.segment_stats(testset, metric, system)
    if cur is None or base is None:
        if options.require_significance:
            run = current if cur is None else baseline
            raise UserError(f"--require-significance needs segment statistics, but {run.folder / 'stats.npz'} "
                            f"lacks {testset}/{metric}/{system}")
        return None
    if cur.shape != base.shape:
        raise UserError(f"{testset}/{metric}/{system}: statistics of shape {cur.shape} (current) and "
                        f"{base.shape} (baseline) cannot be paired")
    score_fn = score_function(current, testset, metric)
    for run, matrix in ((current, cur), (baseline, base)):
        recorded = float(run.testsets[testset]["systems"][system][metric]["score"])
        if not math.isclose(float(score_fn(matrix.sum(axis=0))), recorded, rel_tol=1e-9, abs_tol=1e-6):
            raise UserError(f"{run.folder / 'stats.npz'}: statistics of {testset}/{metric}/{system} "
                            f"do not give the score in {run.results_path} ({recorded})")
    if np.array_equal(cur, base):  # sacreBLEU's strict count would give p = 1/(n+1) here
        same = float(score_fn(cur.sum(axis=0)))
        return stats.Delta(same, same, 1.0, (0.0, 0.0))
    return stats.paired_delta(base, cur, score_fn, options.n_samples, options.seed)


def higher_is_better(run: RunRecord, testset: str, metric: str) -> bool:
    recorded = (run.testsets[testset].get("metrics") or {}).get(metric, {})
    if isinstance(recorded, dict) and "higher_is_better" in recorded:
        return bool(recorded["higher_is_better"])
    from .metrics import LEXICAL

    cls = LEXICAL.get(metric.split(":")[0].lower())
    return True if cls is None else cls.higher_is_better


def score_function(run: RunRecord, testset: str, metric: str) -> Callable[[np.ndarray], np.ndarray]:
    """The metric's ``score_from_sums``, rebuilt from the run's config: lexical
    metrics with their recorded options, every other metric a mean of segment
    scores (``MeanScoreMetric``). The caller checks it reproduces the score."""
    from .config import MetricSpec
    from .metrics import LEXICAL, build_metric
    from .scoring import metric_label

    config = run.results.get("config") or {}
    entries = config.get("metrics") or []
    for ts in config.get("testsets") or []:
        if isinstance(ts, dict) and ts.get("name") == testset and ts.get("metrics"):
            entries = ts["metrics"]
    try:
        specs = [MetricSpec(name=e) if isinstance(e, str) else MetricSpec.model_validate(e) for e in entries]
    except Exception as exc:  # pydantic's ValidationError
        raise UserError(f"{run.results_path}: malformed results.json: config.metrics ({exc})") from None
    spec = next((s for s in specs if metric_label(s, specs) == metric), None)
    name = spec.name if spec is not None else metric.split(":")[0]
    if name.lower() not in LEXICAL:
        return lambda sums: MeanScoreMetric.score_from_sums(None, sums)
    options = {k: v for k, v in (spec.options if spec is not None else {}).items() if k not in ("label", "engine")}
    langs = str(run.testsets[testset].get("langs") or config.get("langs") or "")
    target = langs.split("-")[-1] if "-" in langs else ""
    return build_metric(name, trg_lang=target, engine="sacrebleu", **options).score_from_sums


def _fmt(value: float | None, digits: int = 2, sign: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def markdown_summary(comparison: Comparison, options: Options) -> str:
    """A pull-request comment: verdict line, then one table row per finding."""
    n_bad = len(comparison.regressed)
    head = (f"❌ **{n_bad} regression{'s' if n_bad != 1 else ''}**" if n_bad
            else "✅ **No regression**")
    if comparison.missing and not comparison.allow_missing:
        n_missing = len(comparison.missing)
        head = (f"{head if n_bad else '❌'} **{n_missing} test set{'s' if n_missing != 1 else ''} missing** "
                f"from the current run: {text(', '.join(comparison.missing))}")
    rule = (f"a drop beyond the tolerance{' that is significant (paired bootstrap, p < ' + str(options.alpha) + ')' if options.require_significance else ''}")
    lines = [
        "## mteval check",
        "",
        f"{head} — current `{comparison.current.results_path}` vs baseline `{comparison.baseline.results_path}`; "
        f"a regression is {rule}.",
        "",
        "| test set | system | metric | baseline | current | Δ | 95% CI of Δ | p | tolerance | verdict |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for f in comparison.findings:
        ci = "–" if f.ci is None else f"[{_fmt(f.ci[0], sign=True)}, {_fmt(f.ci[1], sign=True)}]"
        p = "–" if f.p_value is None else f"{f.p_value:.4f}"
        direction = "" if f.higher_is_better else " (lower is better)"
        verdict = f"❌ {f.verdict}" if f.regressed else f.verdict
        lines.append(f"| {text(f.testset)} | {text(f.system)} | {text(f.metric)}{direction} | {_fmt(f.baseline)} | "
                     f"{_fmt(f.current)} | {_fmt(f.delta, sign=True)} | {ci} | {p} | {_fmt(f.tolerance)} | {verdict} |")
    if comparison.notes:
        lines += ["", *[f"- {text(note)}" for note in comparison.notes]]
    return "\n".join(lines) + "\n"


def junit_xml(comparison: Comparison) -> str:
    """JUnit XML with one test case per (system, metric); regressions are failures."""
    suites = ET.Element("testsuites", name="mteval check")
    by_testset: dict[str, list[Finding]] = {}
    for f in comparison.findings:
        by_testset.setdefault(f.testset, []).append(f)
    for testset, findings in by_testset.items():
        failures = sum(f.regressed for f in findings)
        suite = ET.SubElement(suites, "testsuite", name=testset, tests=str(len(findings)),
                              failures=str(failures), errors="0", skipped="0")
        for f in findings:
            case = ET.SubElement(suite, "testcase", classname=f"{testset}.{f.system}", name=f.metric)
            detail = (f"{f.metric}: baseline {f.baseline:.4f}, current {f.current:.4f}, delta {f.delta:+.4f}"
                      f"{'' if f.ci is None else f', 95% CI [{f.ci[0]:+.4f}, {f.ci[1]:+.4f}]'}"
                      f"{'' if f.p_value is None else f', p = {f.p_value:.4f}'}, tolerance {f.tolerance}: {f.verdict}")
            if f.regressed:
                ET.SubElement(case, "failure", message=detail, type="regression").text = detail
            else:
                ET.SubElement(case, "system-out").text = detail
    if comparison.missing:
        suite = ET.SubElement(suites, "testsuite", name="missing test sets", tests=str(len(comparison.missing)),
                              failures="0" if comparison.allow_missing else str(len(comparison.missing)),
                              errors="0", skipped=str(len(comparison.missing)) if comparison.allow_missing else "0")
        for testset in comparison.missing:
            case = ET.SubElement(suite, "testcase", classname=testset, name="present")
            detail = f"test set {testset} is in the baseline or the run's plan but not in the current run"
            if comparison.allow_missing:
                ET.SubElement(case, "skipped", message=detail + " (--allow-missing)")
            else:
                ET.SubElement(case, "failure", message=detail, type="missing").text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
