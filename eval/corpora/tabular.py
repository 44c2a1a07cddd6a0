"""TSV and JSONL files, and Hugging Face datasets: rows mapped to segments by
a column mapping (which column is the source, each reference, each system)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import UserError
from .files import read_text
from .model import TestSet


@dataclass
class Columns:
    """Which column holds what. Column keys are names (or 0-based indexes for
    TSV without a header)."""

    source: str
    references: dict[str, str]
    systems: dict[str, str] = field(default_factory=dict)
    doc_id: str | None = None
    domain: str | None = None

    def all(self) -> list[str]:
        cols = [self.source, *self.references.values(), *self.systems.values()]
        return cols + [c for c in (self.doc_id, self.domain) if c is not None]


def _rows_to_testset(
    name: str, src_lang: str, tgt_lang: str, rows: Iterable[tuple[str, dict[str, Any]]], columns: Columns, where: str
) -> TestSet:
    """``rows`` yields (location, row) pairs; location names a line for errors."""
    wanted = columns.all()
    values: dict[str, list[str]] = {c: [] for c in wanted}
    for location, row in rows:
        for col in wanted:
            if col not in row:
                raise UserError(f"{location}: no column {col!r} (have: {', '.join(map(str, row))})")
            cell = row[col]
            values[col].append("" if cell is None else str(cell).rstrip())
    provenance = {"source": where}
    provenance.update({f"ref:{k}": where for k in columns.references})
    provenance.update({f"sys:{k}": where for k in columns.systems})
    return TestSet(
        name=name,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        source=values[columns.source],
        references={k: values[c] for k, c in columns.references.items()},
        systems={k: values[c] for k, c in columns.systems.items()},
        doc_ids=values[columns.doc_id] if columns.doc_id else None,
        domains=values[columns.domain] if columns.domain else None,
        provenance=provenance,
    )


def _tsv_rows(path: Path, header: bool):
    text = read_text(path)
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    names: list[str] | None = None
    for lineno, cells in enumerate(reader, 1):
        if not cells:
            continue
        if header and names is None:
            names = cells
            continue
        keys = names if names is not None else [str(i) for i in range(len(cells))]
        if len(cells) != len(keys):
            raise UserError(f"{path}:{lineno}: {len(cells)} tab-separated fields, expected {len(keys)}")
        yield f"{path}:{lineno}", dict(zip(keys, cells))


def _jsonl_rows(path: Path):
    for lineno, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UserError(f"{path}:{lineno}: expected a JSON object per line")
        yield f"{path}:{lineno}", row


def load_tsv(name: str, src_lang: str, tgt_lang: str, path: Path, columns: Columns, header: bool = True) -> TestSet:
    return _rows_to_testset(name, src_lang, tgt_lang, _tsv_rows(path, header), columns, str(path))


def load_jsonl(name: str, src_lang: str, tgt_lang: str, path: Path, columns: Columns) -> TestSet:
    return _rows_to_testset(name, src_lang, tgt_lang, _jsonl_rows(path), columns, str(path))


def load_hf(
    name: str, src_lang: str, tgt_lang: str, path: str, columns: Columns, split: str = "test", subset: str | None = None
) -> TestSet:
    """A Hugging Face dataset: a ``save_to_disk`` folder, local data files or
    folder, or a hub id (needs the network; offline fails fast and says so)."""
    import datasets

    local = Path(path)
    try:
        if local.is_dir() and any((local / f).exists() for f in ("state.json", "dataset_dict.json")):
            ds = datasets.load_from_disk(str(local))
            if isinstance(ds, datasets.DatasetDict):
                if split not in ds:
                    raise UserError(f"{path}: no split {split!r} (have: {', '.join(ds)})")
                ds = ds[split]
        elif local.exists():
            builder = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}
            if local.is_file():
                kind = builder.get(local.suffix)
                if kind is None:
                    raise UserError(f"{path}: unsupported data file type {local.suffix!r}")
                extra = {"delimiter": "\t"} if local.suffix == ".tsv" else {}
                ds = datasets.load_dataset(kind, data_files=str(local), split="train", **extra)
            else:
                ds = datasets.load_dataset(str(local), subset, split=split)
        else:
            from ..net import require_reachable

            require_reachable(
                "https://huggingface.co", f"dataset {path!r}", "give a local folder or data file as 'path'"
            )
            ds = datasets.load_dataset(path, subset, split=split)
    except UserError:
        raise
    except Exception as exc:  # datasets raises many types; the user needs one line
        raise UserError(f"{path}: cannot load dataset ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    rows = ((f"{path}[{i}]", row) for i, row in enumerate(ds))
    return _rows_to_testset(name, src_lang, tgt_lang, rows, columns, str(path))
