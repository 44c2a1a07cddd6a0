"""Cross-lingual monotone sentence alignment (source original ↔ translation).

Beads join 0–4 source sentences to 0–4 target sentences (1-1, 1-2, 2-1, 2-2,
1-3, 3-1, 1-4, 4-1, 1-0, 0-1; with embeddings also 1-5 and 5-1). A bead's cost
adds three terms:

- length: Gale & Church (1993): the target length should be the source length
  times the document's character ratio, with variance growing with length;
  the cost is δ²/2 for the normalised difference δ;
- evidence: ``weight * (1 - similarity)`` for each kind of evidence. The
  anchor similarity (always used) is the weighted Dice overlap of anchors both texts share (numbers, punctuation
  marks such as ``?`` ``!`` ``:`` ``(``, and 4-letter word prefixes, which
  catch names and cognates), idf-weighted and restricted to anchors that occur
  on both sides of the document. With an embedding function a second term
  uses the cosine of the summed sentence vectors of the two spans, rescaled so that the
  document's typical unrelated pair scores 0 and its typical best match 1,
  after subtracting each sentence's mean cosine with its nearest neighbours
  (the margin criterion of bitext mining); and a member term: each sentence
  of a many-sentence side must match the other span on its own;
- a prior per bead type (1-1 cheapest, insertions and deletions dearest); with
  embeddings a run of insertions (or deletions) pays the full prior for its first
  sentence only and a smaller ``run_prior`` for each further one (an affine gap):
  a passage the other side lacks is one event, cheaper left out than glued on.

Search is a dynamic programme over (source, target) positions, one numpy row
per source position, with a second state for runs of deletions. Long documents
are aligned coarse-to-fine: consecutive sentences are merged into blocks, the
blocks are aligned, and the sentence level is searched only in a band around
the block path, so time and memory grow about linearly with the document (see
docs/ALIGNMENT.md).

Each bead carries its cost and a confidence: an estimate of the probability
that the bead is right, a logistic function of the bead's shape (1-1; 1-2 or
2-1; larger; insertion or deletion) and of its cost beyond the prior,
fitted on beads whose truth is known (WMT22 ru-en and en-zh articles re-split,
and the four gold corpora; docs/ALIGNMENT.md has the reliability tables), once
model-free and once with the e5 embeddings (CALIBRATION).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

Embed = Callable[[list[str]], np.ndarray]

# (source sentences, target sentences) per bead, and its prior cost in nats
# (tuned on Text+Berg de-fr, model-free, the 1-4/4-1 beads on all four gold
# corpora; see docs/ALIGNMENT.md). A Chinese sentence often becomes 4 English ones.
BEAD_PRIORS = MappingProxyType({
    (1, 1): 0.0, (1, 2): 4.0, (2, 1): 4.0, (2, 2): 8.0, (1, 3): 7.0, (3, 1): 7.0,
    (1, 4): 10.0, (4, 1): 10.0, (1, 0): 6.0, (0, 1): 6.0,
})
LENGTH_VARIANCE = 6.8  # Gale & Church's s², characters
FULL_SEARCH_CELLS = 400_000  # above this the search goes coarse-to-fine
BLOCK = 4  # sentences merged per block at each coarser level
BAND_MARGIN = 6  # sentences either side of the projected coarse path
NEIGHBOURS = 2  # nearest neighbours in the margin of the embedding similarity

# After NFKC (full-width digits, letters and punctuation become ASCII): digit
# runs, and runs of letters outside the CJK scripts (names and cognates inside
# Chinese or Japanese text are found on their own, not glued to the ideographs)
_NUMBER = re.compile(r"\d+")
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[^\W\d_{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
CJK_CHAR_LENGTH = 2.0  # chosen on the three aligner-eval corpora (docs/ALIGNMENT.md)
_PUNCT_ANCHORS = {"?": "?", "!": "!", ":": ":", ";": ";", "(": "(", ")": ")", "%": "%",
                  '"': '"', "«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "「": '"', "」": '"',
                  "『": '"', "』": '"'}


@dataclass(frozen=True)
class Bead:
    """One aligned group: source and target sentence indices (0-based)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    cost: float
    confidence: float

    def __str__(self) -> str:
        return f"[{', '.join(map(str, self.src))}]:[{', '.join(map(str, self.tgt))}]"


