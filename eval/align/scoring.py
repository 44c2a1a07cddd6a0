"""Bead files and their accuracy against a gold alignment.

The format is the one of the Text+Berg gold files and vecalign: one bead per
line, ``[0]:[0, 1]``, 0-based sentence indices, ``[]`` for an empty side.
Accuracy follows Sennrich & Volk (2011) as vecalign scores it: strict counts
a predicted bead only when it equals a gold bead; lax also counts one whose
source and target both overlap a single gold bead. Precision is over the
predicted beads that are not empty on both sides, recall over the gold beads
with both sides non-empty; counts are pooled over all documents.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Pair = tuple[tuple[int, ...], tuple[int, ...]]
_LINE = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]\s*$")


def parse_beads(lines: Iterable[str], name: str = "alignment") -> list[Pair]:
    """Read ``[i, j]:[k]`` lines; raises ValueError naming the line at fault."""
    beads = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"{name}:{number}: not a bead line: {line.strip()!r}")
        src, tgt = (tuple(int(x) for x in g.replace(",", " ").split()) for g in match.groups())
        beads.append((src, tgt))
    return beads


def check_bead_counts(beads: Sequence[Pair], n_src: int, n_tgt: int, name: str,
                      src_name: str = "the source", tgt_name: str = "the target") -> None:
    """The beads must belong to these two documents: no index beyond a side's
    sentence count, and the last sentence of each side named. (Real gold files
    may skip a sentence or cross beads, so order and coverage are not checked.)
    Raises ValueError naming the bead or the side at fault."""
    for side, count, label in ((0, n_src, src_name), (1, n_tgt, tgt_name)):
        highest = -1
        for number, bead in enumerate(beads, 1):
            for index in bead[side]:
                if index >= count:
                    raise ValueError(f"{name}: bead {number} ({format_bead(*bead)}) names sentence {index}, "
                                     f"but {label} has {count} sentences (0 to {count - 1})")
                highest = max(highest, index)
        if highest + 1 != count:
            raise ValueError(f"{name}: the beads end at sentence {highest} of {label}, which has {count} "
                             f"sentences (0 to {count - 1}); is it the gold for these documents?")


def format_bead(src: Sequence[int], tgt: Sequence[int]) -> str:
    return f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]"


@dataclass(frozen=True)
class AlignmentAccuracy:
    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float


def _hits(predicted: Sequence[Pair], gold: Sequence[Pair]) -> tuple[int, int, int]:
    """(strict hits, lax hits, count) of ``predicted`` beads judged against ``gold``."""
    gold_set = {(tuple(s), tuple(t)) for s, t in gold if s or t}
    linked: dict[int, set[int]] = {}
    for s, t in gold_set:
        for i in s:
            linked.setdefault(i, set()).update(t)
    strict = lax = count = 0
    for bead in {(tuple(s), tuple(t)) for s, t in predicted if s or t}:
        count += 1
        if bead in gold_set:
            strict += 1
            lax += 1
        elif set(bead[1]) & set().union(*(linked.get(i, set()) for i in bead[0])):
            lax += 1
    return strict, lax, count


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def accuracy(gold_docs: Sequence[Sequence[Pair]], test_docs: Sequence[Sequence[Pair]]) -> AlignmentAccuracy:
    """Strict and lax precision, recall and F1 pooled over documents."""
    if len(gold_docs) != len(test_docs):
        raise ValueError(f"{len(gold_docs)} gold documents but {len(test_docs)} predicted")
    p_strict = p_lax = p_count = r_strict = r_lax = r_count = 0
    for gold, test in zip(gold_docs, test_docs):
        s, l, c = _hits(test, gold)
        p_strict, p_lax, p_count = p_strict + s, p_lax + l, p_count + c
        both = [(x, y) for x, y in test if x and y]
        s, l, c = _hits([(x, y) for x, y in gold if x and y], both)
        r_strict, r_lax, r_count = r_strict + s, r_lax + l, r_count + c
    ps, pl = (p_strict / p_count, p_lax / p_count) if p_count else (0.0, 0.0)
    rs, rl = (r_strict / r_count, r_lax / r_count) if r_count else (0.0, 0.0)
    return AlignmentAccuracy(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl))


def score_alignment(gold_docs: Sequence[Sequence[Pair]], test_docs: Sequence[Sequence[Pair]],
                    sizes: Sequence[tuple[int, int]], names: Sequence[str] | None = None) -> AlignmentAccuracy:
    """``accuracy`` for documents of known sentence counts ``(source, target)``:
    beads that cannot belong to their document (a gold file for another
    document, an alignment of other sentence splits) would be scored as
    plain errors; here they are one ``UserError`` line naming the document
    and the bead."""
    from eval.errors import UserError

    if not len(gold_docs) == len(test_docs) == len(sizes):
        raise UserError(f"score_alignment: {len(gold_docs)} gold documents, {len(test_docs)} aligned, "
                        f"{len(sizes)} sizes; give one of each per document")
    names = list(names) if names is not None else [f"document {k + 1}" for k in range(len(sizes))]
    for name, gold, test, (n_src, n_tgt) in zip(names, gold_docs, test_docs, sizes):
        for label, beads in (("gold", gold), ("aligned", test)):
            try:
                check_bead_counts(beads, n_src, n_tgt, f"{name} ({label})")
            except ValueError as exc:
                raise UserError(str(exc)) from None
    return accuracy(gold_docs, test_docs)


def resplit_article(segments: Sequence[str], lang: str) -> tuple[list[str], list[frozenset[int]]]:
    """Segments joined into one article and re-split by the segmenter, with, for
    each sentence, the segments it overlaps: the true beads of an article whose
    original segmentation is known (calibration and its tests measure with it)."""
    from ..text.segment import sentence_joiner, split_sentences

    text, spans = "", []
    for k, segment in enumerate(segments):
        text += sentence_joiner(lang) if k else ""
        spans.append((len(text), len(text) + len(segment)))
        text += segment
    sentences, owners, pos = split_sentences(text, lang), [], 0
    for sentence in sentences:
        start = text.index(sentence, pos)
        pos = start + len(sentence)
        owners.append(frozenset(k for k, (a, b) in enumerate(spans) if a < pos and b > start))
    return sentences, owners
