"""The repair -> segment -> align stage, between loading and scoring.

System outputs that arrive as documents (a scraped article, one file per
document, sentence splits of their own) are repaired, split into sentences and
re-segmented to the reference's segments by minimum edit distance, so they can
be scored segment by segment. Their sentences are also aligned to the source
cross-lingually; that alignment's confidence tells a reader whether a low
segment score is a bad translation or a bad alignment.

That source alignment is model-free even when ``align_model`` names an
encoder: the scores come from the re-segmentation to the reference, whose
own source alignment (line-aligned, or aligned with the model when the
reference is a document) the system output inherits row by row. Embedding
every system output only for its flags cost ~30x the model-free run on
WMT22 and moved no score (docs/ALIGNMENT.md).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .align import checks
from .align.resegment import resegment, resegment_documents
from .align.sentalign import align
from .corpora.files import folder_files, is_folder, read_text
from .corpora.model import TestSet
from .errors import UserError
from .text.repair import repair_lines, repair_text
from .text.segment import split_sentences

LOW_CONFIDENCE = 0.5  # a bead more likely wrong than right is flagged (confidences are calibrated)
LOWEST_SHOWN = 5

Embed = Callable[[list[str]], np.ndarray]


def _document_files(path: Path) -> dict[str, Path]:
    """The files of a document folder by document id (``DOCID.txt`` or ``DOCID``)."""
    return {f.stem if f.suffix == ".txt" else f.name: f for f in folder_files(path)}


def read_documents(path: Path, doc_ids: list[str] | None) -> dict[str | None, str]:
    """One file for the whole test set (key None), or a folder of files named by
    document id (``DOCID.txt`` or ``DOCID``), which must match the test set's ids."""
    if not is_folder(path):
        return {None: read_text(path)}
    if doc_ids is None:
        raise UserError(f"{path}: a folder of documents needs doc ids for the test set (doc_ids or WMT XML)")
    files = _document_files(path)
    wanted = list(dict.fromkeys(doc_ids))
    missing = [d for d in wanted if d not in files]
    if missing:
        raise UserError(f"{path}: no file for document {missing[0]!r} ({len(missing)} of {len(wanted)} missing)")
    extra = sorted(set(files) - set(wanted))
    if extra:
        raise UserError(f"{path}: file {files[extra[0]].name!r} matches no document id of the test set")
    return {d: read_text(files[d]) for d in wanted}


def source_documents(name: str, src_lang: str, tgt_lang: str, path: Path, repair: bool) -> TestSet:
    """A test set whose source is an article split into sentences: one file, or
    a folder of documents (ids from the file names, in name order). References
    and systems are added by the document stage."""
    if is_folder(path):
        files = _document_files(path)
        if not files:
            raise UserError(f"{path}: the source folder holds no documents")
        texts: dict = {doc: read_text(f) for doc, f in files.items()}
    else:
        texts = {None: read_text(path)}
    texts, counts = repair_documents(texts, repair)
    source: list[str] = []
    doc_ids: list[str] = []
    for doc, text in texts.items():
        sentences = split_sentences(text, src_lang)
        source += sentences
        doc_ids += [doc] * len(sentences)
    ts = TestSet(name=name, src_lang=src_lang, tgt_lang=tgt_lang, source=source, references={}, systems={},
                 doc_ids=doc_ids if is_folder(path) else None, provenance={"source": str(path)})
    ts.notes["repairs"] = {"source": {"file": str(path), "counts": dict(counts), "total": sum(counts.values())}}
    return ts


def repair_documents(texts: dict, on: bool) -> tuple[dict, Counter]:
    counts: Counter = Counter()
    if not on:
        return texts, counts
    repaired = {}
    for key, text in texts.items():
        repaired[key], found = repair_text(text)
        counts.update(found)
    return repaired, counts


def doc_rows(ts: TestSet, key: str | None) -> list[int]:
    """The test set rows of document ``key`` (all rows for a single-file document)."""
    if key is None:
        return list(range(len(ts)))
    return [i for i, d in enumerate(ts.doc_ids or []) if d == key]


def _method(embed: Embed | None) -> str:
    """How the beads were found; names the encoders (``embed`` comes from
    ``align.embedding.make_embedder``, whose embedders carry a ``label``), so a
    run says which model aligned it."""
    if embed is None:
        return "model-free (length + anchors)"
    return f"sentence embeddings ({embed.label}) + length + anchors"


