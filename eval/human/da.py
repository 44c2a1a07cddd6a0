"""WMT direct assessment (DA) files as the organisers publish them.

Segment level ``ad-seg-scores-*.csv``: a header ``SYS SID RAW.SCR Z.SCR N``, then
one row per (system, 1-based segment). System level ``ad-sys-scores-*.csv``:
a header naming at least ``SYS`` and ``Z.SCR``/``RAW.SCR`` (WMT20), or the
headerless ``ad-sys-ranking-*`` rows ``RAW Z N N.ALL SYS NAME`` (WMT22). System
names keep their ``.N`` id suffix here; matching strips it (names.py).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import expect_fields, header_index, number, rows, seg_id

SCORE_COLUMNS = {"z": "z.scr", "raw": "raw.scr"}


def _column(score: str) -> str:
    if score not in SCORE_COLUMNS:
        raise UserError(f"DA score {score!r}: expected one of {', '.join(SCORE_COLUMNS)}")
    return SCORE_COLUMNS[score]


def read_da_segments(path: str | Path, score: str = "z") -> Judgments:
    """Segment-level DA; ``score`` picks the z-normalised (default) or raw column."""
    column = _column(score)
    out = Judgments(str(path), "da", raw={})
    header = None
    for line, fields in rows(path):
        if header is None:
            header = header_index(fields, {"system": ("sys",), "segment id": ("sid",), "score": (column,),
                                           "raw": ("raw.scr",)}, path, line)
            continue
        expect_fields(fields, max(header.values()) + 1, path, line, "SYS SID RAW.SCR Z.SCR N")
        system, sid = fields[header["system"]], seg_id(fields[header["segment id"]], path, line)
        value = number(fields[header["score"]], path, line, column.upper(), missing_ok=True)
        raw = number(fields[header["raw"]], path, line, "RAW.SCR", missing_ok=True)
        out.add(system, sid, value, line)
        if value == value and raw == raw:
            out.raw.setdefault(system, {})[sid] = raw
    if header is None:
        raise UserError(f"{path}: no header line")
    return out


def read_da_systems(path: str | Path, score: str = "z") -> Judgments:
    """System-level DA (``ad-sys-scores-*`` with a header, or ``ad-sys-ranking-*``)."""
    column = _column(score)
    out = Judgments(str(path), "da-sys", sys={})
    header = None
    for line, fields in rows(path):
        if header is None and any(f.lower() == "sys" for f in fields):
            header = header_index(fields, {"system": ("sys",), "score": (column,)}, path, line)
            continue
        if header is None:  # ad-sys-ranking: RAW Z N N.ALL SYS NAME, no header
            header = {"system": 4, "score": 0 if score == "raw" else 1}
        expect_fields(fields, max(header.values()) + 1, path, line, "RAW.SCR Z.SCR N SYS ... or RAW Z N N.ALL SYS NAME")
        system = fields[header["system"]]
        if system in out.sys:
            raise UserError(f"{path}:{line}: second score for system {system!r}")
        out.sys[system] = number(fields[header["score"]], path, line, column.upper())
    if not out.sys:
        raise UserError(f"{path}: no system scores")
    return out