@dataclass(frozen=True)
class AlignerSettings:
    """The weights of the bead cost; defaults are tuned on Text+Berg de-fr."""

    anchor_weight: float = 6.0
    embedding_weight: float = 4.0
    neutral_similarity: float = 0.3  # when neither span has any anchor
    length_weight: float = 1.5
    # an insertion or deletion costs its prior less this much times how badly
    # the sentence matches its best candidate (embeddings only): junk is cheap to skip
    unmatched_discount: float = 0.0
    # a bead with several sentences on a side also costs this much times how badly its
    # sentences there match the other side one by one, on average (embeddings only)
    member_weight: float = 0.0
    # prior of each further sentence in a run of insertions (or of deletions): the
    # first pays the 1-0/0-1 prior; None = the same again (no run discount)
    run_prior: float | None = None
    # prior cost (nats) per bead shape (source sentences, target sentences)
    priors: MappingProxyType = field(default_factory=lambda: BEAD_PRIORS, hash=False)

    def run_step(self, shape: tuple[int, int]) -> float:
        """Prior of each further sentence in a run of 1-0 (or 0-1) beads."""
        return self.priors[shape] if self.run_prior is None else self.run_prior

    @property
    def max_span(self) -> int:
        """The most sentences on one side of a bead."""
        return max(max(shape) for shape in self.priors)


MODEL_FREE = AlignerSettings()
# with the default model (multilingual-e5-small and USE-multilingual mixed) the embeddings
# outweigh the length, every sentence of a many-sentence side must match on its own,
# 1-2/2-1, 2-2 and 1-3 beads are cheaper (the vectors tell a split from a drift) and
# 1-5/5-1 beads exist (a long Chinese sentence often becomes five English ones) and a run
# of insertions or deletions is one event (run_prior); chosen with the model's mix by a
# random local search over Text+Berg and the three aligner-eval corpora, checked
# leave-one-corpus-out (docs/ALIGNMENT.md)
WITH_EMBEDDINGS = AlignerSettings(
    anchor_weight=3.02, embedding_weight=5.05, neutral_similarity=0.31, length_weight=0.36,
    unmatched_discount=2.1, member_weight=1.76, run_prior=4.11,
    priors=MappingProxyType({**BEAD_PRIORS, (1, 2): 2.8, (2, 1): 2.8, (2, 2): 6.24, (1, 3): 5.9, (3, 1): 5.9,
                             (1, 4): 9.51, (4, 1): 9.51, (1, 5): 13.2, (5, 1): 13.2, (1, 0): 6.4, (0, 1): 6.4}))


# P(bead right) = sigmoid(intercept of its shape + slope * min(cost - prior, 12)); shapes:
# 1-1, 1-2/2-1, larger, insertion/deletion (whose cost includes the prior). One fit per
# mode, keyed by "with embeddings", because the embedding term changes the cost scale;
# refit with benchmarks/fit_align_calibration.py whenever the cost weights change.
CALIBRATION: dict[bool, tuple[float, float, float, float, float]] = {
    False: (4.802, 2.524, 0.793, 0.218, -0.283),
    True: (5.839, 4.915, 4.436, 2.536, -0.559),
}
COST_CLIP = 12.0


def calibration_features(a: int, b: int, local_cost: float) -> list[float]:
    """The regressors of the confidence: bead shape one-hot, then the clipped cost."""
    shape = 3 if a == 0 or b == 0 else 0 if a == b == 1 else 1 if a + b == 3 else 2
    return [float(k == shape) for k in range(4)] + [min(local_cost, COST_CLIP)]


