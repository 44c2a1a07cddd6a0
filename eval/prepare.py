"""The document stage of one config test set, between loading and scoring:
a source given as a document is split into sentences, references given as
documents are aligned to the source (which may regroup the rows), then system
outputs are repaired, or re-segmented and aligned when they too are documents."""
from __future__ import annotations

import sys
from pathlib import Path

from .corpora import check_aligned, load_testset, resolve_path, system_files
from .corpora.bom import note_kept_marks
from .corpora.model import TestSet
from .documents import Embed, add_document_system, repair_systems, source_documents
from .langs import parse_pair


def _embedder(spec, ts: TestSet) -> Embed | None:
    """The sentence encoder for references given as documents; unset means the
    offline default model when installed, else model-free with a note."""
    from .align.embedding import default_align_model, make_embedder

    model = spec.align_model
    if model is None:
        model, why = default_align_model()
        if why:
            sys.stderr.write(f"mteval: note: {why}\n")
            ts.notes.setdefault("notes", []).append(why)
    return None if model == "none" else make_embedder(model)


def prepare_testset(ts: TestSet, spec, base: Path) -> TestSet:
    """Apply a config test set's (``config.TestSetSpec``) repair and document settings."""
    if spec.ref_format == "document":
        embed = _embedder(spec, ts)
        from .reference_alignment import align_reference_documents

        refs = {name: resolve_path(base, path) for name, path in spec.reference_map().items()}
        ts, unsure_rows = align_reference_documents(ts, refs, spec.document_repairs_on, embed)
    if spec.hyp_format == "segments":
        if spec.repairs_on:
            repair_systems(ts)
    else:
        for name, path in system_files(base, spec.systems).items():
            add_document_system(ts, name, path, spec.repairs_on)
    if spec.ref_format == "document":
        for name in ts.systems:
            ts.flags.setdefault(name, {})["low-confidence-reference-alignment"] = unsure_rows
    note_kept_marks(ts)  # a mark that document repair left in place (repair: false)
    return check_aligned(ts)


def load_prepared(spec, base: Path) -> TestSet:
    """Load one config test set and apply its document stage; a source given as
    a document (``src_format: document``) is split into sentences first."""
    if spec.src_format == "document":
        src, tgt = parse_pair(spec.langs, f"testset {spec.name!r}: langs")
        ts = source_documents(spec.name, src, tgt, resolve_path(base, spec.source), spec.document_repairs_on)
    else:
        ts = load_testset(spec, base)
    return prepare_testset(ts, spec, base)
