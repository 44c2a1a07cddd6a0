"""Per-system report: corpus scores with signatures, basic statistics of the
output (length ratio, empty and untranslated lines), the worst segments and,
for metrics that predict them (xCOMET), error counts and the most severe spans."""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from ..metrics.base import Metric
from ..scoring import ScoredTestSet
from .markdown import table, text
from .output_summary import WORST_N, SystemSummary

SEVERITIES = ("minor", "major", "critical")  # xCOMET's error tags, least severe first


def system_report(scored: ScoredTestSet, system: str, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``entries`` are the system's metric entries from results.json."""
    ts = scored.testset
    label = next(iter(scored.metrics))
    summary = SystemSummary(ts.tgt_lang, scored.metrics[label].higher_is_better)
    summary.add(0, scored.segment_score(label, system), ts.source, next(iter(ts.references.values())),
                ts.systems[system])
    report = summary_report(ts.name, ts.langs, scored.metrics, system, entries, summary, ts.doc_ids)
    spans = {label: error_spans(payloads) for (label, name), payloads in scored.payloads.items()
             if name == system and scored.metrics[label].payload == "spans"}
    if spans:
        report["error_spans"] = spans
    return report


def summary_report(testset: str, langs: str, metrics: Mapping[str, Metric], system: str,
                   entries: dict[str, dict[str, Any]], summary: SystemSummary,
                   doc_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The report of one system of a test set from its accumulated summary
    (one chunk in memory, or chunk by chunk when streamed)."""
    return {
        "testset": testset,
        "langs": langs,
        "system": system,
        "scores": entries,
        "higher_is_better": {label: metric.higher_is_better for label, metric in metrics.items()},
        "statistics": summary.statistics(),
        "worst": summary.worst_segments(next(iter(metrics)), doc_ids),
    }


def error_spans(payloads: list[str], n: int = WORST_N) -> dict[str, Any]:
    """Error counts by severity and the ``n`` most severe spans (severity, then
    confidence) of one system, from its per-segment span lists."""
    counts = dict.fromkeys(SEVERITIES, 0)
    found = []
    for seg, text in enumerate(payloads):
        for span in json.loads(text):
            counts[span["severity"]] = counts.get(span["severity"], 0) + 1
            found.append({"seg_id": seg + 1, **span})
    rank = {name: k for k, name in enumerate(SEVERITIES)}
    found.sort(key=lambda s: (-rank.get(s["severity"], -1), -s["confidence"], s["seg_id"], s["start"]))
    return {"counts": counts, "most_severe": found[:n]}


def _lines(numbers: list[int], limit: int = 20) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return f"{len(numbers)}" + (f" (lines {shown}{', ...' if len(numbers) > limit else ''})" if numbers else "")


def _direction(metric: str, report: dict[str, Any]) -> str:
    """``bleu ↑`` / ``ter ↓``, as the leaderboard labels its columns."""
    higher = report.get("higher_is_better", {}).get(metric)
    return text(metric) if higher is None else f"{text(metric)} {'↑' if higher else '↓'}"


def system_markdown(report: dict[str, Any]) -> str:
    st = report["statistics"]
    score_rows = [
        [_direction(m, report), e["score"], _ci(e), e.get("p_value"), e.get("cluster"), e["signature"]]
        for m, e in report["scores"].items()
    ]
    worst = report["worst"]
    worst_rows = [[w["seg_id"], w["doc_id"] or "", w["score"], w["source"], w["reference"], w["hypothesis"]] for w in worst["segments"]]
    ratio = f"{st['length_ratio']:.3f}" if st["length_ratio"] is not None else "n/a"
    return (
        f"# {text(report['system'])} on {text(report['testset'])} ({text(report['langs'])})\n\n"
        "## Scores\n\n"
        + table(["metric", "score", "95% CI", "p (vs baseline)", "cluster", "signature"], score_rows)
        + "\n## Output statistics\n\n"
        f"- segments: {st['segments']}\n"
        f"- length ratio (hypothesis/reference, {st['length_unit']}): {ratio} ({st['hyp_length']}/{st['ref_length']})\n"
        f"- empty lines: {_lines(st['empty_lines'])}\n"
        f"- untranslated lines (copied source): {_lines(st['untranslated_lines'])}\n"
        f"\n## Worst {len(worst_rows)} segments by {_direction(worst['metric'], report)}\n\n"
        + table(["seg", "doc", worst["metric"], "source", "reference", "hypothesis"], worst_rows)
        + "".join(_spans_markdown(label, spans) for label, spans in report.get("error_spans", {}).items())
    )


def _spans_markdown(label: str, spans: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in reversed(spans["counts"].items()))
    rows = [[s["seg_id"], s["severity"], f"{s['confidence']:.3f}", s["start"], s["end"], s["text"]] for s in spans["most_severe"]]
    return (f"\n## Error spans by {label}\n\n- errors: {counts}\n\n"
            f"Most severe {len(rows)}:\n\n" + table(["seg", "severity", "confidence", "start", "end", "text"], rows))


def _ci(entry: dict[str, Any]) -> str:
    ci = entry.get("ci")
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