def calibrated_confidence(a: int, b: int, local_cost: float, with_embeddings: bool) -> float:
    """The estimated probability that an a-b bead with this cost is right."""
    z = sum(w * x for w, x in zip(CALIBRATION[with_embeddings], calibration_features(a, b, local_cost)))
    return 1.0 / (1.0 + math.exp(-z))


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def anchors(sentence: str) -> list[str]:
    """Language-independent tokens that a translation tends to keep, in any script."""
    sentence = unicodedata.normalize("NFKC", sentence)
    found = ["p" + _PUNCT_ANCHORS[ch] for ch in sentence if ch in _PUNCT_ANCHORS]
    found += ["n" + (number.lstrip("0") or "0") for number in _NUMBER.findall(sentence)]
    found += ["w" + _fold(word)[:4] for word in _WORD.findall(sentence) if len(word) >= 4]
    counts: Counter = Counter()
    numbered = []
    for a in found:  # a multiset as a set: the 2nd "?" is a different anchor
        counts[a] += 1
        numbered.append(f"{a}#{counts[a]}")
    return numbered


def text_length(sentence: str) -> float:
    """Length in characters, a CJK character (ideograph, kana, hangul) counting
    as CJK_CHAR_LENGTH: it carries about a word, so the Gale–Church variance,
    fitted on alphabetic characters, fits both sides of a zh/ja pair."""
    cjk = len(_CJK_CHAR.findall(sentence))
    return max(len(sentence) + (CJK_CHAR_LENGTH - 1) * cjk, 1.0)


class _Side:
    """Per-sentence features of one side: lengths, anchors, optional vectors."""

    def __init__(self, lengths: np.ndarray, anchor_ids: list[np.ndarray], weights: np.ndarray,
                 vectors: np.ndarray | None):
        self.n = len(lengths)
        self.cum_len = np.concatenate([[0.0], np.cumsum(lengths)])
        self.anchor_ids = anchor_ids
        self.weights = weights  # idf weight per anchor id
        self.anchor_mass = np.array([weights[ids].sum() for ids in anchor_ids])
        self.cum_mass = np.concatenate([[0.0], np.cumsum(self.anchor_mass)])
        self.vectors = vectors
        self.postings = self._postings()

    def _postings(self) -> dict[int, np.ndarray]:
        rows: dict[int, list[int]] = {}
        for k, ids in enumerate(self.anchor_ids):
            for a in ids:
                rows.setdefault(int(a), []).append(k)
        return {a: np.array(r, dtype=np.int64) for a, r in rows.items()}

    def span_norms(self, max_span: int) -> np.ndarray:
        """|sum of vectors| of the spans ending before k, for span sizes 0..max_span."""
        cum = np.concatenate([np.zeros((1, self.vectors.shape[1])), np.cumsum(self.vectors, axis=0)])
        norms = np.ones((max_span + 1, self.n + 1))
        for size in range(1, min(max_span, self.n) + 1):
            norms[size, size:] = np.maximum(np.linalg.norm(cum[size:] - cum[:-size], axis=1), 1e-9)
        return norms

    def merged(self, block: int) -> "_Side":
        """Blocks of ``block`` consecutive sentences, for the coarse pass."""
        starts = np.arange(0, self.n, block)
        ends = np.minimum(starts + block, self.n)
        lengths = self.cum_len[ends] - self.cum_len[starts]
        ids = [np.unique(np.concatenate(self.anchor_ids[s:e])) for s, e in zip(starts, ends)]
        vectors = None
        if self.vectors is not None:
            sums = np.add.reduceat(self.vectors, starts, axis=0)
            vectors = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
        return _Side(lengths, ids, self.weights, vectors)


