"""Re-segment a system's output to the reference's segments (AS-WER method).

A system that translated a whole document, or split it its own way, has no
segment-to-segment correspondence with the reference. As in speech-translation
evaluation (Matusov et al. 2005, mwerSegmenter), the hypothesis tokens are
aligned to the concatenated reference tokens by minimum edit distance, and the
hypothesis is cut wherever the alignment path crosses a reference segment
boundary. Two changes to the plain method make it reproduce the output's own
segments when they were right: a cut has a price (free at a break the
hypothesis already had, cheap before a capitalised common word, dear inside a
sentence), and a substitution costs as much as a deletion plus an insertion,
so the path keeps matched words rather than trading whole segments.

The dynamic programme runs row by row over hypothesis tokens with numpy
vectors over a band of reference tokens around the diagonal; deletions within
a row are resolved in one pass with a running minimum. Documents are
re-segmented separately when doc ids are known, which keeps the matrix small.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from eval.errors import UserError
from eval.text.segment import sentence_joiner, split_sentences

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")

_OPENING = {'"', "'", "“", "‘", "„", "«", "(", "["}
UNIT = 1000  # cost of one insertion or deletion
SUBSTITUTION = 2000
# Price of a cut (UNIT = one edit): at a break the hypothesis had, before a
# capitalised common word, before a name or number, anywhere else. Tuned on
# WMT22 ru-en joined and re-split (see docs/ALIGNMENT.md).
CUT_AT_BREAK, CUT_BEFORE_COMMON_WORD, CUT_BEFORE_NAME, CUT_ELSEWHERE = 0, 1000, 3000, 5000
_INF = np.iinfo(np.int64).max // 4
DEFAULT_BAND = 2000  # reference tokens either side of the diagonal


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _cut_costs(words: Sequence[str], break_tokens: Sequence[int]) -> np.ndarray:
    """Price of cutting before each token (and after the last one).

    Free at the hypothesis's own breaks. Cheaper before a token that could
    start a sentence, and cheapest before a capitalised common word (one the
    document also writes in lower case): in ``... writers residences The
    future`` a headline runs into its paragraph, while ``Minister Alikhan``
    is a name. A digit, or an opening quote or bracket before such a token,
    also counts as a possible start.
    """
    n = len(words)
    lower_seen = {w for w in words if w[:1].islower()}
    common = np.array([w[:1].isupper() and w.lower() in lower_seen for w in words], dtype=bool)
    other = np.array([w[:1].isupper() or w[:1].isdigit() for w in words], dtype=bool) & ~common
    opening = np.array([w in _OPENING for w in words], dtype=bool)
    common[:-1] |= opening[:-1] & common[1:]
    other[:-1] |= opening[:-1] & other[1:]
    cost = np.full(n + 1, CUT_ELSEWHERE, dtype=np.int64)
    cost[:-1][other] = CUT_BEFORE_NAME
    cost[:-1][common] = CUT_BEFORE_COMMON_WORD
    cost[list(break_tokens)] = CUT_AT_BREAK
    cost[[0, n]] = CUT_AT_BREAK
    return cost


def _ids(words: Sequence[str], vocab: dict[str, int]) -> np.ndarray:
    return np.array([vocab.setdefault(w, len(vocab)) for w in words], dtype=np.int64)


def _band_starts(n: int, m: int, width: int) -> np.ndarray:
    """First reference column held for each hypothesis row (monotone)."""
    centre = np.arange(n + 1) * (m / max(n, 1))
    return np.clip(np.round(centre).astype(np.int64) - width // 2, 0, m + 1 - width)


def cut_points(hyp_ids: np.ndarray, cut_cost: np.ndarray, ref_ids: np.ndarray,
               ref_ends: Sequence[int], band: int = DEFAULT_BAND) -> list[int]:
    """Hypothesis token index at which each reference segment ends.

    ``cut_cost[i]`` is the price of cutting before hypothesis token ``i``
    (``n + 1`` entries: 0 where the hypothesis had a break); ``ref_ends`` are
    the cumulative token counts of the reference segments. In a segment-end
    column the path has two layers, before and after the cut; moving from the
    first to the second at row ``i`` costs ``cut_cost[i]``.
    """
    n, m = len(hyp_ids), len(ref_ids)
    width = min(m + 1, 2 * band + 1)
    lo = _band_starts(n, m, width)
    is_end = np.zeros(m + 2, dtype=bool)
    is_end[[e for e in ref_ends if e < m]] = True
    cost = np.full((n + 1, width), _INF, dtype=np.int64)   # before the cut
    exits = np.full((n + 1, width), _INF, dtype=np.int64)  # after it (= cost off segment ends)

    cols = np.arange(width)
    for i in range(n + 1):
        j = lo[i] + cols
        cut = int(cut_cost[i])
        end_here = is_end[j]
        end_before = np.where(j > 0, is_end[j - 1], False)
        base = np.where(j == 0, 0, _INF) if i == 0 else _from_previous_row(
            cost[i - 1], exits[i - 1], int(lo[i] - lo[i - 1]), j, hyp_ids[i - 1], ref_ids)
        after_cut = np.full(width, _INF, dtype=np.int64)  # staying after the cut: insertion
        if i > 0:
            after_cut[end_here] = _shifted(exits[i - 1], int(lo[i] - lo[i - 1]))[end_here] + UNIT
        base[1:] = np.minimum(base[1:], after_cut[:-1] + UNIT)  # deletion right after a cut
        step = np.where(j > 0, UNIT + cut * end_before, 0)
        run = np.cumsum(step)
        cost[i] = run + np.minimum.accumulate(base - run)
        exits[i] = np.where(end_here, np.minimum(cost[i] + cut, after_cut), cost[i])
    return _trace_cuts(cost, exits, lo, hyp_ids, cut_cost, ref_ids, is_end, ref_ends)


def _shifted(prev: np.ndarray, shift: int) -> np.ndarray:
    """The previous row's values at this row's columns (band moved by ``shift``)."""
    out = np.full(len(prev), _INF, dtype=np.int64)
    out[:len(prev) - shift] = prev[shift:]
    return out


def _from_previous_row(prev_cost, prev_exits, shift, j, hyp_id, ref_ids) -> np.ndarray:
    """Insertion (same column) and match/substitution (previous column)."""
    up = _shifted(prev_cost, shift) + UNIT
    diag = np.full(len(j), _INF, dtype=np.int64)
    exits = _shifted(prev_exits, shift)
    diag[1:] = exits[:-1]
    if shift == 0 and j[0] > 0:
        diag[0] = _INF
    elif shift > 0:
        diag[0] = prev_exits[shift - 1]
    sub = np.where(ref_ids[np.maximum(j - 1, 0)] == hyp_id, 0, SUBSTITUTION)
    diag = np.where(j > 0, diag + sub, _INF)
    return np.minimum(up, diag)


def _trace_cuts(cost, exits, lo, hyp_ids, cut_cost, ref_ids, is_end, ref_ends) -> list[int]:
    """Walk the cheapest path back, noting the row of the cut in each end column."""
    n, m = len(hyp_ids), len(ref_ids)
    cut_row = np.full(m + 1, n, dtype=np.int64)
    width = cost.shape[1]

    def at(table, r: int, c: int) -> int:
        k = c - lo[r]
        return int(table[r, k]) if 0 <= k < width else _INF

    i, j, after = n, m, True
    while i > 0 or j > 0 or after:
        if after:
            after = False
            if is_end[j]:
                here = at(exits, i, j)
                if at(cost, i, j) + int(cut_cost[i]) == here:
                    cut_row[j] = i
                else:
                    i, after = i - 1, True
            continue
        here = at(cost, i, j)
        if i > 0 and j > 0:
            sub = 0 if hyp_ids[i - 1] == ref_ids[j - 1] else SUBSTITUTION
            if at(exits, i - 1, j - 1) + sub == here:
                i, j, after = i - 1, j - 1, True
                continue
        if j > 0 and at(exits, i, j - 1) + UNIT == here:
            j, after = j - 1, True
            continue
        i -= 1  # hypothesis token inserted before the cut
    return [int(cut_row[e]) for e in ref_ends]


def resegment(hypothesis: str | Sequence[str], references: Sequence[str], lang: str = "en",
              band: int = DEFAULT_BAND) -> list[str]:
    """One hypothesis segment per reference segment, by minimum edit distance.

    ``hypothesis`` is the system's output for the same stretch of text as
    ``references``: a list of segments split any way, or raw text (then it is
    split into sentences first, and the sentence breaks serve as preferred cuts).
    """
    pieces = split_sentences(hypothesis, lang) if isinstance(hypothesis, str) else list(hypothesis)
    if not references:
        return []
    text = "\n".join(pieces)
    starts, pos = [], 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece) + 1
    hyp_tokens = _tokens(text)
    tok_starts = np.array([t.start() for t in hyp_tokens], dtype=np.int64)
    cut_cost = _cut_costs([t.group() for t in hyp_tokens], np.searchsorted(tok_starts, starts))

    vocab: dict[str, int] = {}
    hyp_ids = _ids([t.group().lower() for t in hyp_tokens], vocab)
    ref_words, ref_ends = [], []
    for ref in references:
        ref_words += [t.group().lower() for t in _tokens(ref)]
        ref_ends.append(len(ref_words))
    cuts = cut_points(hyp_ids, cut_cost, _ids(ref_words, vocab), ref_ends, band)

    joiner = sentence_joiner(lang)
    bounds = [0] + [int(tok_starts[c]) if c < len(tok_starts) else len(text) for c in cuts]
    bounds[-1] = len(text)
    return [joiner.join(p.strip() for p in text[a:b].split("\n") if p.strip())
            for a, b in zip(bounds, bounds[1:])]


def resegment_documents(hypotheses: Mapping[str, str | Sequence[str]], references: Sequence[str],
                        doc_ids: Sequence[str], lang: str = "en", name: str = "hypothesis") -> list[str]:
    """Re-segment each document on its own; ``doc_ids`` has one id per reference segment.

    Raises UserError naming the ids when the hypothesis documents and the
    reference documents do not match.
    """
    if len(doc_ids) != len(references):
        raise UserError(f"{name}: {len(doc_ids)} doc ids for {len(references)} reference segments")
    order: dict[str, list[int]] = {}
    for k, doc in enumerate(doc_ids):
        order.setdefault(doc, []).append(k)
    missing = [d for d in order if d not in hypotheses]
    extra = [d for d in hypotheses if d not in order]
    if missing or extra:
        raise UserError(f"{name}: document ids do not match the references: "
                        f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
                        f"unexpected {extra[:3]}{'...' if len(extra) > 3 else ''}")
    out = [""] * len(references)
    for doc, rows in order.items():
        for k, seg in zip(rows, resegment(hypotheses[doc], [references[r] for r in rows], lang)):
            out[k] = seg
    return out
