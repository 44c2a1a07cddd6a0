"""Shared parsing for the human-score loaders: whitespace or tab separated
rows with a line number, numbers that name the line when they are not numbers."""
from __future__ import annotations

import gzip
import math
from pathlib import Path
from typing import Iterator

from ..corpora.files import decode_utf8, read_bytes
from ..errors import UserError

MISSING = {"none", "nan", "na", "null", ""}


def file_text(path: str | Path) -> str:
    """A UTF-8 file (gzip-compressed when it ends in ``.gz``); empty is an error."""
    data = read_bytes(path)
    if str(path).endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UserError(f"{path}: not a gzip file ({exc})") from None
    text = decode_utf8(data, path)
    if not text.strip():
        raise UserError(f"{path}: file is empty")
    return text


def rows(path: str | Path, sep: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank line; ``sep=None`` splits on
    any run of spaces and tabs (WMT's files mix them)."""
    for number, line in enumerate(file_text(path).split("\n"), 1):
        if line.strip():
            yield number, (line.split() if sep is None else line.rstrip("\r").split(sep))


def number(text: str, path: str | Path, line: int, what: str, missing_ok: bool = False) -> float:
    """``text`` as a float; ``None``/``NaN`` mean not rated where allowed."""
    if text.strip().lower() in MISSING:
        if missing_ok:
            return math.nan
        raise UserError(f"{path}:{line}: {what} is missing ({text.strip() or 'empty'!r})")
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{path}:{line}: {what} {text!r} is not a number") from None
    if math.isinf(value) or (math.isnan(value) and not missing_ok):
        raise UserError(f"{path}:{line}: {what} {text!r} is not a finite number")
    return value


def seg_id(text: str, path: str | Path, line: int) -> int:
    """A 1-based segment id."""
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"{path}:{line}: segment id {text!r} is not a whole number") from None
    if value < 1:
        raise UserError(f"{path}:{line}: segment id {value} (ids start at 1)")
    return value


def header_index(fields: list[str], names: dict[str, tuple[str, ...]], path: str | Path, line: int) -> dict[str, int]:
    """Column positions by role: ``names`` maps a role to the header names
    accepted for it (case-insensitive); a missing column is an error."""
    lowered = [f.strip().lower() for f in fields]
    found = {}
    for role, options in names.items():
        for option in options:
            if option in lowered:
                found[role] = lowered.index(option)
                break
        else:
            raise UserError(f"{path}:{line}: header has no {role} column (expected one of {', '.join(options)})")
    return found


def expect_fields(fields: list[str], n: int, path: str | Path, line: int, layout: str) -> None:
    if len(fields) < n:
        raise UserError(f"{path}:{line}: expected {n} fields ({layout}), found {len(fields)}")
