"""A system output's report numbers, gathered a chunk at a time: lengths, empty
and untranslated lines, and the worst segments with their texts (kept as they
stream past, so a streamed report never needs the texts again; the in-memory
report is the one-chunk case)."""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

# Scripts written without spaces: count characters, not words.
UNSPACED = {"zh", "ja", "th", "lo", "km", "my"}
_WORD = re.compile(r"\w\w+", re.UNICODE)
WORST_N = 10


def length(text: str, lang: str) -> int:
    return len("".join(text.split())) if lang in UNSPACED else len(text.split())


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


def untranslated_rows(hyps: Sequence[str], source: Sequence[str], ref: Sequence[str]) -> list[int]:
    """Rows (0-based) where ``looks_untranslated`` holds."""
    return [i for i, (h, s, r) in enumerate(zip(hyps, source, ref)) if looks_untranslated(h, s, r)]


class SystemSummary:
    """Output statistics and the worst segments of one system, accumulated chunk
    by chunk to the values one pass over the whole test set gives."""

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

    def add(self, start: int, scores: np.ndarray, source: Sequence[str], ref: Sequence[str],
            hyps: Sequence[str]) -> None:
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
            "length_unit": "characters" if self.tgt_lang in UNSPACED else "words",
            "empty_lines": self.empty,
            "untranslated_lines": self.untranslated,
        }

    def worst_segments(self, label: str, doc_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """The worst rows by ``label`` (the run's first metric), lowest score first
        (highest for a lower-is-better metric)."""
        return {"metric": label, "segments": [
            {"seg_id": row + 1, "doc_id": doc_ids[row] if doc_ids else None, "score": score,
             "source": src, "reference": ref, "hypothesis": hyp}
            for row, score, src, ref, hyp in self.worst]}
