"""Per-system report: corpus scores with signatures, basic statistics of the
output (length ratio, empty and untranslated lines), the worst segments and,
for metrics that predict them (xCOMET), error counts and the most severe spans."""
from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from ..scoring import ScoredTestSet
from .markdown import table, text

# Scripts written without spaces: count characters, not words.
_UNSPACED = {"zh", "ja", "th", "lo", "km", "my"}
_WORD = re.compile(r"\w\w+", re.UNICODE)
WORST_N = 10
SEVERITIES = ("minor", "major", "critical")  # xCOMET's error tags, least severe first


def length(text: str, lang: str) -> int:
    return len("".join(text.split())) if lang in _UNSPACED else len(text.split())


def looks_untranslated(hyp: str, src: str, ref: str) -> bool:
    """Output that copies the source: identical to it, or made mostly of
    source words that the reference does not use."""
    if not hyp.strip():
        return False
    if hyp.strip() == src.strip():
        return True
    words = {w.lower() for w in _WORD.findall(hyp)}
    if len(words) < 3:
        return False
    from_src = len(words & {w.lower() for w in _WORD.findall(src)}) / len(words)
    if from_src < 0.6:  # the reference's words are read only where they can decide
        return False
    from_ref = len(words & {w.lower() for w in _WORD.findall(ref)}) / len(words)
    return from_src > from_ref + 0.2


def output_statistics(scored: ScoredTestSet, system: str) -> dict[str, Any]:
    ts = scored.testset
    hyps = ts.systems[system]
    ref = next(iter(ts.references.values()))
    hyp_len = sum(length(h, ts.tgt_lang) for h in hyps)
    ref_len = sum(length(r, ts.tgt_lang) for r in ref)
    empty = [i + 1 for i, h in enumerate(hyps) if not h.strip()]
    untranslated = [
        i + 1 for i, (h, s, r) in enumerate(zip(hyps, ts.source, ref)) if looks_untranslated(h, s, r)
    ]
    return {
        "segments": len(hyps),
        "hyp_length": hyp_len,
        "ref_length": ref_len,
        "length_ratio": hyp_len / ref_len if ref_len else None,
        "length_unit": "characters" if ts.tgt_lang in _UNSPACED else "words",
        "empty_lines": empty,
        "untranslated_lines": untranslated,
    }


def worst_segments(scored: ScoredTestSet, system: str, n: int = WORST_N) -> dict[str, Any]:
    """The ``n`` lowest-scoring segments by the run's first metric."""
    ts = scored.testset
    label = next(iter(scored.metrics))
    metric = scored.metrics[label]
    scores = scored.segment_score(label, system)
    order = np.argsort(-scores if not metric.higher_is_better else scores, kind="stable")[:n]
    ref_name = next(iter(ts.references))
    return {
        "metric": label,
        "segments": [
            {
                "seg_id": int(i) + 1,
                "doc_id": ts.doc_ids[i] if ts.doc_ids else None,
                "score": float(scores[i]),
                "source": ts.source[i],
                "reference": ts.references[ref_name][i],
                "hypothesis": ts.systems[system][i],
            }
            for i in order
        ],
    }


def system_report(scored: ScoredTestSet, system: str, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``entries`` are the system's metric entries from results.json."""
    ts = scored.testset
    report = {
        "testset": ts.name,
        "langs": ts.langs,
        "system": system,
        "scores": entries,
        "higher_is_better": {label: metric.higher_is_better for label, metric in scored.metrics.items()},
        "statistics": output_statistics(scored, system),
        "worst": worst_segments(scored, system),
    }
    spans = {label: error_spans(payloads) for (label, name), payloads in scored.payloads.items()
             if name == system and scored.metrics[label].payload == "spans"}
    if spans:
        report["error_spans"] = spans
    return report


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