def _build_sides(src: Sequence[str], tgt: Sequence[str], embed: Embed | None) -> tuple[_Side, _Side]:
    src_anchors = [anchors(s) for s in src]
    tgt_anchors = [anchors(t) for t in tgt]
    src_df = Counter(a for sent in src_anchors for a in set(sent))
    tgt_df = Counter(a for sent in tgt_anchors for a in set(sent))
    shared = sorted(set(src_df) & set(tgt_df))
    index = {a: k for k, a in enumerate(shared)}
    total = len(src) + len(tgt)
    weights = np.array([math.log(total / (src_df[a] + tgt_df[a])) + 1.0 for a in shared])
    if not shared:
        weights = np.zeros(0)

    def ids(sentences):
        return [np.array(sorted(index[a] for a in sent if a in index), dtype=np.int64) for sent in sentences]

    src_vec = tgt_vec = None
    if embed is not None:
        src_vec = np.asarray(embed(list(src)), dtype=np.float64)
        tgt_vec = np.asarray(embed(list(tgt)), dtype=np.float64)
        for name, vec, count in (("source", src_vec, len(src)), ("target", tgt_vec, len(tgt))):
            if vec.ndim != 2 or vec.shape[0] != count:
                raise ValueError(f"embed() returned shape {vec.shape} for {count} {name} sentences")
    src_len = np.array([text_length(s) for s in src], dtype=np.float64)
    tgt_len = np.array([text_length(t) for t in tgt], dtype=np.float64)
    return _Side(src_len, ids(src_anchors), weights, src_vec), _Side(tgt_len, ids(tgt_anchors), weights, tgt_vec)