def bead_summary(beads: list[dict[str, Any]], embed: Embed | None) -> dict[str, Any]:
    """What the reports show of an alignment: bead types, mean confidence and
    the least confident beads. ``beads`` hold ``type``, ``confidence``,
    ``seg_ids``, ``source`` and the aligned text (``hypothesis`` or ``reference``)."""
    types = Counter(b["type"] for b in beads)
    confidences = [b["confidence"] for b in beads]
    lowest = sorted(beads, key=lambda b: b["confidence"])[:LOWEST_SHOWN]
    return {
        "method": _method(embed),
        "beads": len(beads),
        "bead_types": dict(sorted(types.items())),
        "mean_confidence": float(np.mean(confidences)) if confidences else None,
        "low_confidence_beads": int(sum(c < LOW_CONFIDENCE for c in confidences)),
        "lowest": [{k: v for k, v in b.items() if k != "type"} for b in lowest],
    }


def document_warnings(ts: TestSet, documents: dict[str | None, str], name: str) -> list[str]:
    """Lopsided documents and text in another language than the target's; the
    run goes on, and the warnings go to stderr and to the alignment notes."""
    found = []
    for key, text in documents.items():
        label = name if key is None else f"{name} (document {key!r})"
        source_chars = sum(len(ts.source[r]) for r in doc_rows(ts, key))
        found.append(checks.lopsided(source_chars, len(text), "the source", label))
    found.append(checks.other_language(" ".join(documents.values()), ts.tgt_lang, name))
    for warning in filter(None, found):
        sys.stderr.write(f"mteval: warning: {warning}\n")
    return [w for w in found if w]


def align_documents(ts: TestSet, documents: dict[str | None, str], embed: Embed | None,
                    target: str) -> list[tuple[list[int], list[str], dict[str, Any]]]:
    """Each document split into sentences and aligned to its source rows; per
    bead: the source rows, the document's sentences, and the record the
    reports show (the document's text under ``target``)."""
    beads = []
    split = {key: split_sentences(text, ts.tgt_lang) for key, text in documents.items()}
    if embed is not None:  # every sentence in one call (long batches); each document then reads the cache
        embed(list(dict.fromkeys([*ts.source, *(s for sentences in split.values() for s in sentences)])))
    for key, sentences in split.items():
        rows = doc_rows(ts, key)
        for bead in align([ts.source[r] for r in rows], sentences, embed):
            src_rows = [rows[s] for s in bead.src]
            tgt_sentences = [sentences[t] for t in bead.tgt]
            beads.append((src_rows, tgt_sentences, {
                "type": f"{len(bead.src)}-{len(bead.tgt)}",
                "confidence": bead.confidence,
                "seg_ids": [r + 1 for r in src_rows],
                "source": " ".join(ts.source[r] for r in src_rows),
                target: " ".join(tgt_sentences),
            }))
    return beads


def alignment_quality(ts: TestSet, documents: dict[str | None, str], embed: Embed | None) -> tuple[dict[str, Any], list[bool]]:
    """Align source segments to the output's own sentences, per document; the
    summary for the reports and a per-segment low-confidence flag."""
    beads = align_documents(ts, documents, embed, "hypothesis")
    segment_confidence = np.ones(len(ts))
    for rows, _, record in beads:
        segment_confidence[rows] = record["confidence"]
    summary = bead_summary([record for *_, record in beads], embed)
    return summary, [bool(c < LOW_CONFIDENCE) for c in segment_confidence]


def add_document_system(ts: TestSet, name: str, path: Path, repair: bool) -> None:
    """Read, repair, re-segment and align (model-free) one system given as documents."""
    if name in ts.systems:
        raise UserError(f"{path}: duplicate system name {name!r} in test set {ts.name!r}")
    documents, counts = repair_documents(read_documents(path, ts.doc_ids), repair)
    reference = next(iter(ts.references.values()))
    if None in documents:
        hyps = resegment(documents[None], reference, ts.tgt_lang)
    else:
        hyps = resegment_documents(documents, reference, ts.doc_ids, ts.tgt_lang, str(path))
    ts.systems[name] = hyps
    ts.provenance[f"sys:{name}"] = str(path)
    ts.notes.setdefault("repairs", {})[name] = {"file": str(path), "counts": dict(counts), "total": sum(counts.values())}
    summary, low = alignment_quality(ts, documents, None)
    summary["warnings"] = document_warnings(ts, documents, str(path))
    ts.notes.setdefault("alignment", {})[name] = summary
    ts.flags.setdefault(name, {})["low-confidence-alignment"] = low


def repair_systems(ts: TestSet) -> None:
    """Repair line-aligned system outputs in place, counting per file."""
    for name, lines in ts.systems.items():
        fixed, report = repair_lines(lines)
        ts.systems[name] = fixed
        ts.notes.setdefault("repairs", {})[name] = {
            "file": ts.provenance.get(f"sys:{name}", name),
            "counts": dict(report.counts),
            "total": report.total,
            "lines_changed": report.lines_changed,
        }
        ts.flags.setdefault(name, {})["repaired"] = [a != b for a, b in zip(lines, fixed)]
