"""The document stage of one config test set, between loading and scoring:
references given as documents are aligned to the source first (which may
regroup the rows), then system outputs are repaired, or re-segmented and
aligned when they too are documents."""
from __future__ import annotations

from pathlib import Path

from .corpora import check_aligned, resolve_path, system_files
from .corpora.model import TestSet
from .documents import Embed, add_document_system, repair_systems


def _embedder(spec) -> Embed | None:
    if spec.align_model == "none":
        return None
    from .align.embedding import make_embedder

    return make_embedder(spec.align_model)


def prepare_testset(ts: TestSet, spec, base: Path) -> TestSet:
    """Apply a config test set's (``config.TestSetSpec``) repair and document settings."""
    documents = spec.ref_format == "document" or spec.hyp_format == "document"
    embed = _embedder(spec) if documents else None
    if spec.ref_format == "document":
        from .reference_alignment import align_reference_documents

        refs = {name: resolve_path(base, path) for name, path in spec.reference_map().items()}
        ts, unsure_rows = align_reference_documents(ts, refs, spec.reference_repairs_on, embed)
    if spec.hyp_format == "segments":
        if spec.repairs_on:
            repair_systems(ts)
    else:
        for name, path in system_files(base, spec.systems).items():
            add_document_system(ts, name, path, spec.repairs_on, embed)
    if spec.ref_format == "document":
        for name in ts.systems:
            ts.flags.setdefault(name, {})["low-confidence-reference-alignment"] = unsure_rows
    return check_aligned(ts)