class _Scorer:
    """Bead costs for one source row against a band of target positions."""

    def __init__(self, src: _Side, tgt: _Side, lo: np.ndarray, hi: np.ndarray, settings: AlignerSettings):
        self.src, self.tgt, self.lo, self.hi, self.settings = src, tgt, lo, hi, settings
        self.ratio = (tgt.cum_len[-1] / src.cum_len[-1]) if src.cum_len[-1] > 0 else 1.0
        self.cache: dict[int, tuple[int, np.ndarray]] = {}
        self.span = settings.max_span
        self.floors, self.gap = _cosine_range(src, tgt, settings.priors) if src.vectors is not None else ({}, 1.0)
        self.unmatched_src, self.unmatched_tgt = np.zeros(src.n), np.zeros(tgt.n)
        if src.vectors is not None:
            src_near, tgt_near = _nearest_cosines(src, tgt, lo, hi)
            src_hub, tgt_hub = _finite_mean(src_near), _finite_mean(tgt_near)
            self.src_hub, self.tgt_hub = src_hub, tgt_hub
            self.cum_hub_src = np.concatenate([[0.0], np.cumsum(src_hub)])
            self.cum_hub_tgt = np.concatenate([[0.0], np.cumsum(tgt_hub)])
            self.mean_hub = (src_hub.mean() + tgt_hub.mean()) / 2
            # how badly each sentence matches its best candidate: junk is cheap to skip
            self.unmatched_src = self._rescaled_miss(src_near[:, 0], src_hub, self.mean_hub)
            self.unmatched_tgt = self._rescaled_miss(tgt_near[:, 0], tgt_hub, self.mean_hub)
            self.src_norm, self.tgt_norm = src.span_norms(self.span), tgt.span_norms(self.span)

    def _pair_row(self, s: int) -> tuple[int, np.ndarray, np.ndarray | None]:
        """Anchor overlap and cosine of source sentence s with a range of targets."""
        if s in self.cache:
            return self.cache[s]
        last = min(s + self.span, self.src.n)
        start = max(int(self.lo[s + 1]) - self.span, 0)
        stop = max(min(int(self.hi[last]), self.tgt.n), start)
        overlap = np.zeros(stop - start)
        for a in self.src.anchor_ids[s]:
            posting = self.tgt.postings.get(int(a))
            if posting is None:
                continue
            hit = posting[np.searchsorted(posting, start):np.searchsorted(posting, stop)]
            overlap[hit - start] += self.src.weights[a]
        cosine = None if self.src.vectors is None else self.tgt.vectors[start:stop] @ self.src.vectors[s]
        self.cache[s] = (start, overlap, cosine)
        self.cache.pop(s - self.span - 1, None)
        return self.cache[s]

    def costs(self, i: int, a: int, b: int, js: np.ndarray) -> np.ndarray:
        """Cost without prior of source span [i-a, i) with target spans [j-b, j)."""
        st = self.settings
        if a == 0:
            return -st.unmatched_discount * self.unmatched_tgt[js - 1]
        if b == 0:
            return np.full(len(js), -st.unmatched_discount * self.unmatched_src[i - 1])
        ls = self.src.cum_len[i] - self.src.cum_len[i - a]
        lt = self.tgt.cum_len[js] - self.tgt.cum_len[js - b]
        expected = ls * self.ratio
        delta = (lt - expected) / np.sqrt(LENGTH_VARIANCE * (expected + lt) / 2)
        cost = st.length_weight * delta * delta / 2
        overlap, cosine, rows = self._span_sums(i, a, b, js)
        mass = (self.src.cum_mass[i] - self.src.cum_mass[i - a]) + (self.tgt.cum_mass[js] - self.tgt.cum_mass[js - b])
        with np.errstate(invalid="ignore", divide="ignore"):
            dice = np.where(mass > 0, 2 * overlap / mass, st.neutral_similarity)
        cost += st.anchor_weight * (1.0 - np.clip(dice, 0.0, 1.0))
        if cosine is not None:
            cosine = cosine / (self.src_norm[a, i] * self.tgt_norm[b, js])
            hub_src = (self.cum_hub_src[i] - self.cum_hub_src[i - a]) / a
            hub_tgt = (self.cum_hub_tgt[js] - self.cum_hub_tgt[js - b]) / b
            cosine = cosine - ((hub_src + hub_tgt) / 2 - self.mean_hub)
            similarity = np.clip((cosine - self.floors[(a, b)]) / self.gap, 0.0, 1.0)
            cost += st.embedding_weight * (1.0 - similarity)
            if st.member_weight and (a > 1 or b > 1):
                cost += st.member_weight * self._member_misses(i, a, b, js, rows, hub_src, hub_tgt)
        return cost

    def _rescaled_miss(self, cosine: np.ndarray, hub_one: np.ndarray | float,
                       hub_span: np.ndarray | float) -> np.ndarray:
        """1 - the rescaled similarity of a sentence with a span (as a 1-1 bead's);
        a cosine of -inf (no candidate in the band) is a full miss."""
        margin = cosine - ((hub_one + hub_span) / 2 - self.mean_hub)
        return 1.0 - np.clip((margin - self.floors[(1, 1)]) / self.gap, 0.0, 1.0)

    def _member_misses(self, i: int, a: int, b: int, js: np.ndarray, rows: _CosineRows,
                       hub_src: float, hub_tgt: np.ndarray) -> np.ndarray:
        """Mean miss of each many-sentence side's sentences against the other span.

        The summed vector of a span barely moves when a fragment, a caption or a
        neighbour's sentence is glued onto a good match, so such a bead looks as
        good as the right one; each glued sentence on its own matches poorly.
        """
        total = np.zeros(len(js))
        base = rows.base
        if b > 1:  # each target sentence against the source span
            cosine = rows.summed / self.src_norm[a, i]
            miss = self._rescaled_miss(cosine, self.tgt_hub[base:base + len(cosine)], hub_src)
            total += _window_sums(miss, js, base, b) / b
        if a > 1:  # each source sentence against the target spans
            for s, row in zip(range(i - a, i), rows.per_source):
                cosine = _window_sums(row, js, base, b) / self.tgt_norm[b, js]
                total += self._rescaled_miss(cosine, self.src_hub[s], hub_tgt) / a
        return total

    def _span_sums(self, i: int, a: int, b: int, js: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray | None, _CosineRows]:
        """Sums over the sentence pairs of each bead of overlap and of cosine, and
        the cosine rows they were summed from (for the member term)."""
        base = max(int(js.min()) - b, 0)
        stop = int(js.max())
        overlap = np.zeros(stop - base)
        cosine = None if self.src.vectors is None else np.zeros(stop - base)
        pair_rows = []
        for s in range(i - a, i):
            start, o_row, c_row = self._pair_row(s)
            overlap += o_row[base - start:stop - start]
            if cosine is not None:
                pair_rows.append(c_row[base - start:stop - start])
                cosine += pair_rows[-1]
        return (_window_sums(overlap, js, base, b),
                None if cosine is None else _window_sums(cosine, js, base, b), _CosineRows(base, pair_rows, cosine))


