"""xCOMET's error spans and final score, as unbabel-comet 2.2.7 defines them.

The tagger gives each hypothesis token probabilities of (no error, minor,
major, critical); with references the three passes (mt+src, mt+ref,
mt+src+ref) are averaged with weights 1/6, 1/3, 1/2. A token's tag is its most
probable label. A span opens at an error-tagged token, takes the severity of
that first token, grows over the following error-tagged tokens and closes at
the next "no error" token; a span still open at the end of the hypothesis
(the closing ``</s>`` tagged as an error) is dropped, as in the published
decoder. Character offsets come from the tokenizer's offset mapping, the text
from decoding the span's token ids, the confidence is the mean probability of
the chosen labels. The final score mixes the regression scores, each capped
at 1, with an MQM-like score from the spans (minor 1, major 5, critical 10
points, at most 25, mapped to ``(25 - points) / 25``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

SEVERITY_OF_LABEL = {1: "minor", 2: "major", 3: "critical"}  # label 0: no error
MQM_POINTS = {"minor": 1, "major": 5, "critical": 10}
MQM_CAP = 25
SPAN_WEIGHTS = (0.1667, 0.3333, 0.5)  # tag probabilities of mt+src, mt+ref, mt+src+ref
SCORE_WEIGHTS = (0.12, 0.33, 0.33)  # regression scores of the same three passes
MQM_WEIGHT = 0.22


def mix_probabilities(passes: Sequence[np.ndarray]) -> np.ndarray:
    """Per-token label probabilities: one pass as is, three passes weighted."""
    if len(passes) == 1:
        return passes[0]
    weights = np.asarray(SPAN_WEIGHTS, dtype=np.float32)
    return np.sum([p * w for p, w in zip(passes, weights)], axis=0, dtype=np.float32)


def decode_spans(token_ids: Sequence[int], probs: np.ndarray, offsets: Sequence[tuple[int, int]],
                 decode) -> list[dict[str, Any]]:
    """Error spans of one hypothesis; ``token_ids``/``offsets`` include ``<s>`` and
    ``</s>``, ``probs`` has one row per token, ``decode`` turns ids into text."""
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for token, row, (start, end) in zip(token_ids, probs, offsets):
        label = int(np.argmax(row))
        if label and current is None:
            current = {"tokens": [token], "severity": SEVERITY_OF_LABEL[label], "start": start, "end": end,
                       "probs": [row[label]]}
        elif label:
            current["tokens"].append(token)
            current["probs"].append(row[label])
            current["end"] = end
        elif current is not None:
            spans.append(current)
            current = None
    return [{"start": int(s["start"]), "end": int(s["end"]), "text": decode(s["tokens"]), "severity": s["severity"],
             "confidence": float(np.mean(np.asarray(s["probs"], dtype=np.float32), dtype=np.float32))}
            for s in spans]


def mqm_score(spans: Sequence[dict[str, Any]]) -> float:
    """1 without errors, 0 at 25 or more penalty points."""
    points = min(MQM_CAP, sum(MQM_POINTS[s["severity"]] for s in spans))
    return (MQM_CAP - points) / MQM_CAP


def final_score(regression: Sequence[float], spans: Sequence[dict[str, Any]]) -> float:
    """Three regression scores (with references) or one (without), each capped at 1,
    weighted, plus the weighted MQM-like score of the spans."""
    capped = [min(float(r), 1.0) for r in regression]
    if len(capped) == 1:
        mixed = capped[0] * sum(SCORE_WEIGHTS)
    else:
        mixed = sum(r * w for r, w in zip(capped, SCORE_WEIGHTS))
    return mixed + mqm_score(spans) * MQM_WEIGHT
