"""TSV and JSONL files (and, through ``hf.py``, Hugging Face datasets): rows
mapped to segments by a column mapping (which column is the source, each
reference, each system)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import UserError
from .bom import add_note
from .files import BOM, read_text
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


def _cell_text(cell: Any, location: str, column: str) -> str:
    """A cell as segment text. Strings and whole numbers (ids) are taken as
    they are and null is empty; a list, object, boolean or decimal number has no
    single right text, so it is refused rather than stringified."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.rstrip()
    if isinstance(cell, int) and not isinstance(cell, bool):
        return str(cell)
    kind = {dict: "an object", list: "a list", bool: "a boolean", float: "a decimal number"}.get(
        type(cell), type(cell).__name__)
    raise UserError(f"{location}: column {column!r} holds {kind}, expected text")


def rows_to_testset(
    name: str, src_lang: str, tgt_lang: str, rows: Iterable[tuple[str, dict[str, Any]]], columns: Columns, where: str
) -> TestSet:
    """``rows`` yields (location, row) pairs; location names a line for errors."""
    wanted = list(dict.fromkeys(columns.all()))  # a column may serve twice (e.g. doc_id and domain)
    values = column_values(rows, wanted)
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


def _tsv_rows(path: Path, text: str, header: bool):
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


def _jsonl_rows(path: Path, text: str):
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield f"{path}:{lineno}", json_object(line, path, lineno)


def column_values(rows: Iterable[tuple[str, dict[str, Any]]], wanted: list[str]) -> dict[str, list[str]]:
    """The ``wanted`` columns' texts of (location, row) pairs; a row without one of
    them is one line naming its location."""
    values: dict[str, list[str]] = {c: [] for c in wanted}
    for location, row in rows:
        for col in wanted:
            if col not in row:
                raise UserError(f"{location}: no column {col!r} (have: {', '.join(map(str, row))})")
            values[col].append(_cell_text(row[col], location, col))
    return values


def json_object(line: str, path: Path, lineno: int) -> dict:
    """One JSONL line as an object, or one line of error naming file and line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise UserError(f"{path}:{lineno}: JSON nested too deeply to read") from None
    if not isinstance(row, dict):
        raise UserError(f"{path}:{lineno}: expected a JSON object per line")
    return row


def load_tsv(name: str, src_lang: str, tgt_lang: str, path: Path, columns: Columns, header: bool = True) -> TestSet:
    """Without a header a leading byte-order mark stays in the first cell (as
    in the file); before a header it is no part of the first column's name."""
    text = read_text(path)
    marked = header and text.startswith(BOM)
    rows = _tsv_rows(path, text.removeprefix(BOM) if marked else text, header)
    ts = rows_to_testset(name, src_lang, tgt_lang, rows, columns, str(path))
    if marked:
        add_note(ts, f"{path} starts with a byte-order mark (U+FEFF) before its header; no cell holds it")
    return ts


def load_jsonl(name: str, src_lang: str, tgt_lang: str, path: Path, columns: Columns) -> TestSet:
    """A leading byte-order mark stands outside every JSON value: skipped, and noted."""
    text = read_text(path)
    ts = rows_to_testset(name, src_lang, tgt_lang, _jsonl_rows(path, text.removeprefix(BOM)), columns, str(path))
    if text.startswith(BOM):
        add_note(ts, f"{path} starts with a byte-order mark (U+FEFF) before its first JSON object; no value holds it")
    return ts