class _CosineRows(NamedTuple):
    """Cosines of a bead's source sentences with the targets from ``base`` on:
    one row per source sentence, and their sum."""

    base: int
    per_source: list[np.ndarray]
    summed: np.ndarray | None


def _window_sums(values: np.ndarray, ends: np.ndarray, base: int, size: int) -> np.ndarray:
    """Sums of ``values`` (position ``base`` first) over [end - size, end) for each end."""
    cum = np.concatenate([[0.0], np.cumsum(values)])
    return cum[ends - base] - cum[ends - size - base]


def _nearest_cosines(src: _Side, tgt: _Side, lo: np.ndarray, hi: np.ndarray,
                     k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """The k best cosines (descending, -inf where fewer) of each sentence with
    the sentences of the other side that the search may pair it with (the band).

    Their mean is the sentence's "hub" score: subtracting it from a pair's
    cosine is the margin criterion of bitext mining (Artetxe & Schwenk 2019),
    so a sentence that resembles everything (short, formulaic, a caption) gets
    no credit for resembling its candidate. The best one says whether the
    sentence has any counterpart at all.
    """
    src_top = np.full((src.n, k), -np.inf)
    tgt_top = np.full((tgt.n, k), -np.inf)
    for i in range(src.n):
        start, stop = max(int(lo[i]) - 1, 0), min(int(hi[i + 1]), tgt.n)  # targets beads from row i reach
        if stop <= start:
            continue
        row = tgt.vectors[start:stop] @ src.vectors[i]
        best = np.sort(row)[::-1][:k]
        src_top[i, :len(best)] = best
        merged = np.concatenate([tgt_top[start:stop], row[:, None]], axis=1)
        tgt_top[start:stop] = -np.sort(-merged, axis=1)[:, :k]
    return src_top, tgt_top


def _finite_mean(values: np.ndarray) -> np.ndarray:
    """Row means over the finite entries; rows with none get the overall mean."""
    found = np.isfinite(values)
    counts = found.sum(axis=1)
    sums = np.where(found, values, 0.0).sum(axis=1)
    overall = sums.sum() / max(counts.sum(), 1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), overall)


def _cosine_range(src: _Side, tgt: _Side, priors, sample: int = 200) -> tuple[dict[tuple[int, int], float], float]:
    """Typical cosine of unrelated spans (per bead shape) and of translations.

    Encoders differ in where their cosines lie (multilingual-e5 puts almost
    every pair above 0.7), and summed vectors of longer spans drift towards
    each other, so a bead's cosine is measured from the mean cosine of random
    spans of its shape, in units of the gap between that floor and the mean
    best-match cosine of single sentences.
    """
    rng = np.random.default_rng(0)

    def span_sums(side: _Side, size: int) -> np.ndarray:
        starts = rng.integers(0, max(side.n - size, 0) + 1, size=sample)
        sums = sum(side.vectors[np.minimum(starts + k, side.n - 1)] for k in range(size))
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)

    floors = {}
    for a, b in priors:
        if a and b:
            floors[(a, b)] = float(np.mean(span_sums(src, a) @ span_sums(tgt, b).T))
    rows = rng.choice(src.n, size=min(sample, src.n), replace=False)
    best = float((tgt.vectors @ src.vectors[rows].T).max(axis=0).mean())
    return floors, max(best - floors[(1, 1)], 1e-3)


