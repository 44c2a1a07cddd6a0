"""Loaders: every supported input format becomes a validated :class:`TestSet`."""
from __future__ import annotations

from pathlib import Path

from ..langs import parse_pair
from .bom import note_kept_marks
from .hf import hf_location, load_hf
from .model import TestSet
from .tabular import Columns, load_jsonl, load_tsv
from .text import load_text, systems_from_glob
from .validate import check_aligned
from .wmtxml import load_wmt_xml


def resolve_path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def system_files(base: Path, systems) -> dict[str, Path]:
    if systems is None:
        return {}
    if isinstance(systems, str):
        return systems_from_glob(str(resolve_path(base, systems)))
    return {name: resolve_path(base, p) for name, p in systems.items()}


def load_testset(spec, base: Path) -> TestSet:
    """Load one config test set (a ``config.TestSetSpec``); relative paths
    resolve against ``base``, the config file's folder."""
    src, tgt = parse_pair(spec.langs, f"testset {spec.name!r}: langs")
    fmt = spec.format
    # Document-form outputs are read by the document stage (eval/documents.py).
    extra_systems = {} if spec.hyp_format == "document" else system_files(base, spec.systems)
    if fmt == "text":
        # Document-form references are aligned by eval/reference_alignment.py.
        documents = spec.ref_format == "document"
        refs = {} if documents else {k: resolve_path(base, v) for k, v in spec.reference_map().items()}
        doc_ids = resolve_path(base, spec.doc_ids) if spec.doc_ids else None
        ts = load_text(spec.name, src, tgt, resolve_path(base, spec.source), refs, extra_systems, doc_ids)
        note_kept_marks(ts)
        return check_aligned(ts, need_references=not documents)
    if fmt == "wmt-xml":
        ts = load_wmt_xml(spec.name, src, tgt, resolve_path(base, spec.path))
    elif fmt == "sacrebleu":
        from .sacrebleu_sets import load_sacrebleu

        ts = load_sacrebleu(spec.name, spec.path, src, tgt)
    else:
        columns = Columns(**spec.columns.model_dump())
        if fmt == "tsv":
            ts = load_tsv(spec.name, src, tgt, resolve_path(base, spec.path), columns, spec.header)
        elif fmt == "jsonl":
            ts = load_jsonl(spec.name, src, tgt, resolve_path(base, spec.path), columns)
        else:
            ts = load_hf(spec.name, src, tgt, hf_location(base, spec.path), columns, spec.split, spec.subset)
    add_system_files(ts, extra_systems)
    note_kept_marks(ts)
    return check_aligned(ts)


def add_system_files(ts: TestSet, files: dict[str, Path]) -> None:
    """Add line-aligned hypothesis files to a test set loaded from any format."""
    from ..errors import UserError
    from .files import read_lines

    for name, path in files.items():
        if name in ts.systems:
            raise UserError(f"{path}: duplicate system name {name!r} in test set {ts.name!r}")
        ts.systems[name] = read_lines(path)
        ts.provenance[f"sys:{name}"] = str(path)


__all__ = ["resolve_path", "TestSet", "load_testset", "add_system_files", "check_aligned", "system_files"]
