"""Splitting one too-long segment into aligned (source, hypothesis, references) pieces.

Model-free on purpose: the pieces only need sensible boundaries (a sentence
placed in the neighbouring piece costs little), the aligners' model-free modes
are deterministic and fast, and they need no second model beside the metric's.

- the hypothesis is split into sentences (``eval.text.segment``);
- the source, in another language, is aligned to those sentences with the
  monotone sentence aligner (``eval.align.sentalign``, length and anchors):
  a piece may end only where a bead ends, so no source sentence is shared;
- consecutive hypothesis sentences are packed into pieces under a token budget;
- each reference, in the hypothesis's language, is re-segmented to the pieces
  by minimum edit distance (``eval.align.resegment``).

The budget starts at the model limit scaled by how many input tokens the
segment has per hypothesis token, and shrinks until every piece fits or no
piece can be split further (such a piece is then truncated, and counted).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from eval.align.resegment import resegment
from eval.align.sentalign import align
from eval.text.segment import sentence_joiner, split_sentences

CountTokens = Callable[[Sequence[str]], list[int]]
SHRINK = 0.8  # budget factor per retry when an aligned piece is still too long


@dataclass
class Pieces:
    """Aligned pieces of one segment; ``weights`` are hypothesis tokens per piece."""

    hypotheses: list[str]
    sources: list[str]
    references: list[list[str]]  # per reference stream, one piece per hypothesis piece
    weights: list[int]
    offsets: list[int] = field(default_factory=list)  # where each hypothesis piece starts in the hypothesis


@dataclass
class LongSegment:
    hypothesis: str
    source: str
    references: list[str]


def _cut_units(hyp_sents: list[str], src_sents: list[str] | None) -> list[tuple[int, int, list[int]]]:
    """Runs of hypothesis sentences that cannot be separated, with their source sentences.

    Without a source every sentence is its own unit. Source sentences aligned
    to no hypothesis sentence join the unit before them (the first unit when
    none comes before)."""
    if src_sents is None:
        return [(k, k + 1, []) for k in range(len(hyp_sents))]
    units: list[tuple[int, int, list[int]]] = []
    pending: list[int] = []
    for bead in align(src_sents, hyp_sents):
        if not bead.tgt:
            if units:
                units[-1][2].extend(bead.src)
            else:
                pending.extend(bead.src)
            continue
        units.append((bead.tgt[0], bead.tgt[-1] + 1, [*pending, *bead.src]))
        pending = []
    if pending and units:
        units[0][2][:0] = pending
    return units


def _pack(units, unit_tokens: list[int], budget: float) -> list[list[int]]:
    """Consecutive units grouped greedily so each group's tokens stay within ``budget``."""
    groups: list[list[int]] = []
    size = 0
    for u, tokens in enumerate(unit_tokens):
        if groups and size + tokens <= budget:
            groups[-1].append(u)
            size += tokens
        else:
            groups.append([u])
            size = tokens
    return groups


def split_segment(segment: LongSegment, src_lang: str, tgt_lang: str, count: CountTokens,
                  fits: Callable[[Pieces], list[bool]], budget: float) -> Pieces | None:
    """Pieces whose inputs ``fits`` accepts, or the finest split there is; None when
    the hypothesis has fewer than two sentences (nothing to split)."""
    hyp_sents = split_sentences(segment.hypothesis, tgt_lang)
    if len(hyp_sents) < 2:
        return None
    src_sents = split_sentences(segment.source, src_lang) if segment.source is not None else None
    units = _cut_units(hyp_sents, src_sents)
    if len(units) < 2:
        return None
    empty = count([""])[0]  # special tokens alone
    sent_tokens = [n - empty for n in count(hyp_sents)]
    unit_tokens = [sum(sent_tokens[a:b]) for a, b, _ in units]
    bounds = _sentence_bounds(segment.hypothesis, hyp_sents)
    src_join = sentence_joiner(src_lang)
    while True:
        groups = _pack(units, unit_tokens, budget)
        pieces = _pieces(groups, units, segment.hypothesis, bounds, src_sents, segment.references, tgt_lang, src_join)
        pieces.weights = [sum(unit_tokens[u] for u in g) for g in groups]
        ok = fits(pieces)
        if all(ok) or all(len(g) == 1 for g, good in zip(groups, ok) if not good):
            return pieces
        budget = min(budget * SHRINK, max(pieces.weights) - 1)


def _sentence_bounds(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``: the segmenter returns exact substrings."""
    bounds, cursor = [], 0
    for sentence in sentences:
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        bounds.append((start, cursor))
    return bounds


def _pieces(groups, units, hypothesis, bounds, src_sents, references, tgt_lang, src_join) -> Pieces:
    """Hypothesis pieces are slices of the hypothesis itself, so offsets into a piece
    (error spans) map back by adding the piece's start."""
    hyps, srcs, offsets = [], [], []
    for g in groups:
        start, end = bounds[units[g[0]][0]][0], bounds[units[g[-1]][1] - 1][1]
        hyps.append(hypothesis[start:end])
        offsets.append(start)
        if src_sents is not None:
            srcs.append(src_join.join(src_sents[k] for u in g for k in units[u][2]))
    refs = [resegment(split_sentences(ref, tgt_lang), hyps, tgt_lang) for ref in references]
    return Pieces(hyps, srcs if src_sents is not None else [""] * len(hyps), refs, [], offsets)


def initial_budget(limit: int, segment_tokens: int, hypothesis_tokens: int) -> float:
    """Hypothesis tokens per piece such that the whole input would just fit,
    assuming the other inputs split in proportion."""
    return max(1.0, math.floor(limit * hypothesis_tokens / max(segment_tokens, 1)))