def _search(src: _Side, tgt: _Side, lo: np.ndarray, hi: np.ndarray, settings: AlignerSettings
            ) -> list[tuple[int, int, int, int, float, float]]:
    """Cheapest bead path within the band [lo[i], hi[i]) of target positions.

    A run of insertions (or deletions) pays the 0-1 (1-0) prior for its first
    sentence and ``run_prior`` for each further one (an affine gap): an
    untranslated advert or a tail the other side lacks is one event, not many.
    """
    scorer = _Scorer(src, tgt, lo, hi, settings)
    priors = settings.priors
    beads = [bead for bead in priors if bead not in ((0, 1), (1, 0))]
    open_skip, open_del = priors[(0, 1)], priors[(1, 0)]
    extend_skip, extend_del = settings.run_step((0, 1)), settings.run_step((1, 0))
    cost_rows: list[np.ndarray] = []
    back_rows: list[np.ndarray] = []
    del_rows: list[np.ndarray] = []  # cheapest path to (i, j) whose last bead is a deletion
    del_runs: list[np.ndarray] = []  # ... and whose bead before is a deletion too
    skip_starts: list[np.ndarray] = []  # where the run of insertions ending at (i, j) began
    deletion_move, skip_move = _moves(beads)
    for i in range(src.n + 1):
        js = np.arange(lo[i], hi[i])
        best = np.where(js == 0, 0.0, np.inf) if i == 0 else np.full(len(js), np.inf)
        arg = np.full(len(js), -1, dtype=np.int8)
        for k, (a, b) in enumerate(beads):
            if a > i:
                continue
            prev = cost_rows[i - a]
            idx = js - b - lo[i - a]
            ok = (idx >= 0) & (idx < len(prev)) & (js - b >= 0)
            if not ok.any():
                continue
            cand = np.full(len(js), np.inf)
            cand[ok] = prev[idx[ok]] + priors[(a, b)] + scorer.costs(i, a, b, js[ok])
            better = cand < best
            best[better] = cand[better]
            arg[better] = k
        deleted = np.full(len(js), np.inf)
        continued = np.zeros(len(js), dtype=bool)
        if i > 0:
            idx = js - lo[i - 1]
            ok = (idx >= 0) & (idx < len(cost_rows[i - 1]))
            opened = cost_rows[i - 1][idx[ok]] + open_del
            extended = del_rows[i - 1][idx[ok]] + extend_del
            continued[ok] = extended < opened
            deleted[ok] = np.minimum(opened, extended) + scorer.costs(i, 1, 0, js[ok])
            better = deleted < best
            best[better] = deleted[better]
            arg[better] = deletion_move
        unit = extend_skip + scorer.costs(i, 0, 1, np.maximum(js, 1))  # skipping target j-1 to reach j
        steps = np.concatenate([[0.0], np.cumsum(unit[1:])])
        with np.errstate(invalid="ignore"):
            start_cost = best - steps
            running = np.minimum.accumulate(start_cost)
            through = running + steps + (open_skip - extend_skip)
        positions = np.arange(len(js))
        starts = np.maximum.accumulate(np.where(start_cost <= running, positions, 0))
        from_skip = through < best - 1e-9  # not a rounding artefact of the running minimum
        best = np.where(from_skip, through, best)
        arg[from_skip] = skip_move
        cost_rows.append(best)
        back_rows.append(arg)
        del_rows.append(deleted)
        del_runs.append(continued)
        skip_starts.append(starts + lo[i])
    return _trace(back_rows, del_runs, skip_starts, lo, scorer, beads, tgt.n)


def _moves(beads: list[tuple[int, int]]) -> tuple[int, int]:
    """Back-pointer codes of a deletion and of a run of insertions (after the beads')."""
    return len(beads), len(beads) + 1


