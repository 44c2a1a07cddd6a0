"""References given as documents: align them to the source, then regroup.

A reference translation that arrives as an article has its own sentence
splits: one source segment may be two reference sentences, two source
segments one, and a sentence may have no counterpart. Each reference is
repaired, split into sentences and aligned to the source segments per
document (eval/align/sentalign.py). The test set's rows then become the
finest groups of consecutive source segments that no reference bead splits,
so every row holds a source and each reference's translation of exactly that
text. Line-aligned system outputs are joined by the same groups; outputs
given as documents are re-segmented to the regrouped reference afterwards.

Rows whose source no reference translates (1-0 beads in every reference) are
dropped, and so are reference sentences with no source (0-1 beads); both are
counted in results.json ``reference_alignment`` (with the first dropped source
lines). Rows whose reference alignment is unsure are flagged for every system
(``flag:low-confidence-reference-alignment``), so a reader can tell a bad
translation from a misaligned reference.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .corpora.model import TestSet
from .documents import (LOW_CONFIDENCE, Embed, align_documents, bead_summary, document_warnings, read_documents,
                        repair_documents)
from .text.segment import sentence_joiner

SHOWN = 10  # dropped lines listed by number in the notes


def source_groups(n: int, bead_sources: list[list[list[int]]]) -> list[list[int]]:
    """Consecutive source rows kept together because some bead of some
    reference spans them; a row with no bead at all stands alone."""
    joined_to_next = [False] * n
    for beads in bead_sources:
        for rows in beads:
            for a, b in zip(rows, rows[1:]):
                if b == a + 1:
                    joined_to_next[a] = True
    groups: list[list[int]] = []
    for row in range(n):
        if row and joined_to_next[row - 1]:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _align_reference(ts: TestSet, path: Path, repair: bool, embed: Embed | None):
    """Beads as (source rows, reference sentences, confidence), their
    records for the report, repair counts and warnings."""
    documents, counts = repair_documents(read_documents(path, ts.doc_ids), repair)
    warnings = document_warnings(ts, documents, str(path))
    aligned = align_documents(ts, documents, embed, "reference")
    beads = [(rows, sentences, record["confidence"]) for rows, sentences, record in aligned]
    return beads, [record for *_, record in aligned], counts, warnings


def align_reference_documents(ts: TestSet, references: dict[str, Path], repair: bool,
                              embed: Embed | None) -> tuple[TestSet, list[bool]]:
    """A new test set whose rows are source groups with one reference segment
    per reference document (``ts`` holds the source and line-aligned systems),
    and for each row whether some reference bead in it is of low confidence."""
    aligned: dict[str, list] = {}
    notes: dict[str, Any] = {}
    repairs: dict[str, Any] = {}
    for name, path in references.items():
        beads, records, counts, warnings = _align_reference(ts, path, repair, embed)
        aligned[name] = beads
        notes[f"ref:{name}"] = {**bead_summary(records, embed), "warnings": warnings}
        repairs[f"ref:{name}"] = {"file": str(path), "counts": dict(counts), "total": sum(counts.values())}
        ts.provenance[f"ref:{name}"] = str(path)
    groups = source_groups(len(ts), [[rows for rows, *_ in beads] for beads in aligned.values()])
    group_of = {row: k for k, group in enumerate(groups) for row in group}
    texts = {name: [[] for _ in groups] for name in aligned}
    confidence = [1.0] * len(groups)
    unaligned: dict[str, int] = {}
    for name, beads in aligned.items():
        unaligned[name] = sum(len(sentences) for rows, sentences, _ in beads if not rows)
        for rows, sentences, sure in beads:
            if rows:
                k = group_of[rows[0]]
                texts[name][k] += sentences
                confidence[k] = min(confidence[k], sure)
    keep = [k for k in range(len(groups)) if any(texts[name][k] for name in texts)]
    kept = set(keep)
    dropped = [row + 1 for k in range(len(groups)) if k not in kept for row in groups[k]]
    glue = sentence_joiner(ts.tgt_lang)
    src_glue = sentence_joiner(ts.src_lang)

    def regroup(values: list[str], sep: str) -> list[str]:
        return [sep.join(values[row] for row in groups[k]) for k in keep]

    def first(values: list[str] | None) -> list[str] | None:
        return None if values is None else [values[groups[k][0]] for k in keep]

    notes["rows"] = {
        "source_segments": len(ts),
        "rows": len(keep),
        "merged_rows": sum(len(groups[k]) > 1 for k in keep),
        "dropped_source_segments": len(dropped),
        "dropped_lines": dropped[:SHOWN],
        "reference_sentences_without_source": unaligned,
    }
    regrouped = TestSet(
        name=ts.name, src_lang=ts.src_lang, tgt_lang=ts.tgt_lang,
        source=regroup(ts.source, src_glue),
        references={name: [glue.join(texts[name][k]) for k in keep] for name in texts},
        systems={name: regroup(lines, glue) for name, lines in ts.systems.items()},
        doc_ids=first(ts.doc_ids), domains=first(ts.domains),
        provenance=ts.provenance, flags={}, notes=dict(ts.notes),
    )
    regrouped.notes["reference_alignment"] = notes
    regrouped.notes.setdefault("repairs", {}).update(repairs)
    return regrouped, [confidence[k] < LOW_CONFIDENCE for k in keep]
