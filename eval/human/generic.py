"""The generic layout for any other scores: ``system, seg_id, score`` rows as
TSV (an optional header naming those columns) or JSONL (one object per line
with those keys). ``seg_id`` is 1-based; a missing score means not rated."""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import file_text, number, rows, seg_id

FIELDS = ("system", "seg_id", "score")


def read_tsv(path: str | Path, fmt: str = "tsv") -> Judgments:
    out = Judgments(str(path), fmt)
    first = True
    for line, fields in rows(path, sep="\t"):
        if first and [f.strip().lower() for f in fields[:3]] == list(FIELDS):
            first = False
            continue
        first = False
        if len(fields) != 3:
            raise UserError(f"{path}:{line}: expected 3 tab-separated fields (system, seg_id, score), found {len(fields)}")
        out.add(fields[0].strip(), seg_id(fields[1], path, line), number(fields[2], path, line, "score", True), line)
    return out


def read_jsonl(path: str | Path, fmt: str = "jsonl") -> Judgments:
    out = Judgments(str(path), fmt)
    for line, text in enumerate(file_text(path).split("\n"), 1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{line}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or any(k not in row for k in FIELDS):
            raise UserError(f"{path}:{line}: expected an object with keys system, seg_id, score")
        score = row["score"]
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            raise UserError(f"{path}:{line}: score {score!r} is not a number")
        value = math.nan if score is None else float(score)
        if math.isinf(value):
            raise UserError(f"{path}:{line}: score {score!r} is not a finite number")
        out.add(str(row["system"]), seg_id(str(row["seg_id"]), path, line), value, line)
    return out
