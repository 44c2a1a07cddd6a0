"""Scores by bucket for the HTML report, as compare-mt's analyses: corpus scores
of the segments in each source-length bucket or document (summed sufficient
statistics, so a bucket's BLEU is a real corpus BLEU), and word F-measure by
reference-word frequency bucket."""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from .output_summary import UNSPACED

ScoreFromSums = Callable[[np.ndarray], np.ndarray]

# compare-mt's default length buckets (words); unspaced scripts count characters.
LENGTH_EDGES_WORDS = (10, 20, 30, 40, 50, 60)
LENGTH_EDGES_CHARS = (20, 40, 60, 80, 100, 120)
# compare-mt's default frequency buckets: 1, 2, 3, 4, 5-9, 10-99, 100-999, 1000+.
FREQ_EDGES = (1, 2, 3, 4, 5, 10, 100, 1000)
_WORD = re.compile(r"\w+", re.UNICODE)
_CHAR_OR_ASCII_WORD = re.compile(r"[a-z0-9]+|[^\W_]", re.UNICODE)


def tokens(text: str, lang: str) -> list[str]:
    """Lower-cased words; for unspaced scripts single characters, except that
    runs of ASCII letters and digits (names, numbers) stay whole words."""
    pattern = _CHAR_OR_ASCII_WORD if lang in UNSPACED else _WORD
    return pattern.findall(text.lower())


def edge_labels(edges: Sequence[int]) -> list[str]:
    """Labels of the buckets [edges[k], edges[k+1]) plus the open last one."""
    labels = []
    for lo, hi in zip(edges, edges[1:]):
        labels.append(str(lo) if hi == lo + 1 else f"{lo}-{hi - 1}")
    return labels + [f"{edges[-1]}+"]


def length_buckets(sources: Sequence[str], src_lang: str) -> tuple[list[str], np.ndarray]:
    """Bucket labels and each segment's bucket index by source length."""
    unspaced = src_lang in UNSPACED
    edges = (0, *(LENGTH_EDGES_CHARS if unspaced else LENGTH_EDGES_WORDS))
    lengths = np.array([len("".join(s.split())) if unspaced else len(s.split()) for s in sources])
    index = np.searchsorted(np.array(edges[1:]), lengths, side="right")
    labels = [f"<{edges[1]}", *edge_labels(edges[1:])]
    return [f"{label} {'chars' if unspaced else 'words'}" for label in labels], index


def group_scores(stats: np.ndarray, index: np.ndarray, n_groups: int, score_from_sums: ScoreFromSums) -> list:
    """Corpus score of each group of segments (None for an empty group)."""
    sums = np.zeros((n_groups, stats.shape[1]))
    np.add.at(sums, index, stats)
    counts = np.bincount(index, minlength=n_groups)
    with np.errstate(all="ignore"):
        scores = np.asarray(score_from_sums(sums), dtype=np.float64)
    return [None if c == 0 or not np.isfinite(s) else round(float(s), 2) for s, c in zip(scores, counts)]


def frequency_buckets(references: Sequence[str], hypotheses: dict[str, Sequence[str]], lang: str) -> dict:
    """Word F-measure (x100) per system and frequency bucket of the reference word.

    A word's frequency is its count in the test references themselves (no
    training data is needed); a hypothesis word absent from the references
    counts against precision only and has no bucket of its own. Matches are
    clipped per segment as in BLEU's unigram precision."""
    ref_tokens = [Counter(tokens(r, lang)) for r in references]
    freq: Counter = Counter()
    for counts in ref_tokens:
        freq.update(counts)
    edges = np.array(FREQ_EDGES)

    def bucket(word: str) -> int:
        return int(np.searchsorted(edges, freq[word], side="right")) - 1

    word_bucket = {w: bucket(w) for w in freq}
    n = len(FREQ_EDGES)
    ref_total = np.zeros(n)
    for counts in ref_tokens:
        for w, c in counts.items():
            ref_total[word_bucket[w]] += c
    scores = {}
    for system, hyps in hypotheses.items():
        match, hyp_total = np.zeros(n), np.zeros(n)
        for hyp, ref in zip(hyps, ref_tokens):
            for w, c in Counter(tokens(hyp, lang)).items():
                k = word_bucket.get(w)
                if k is None:
                    continue
                hyp_total[k] += c
                match[k] += min(c, ref.get(w, 0))
        with np.errstate(all="ignore"):
            p, r = match / hyp_total, match / ref_total
            f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
        scores[system] = [None if ref_total[k] == 0 else round(100 * float(f[k]), 2) for k in range(n)]
    return {"labels": edge_labels(FREQ_EDGES), "counts": [int(c) for c in ref_total], "scores": scores}
