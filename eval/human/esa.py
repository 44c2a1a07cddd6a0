"""ESA judgments as WMT24 publishes them: a CSV with a header, one row per
(annotator, system, segment) and the segment's ``overall`` score (0-100).
The segment score is the mean over the annotators who rated it."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import file_text, header_index, number, seg_id

COLUMNS = {
    "system": ("system", "systemid", "sys"),
    "segment id": ("seg_id", "segment_id", "segmentid", "itemid", "line_id"),
    "overall": ("overall", "score"),
}


def read_esa(path: str | Path) -> Judgments:
    reader = csv.reader(io.StringIO(file_text(path)))
    scores: dict[tuple[str, int], list[float]] = defaultdict(list)
    first_line: dict[tuple[str, int], int] = {}
    header = None
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = header_index(fields, COLUMNS, path, line)
            continue
        if len(fields) <= max(header.values()):
            raise UserError(f"{path}:{line}: expected at least {max(header.values()) + 1} fields, found {len(fields)}")
        key = (fields[header["system"]], seg_id(fields[header["segment id"]], path, line))
        first_line.setdefault(key, line)
        value = number(fields[header["overall"]], path, line, "overall score", missing_ok=True)
        if value == value:
            scores[key].append(value)
    if header is None:
        raise UserError(f"{path}: no header line")
    out = Judgments(str(path), "esa")
    for (system, sid), values in scores.items():
        out.add(system, sid, sum(values) / len(values), first_line[(system, sid)])
    return out
