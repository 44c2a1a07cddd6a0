"""The per-system report's numbers gathered a chunk at a time: output lengths,
empty and untranslated lines, and the worst segments with their texts (kept
as they stream past, so the report never needs the texts again)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..report.system import _UNSPACED, WORST_N, length, looks_untranslated


class SystemSummary:
    """What ``report.system.output_statistics`` and ``worst_segments`` compute
    from the whole test set, accumulated chunk by chunk to the same values."""

    def __init__(self, tgt_lang: str, higher_is_better: bool, n_worst: int = WORST_N) -> None:
        self.tgt_lang = tgt_lang
        self.higher_is_better = higher_is_better
        self.n_worst = n_worst
        self.segments = 0
        self.hyp_length = 0
        self.ref_length = 0
        self.empty: list[int] = []
        self.untranslated: list[int] = []
        # the worst rows so far, in report order: (row, score, source, reference, hypothesis)
        self.worst: list[tuple[int, float, str, str, str]] = []

    def add(self, start: int, scores: np.ndarray, source: list[str], ref: list[str], hyps: list[str]) -> None:
        lang = self.tgt_lang
        self.segments += len(hyps)
        self.hyp_length += sum(length(h, lang) for h in hyps)
        self.ref_length += sum(length(r, lang) for r in ref)
        self.empty += [start + i + 1 for i, h in enumerate(hyps) if not h.strip()]
        self.untranslated += [start + i + 1 for i in untranslated_rows(hyps, source, ref)]
        key = scores if self.higher_is_better else -scores
        best = np.argsort(key, kind="stable")[:self.n_worst]
        candidates = self.worst + [(start + int(i), float(scores[i]), source[i], ref[i], hyps[i]) for i in best]
        # a stable sort over (earlier rows first) keeps ties in row order, as one argsort of all rows does
        keys = np.array([c[1] for c in candidates], dtype=np.float64)
        order = np.argsort(keys if self.higher_is_better else -keys, kind="stable")[:self.n_worst]
        self.worst = [candidates[i] for i in order]

    def statistics(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "hyp_length": self.hyp_length,
            "ref_length": self.ref_length,
            "length_ratio": self.hyp_length / self.ref_length if self.ref_length else None,
            "length_unit": "characters" if self.tgt_lang in _UNSPACED else "words",
            "empty_lines": self.empty,
            "untranslated_lines": self.untranslated,
        }

    def worst_segments(self, label: str) -> dict[str, Any]:
        return {"metric": label, "segments": [
            {"seg_id": row + 1, "doc_id": None, "score": score, "source": src, "reference": ref, "hypothesis": hyp}
            for row, score, src, ref, hyp in self.worst]}


def untranslated_rows(hyps: list[str], source: list[str], ref: list[str]) -> list[int]:
    """Rows where ``report.system.looks_untranslated`` holds."""
    return [i for i, (h, s, r) in enumerate(zip(hyps, source, ref)) if looks_untranslated(h, s, r)]