def _trace(back_rows, del_runs, skip_starts, lo, scorer: _Scorer, beads, m: int
           ) -> list[tuple[int, int, int, int, float, float]]:
    path = []
    settings = scorer.settings
    priors = settings.priors
    deletion_move, skip_move = _moves(beads)
    i, j = len(back_rows) - 1, m
    in_deletion_run = False  # the bead before the last one traced was a deletion too
    while i > 0 or j > 0:
        k = deletion_move if in_deletion_run else int(back_rows[i][j - lo[i]])
        if k == skip_move:  # a run of insertions, from its start to j
            start = int(skip_starts[i][j - lo[i]])
            for t in range(j, start, -1):
                prior = priors[(0, 1)] if t == start + 1 else settings.run_step((0, 1))
                cost = float(scorer.costs(i, 0, 1, np.array([t]))[0]) + prior
                path.append((i, i, t - 1, t, cost, cost))
            j = start
            continue
        if k == deletion_move:  # a deletion, opening a run or continuing one
            in_deletion_run = bool(del_runs[i][j - lo[i]])
            prior = settings.run_step((1, 0)) if in_deletion_run else priors[(1, 0)]
            cost = float(scorer.costs(i, 1, 0, np.array([j]))[0]) + prior
            path.append((i - 1, i, j, j, cost, cost))
            i -= 1
            continue
        a, b = beads[k]
        cost = float(scorer.costs(i, a, b, np.array([j]))[0]) + priors[(a, b)]
        path.append((i - a, i, j - b, j, cost, cost - priors[(a, b)]))
        i, j = i - a, j - b
    return path[::-1]


def _band_from_coarse(path, block: int, n: int, m: int, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """Sentence-level band [lo, hi) of target positions around a block path."""
    lo = np.full(n + 1, m + 1, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for s0, s1, t0, t1, _, _ in path:
        rows = slice(min(s0 * block, n), min(s1 * block, n) + 1)
        lo[rows] = np.minimum(lo[rows], t0 * block)
        hi[rows] = np.maximum(hi[rows], min(t1 * block, m) + 1)
    lo = np.maximum(lo - margin, 0)
    hi = np.minimum(hi + margin, m + 1)
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # monotone, so rows s+1..s+3 share ranges
    hi = np.maximum.accumulate(hi)
    lo[0], hi[-1] = 0, m + 1
    lo = np.minimum(lo, m)
    return lo, hi


def _align_sides(src: _Side, tgt: _Side, settings: AlignerSettings):
    n, m = src.n, tgt.n
    if (n + 1) * (m + 1) <= FULL_SEARCH_CELLS or n < 2 * BLOCK or m < 2 * BLOCK:
        return _search(src, tgt, np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m + 1), settings)
    coarse = _align_sides(src.merged(BLOCK), tgt.merged(BLOCK), settings)
    lo, hi = _band_from_coarse(coarse, BLOCK, n, m, BAND_MARGIN + BLOCK)
    return _search(src, tgt, lo, hi, settings)


def align(src: Sequence[str], tgt: Sequence[str], embed: Embed | None = None,
          settings: AlignerSettings | None = None) -> list[Bead]:
    """Align two documents given as sentences; returns beads in order.

    ``embed`` maps a list of sentences to an array of L2-normalised vectors
    (one row per sentence, any multilingual encoder); without it the
    alignment is model-free (length and anchors). ``settings`` defaults to
    MODEL_FREE or WITH_EMBEDDINGS.
    """
    if settings is None:
        settings = MODEL_FREE if embed is None else WITH_EMBEDDINGS
    if not src or not tgt:
        skip = settings.priors[(1, 0)]
        sure = calibrated_confidence(1, 0, skip, embed is not None)
        return [Bead((k,), (), skip, sure) for k in range(len(src))] + \
               [Bead((), (k,), skip, sure) for k in range(len(tgt))]
    src_side, tgt_side = _build_sides(src, tgt, embed)
    return [Bead(tuple(range(s0, s1)), tuple(range(t0, t1)), cost,
                 calibrated_confidence(s1 - s0, t1 - t0, local, embed is not None))
            for s0, s1, t0, t1, cost, local in _align_sides(src_side, tgt_side, settings)]
