"""MQM judgments: per-segment averages, or raw error annotations scored here.

Raw annotations (``system doc doc_id seg_id rater source target category
severity``, tab separated, one row per error or a ``No-error`` row) are scored
with the standard weights of Freitag et al. (2021): Major 5, Minor 1, Minor
``Fluency/Punctuation`` 0.1, ``Non-translation`` 25, Neutral 0. A rater's
segment score is minus the sum of its errors; the segment score is the mean
over the raters who rated it, so higher is better as for the averages file.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import expect_fields, header_index, number, rows, seg_id

MAJOR, MINOR, MINOR_PUNCTUATION, NON_TRANSLATION = 5.0, 1.0, 0.1, 25.0
_NO_PENALTY = {"neutral", "no-error", "no error", "none", ""}


def read_mqm_averages(path: str | Path) -> Judgments:
    """``system mqm_avg_score seg_id`` (header first; ``None`` = not rated)."""
    out = Judgments(str(path), "mqm")
    header = None
    for line, fields in rows(path):
        if header is None:
            header = header_index(fields, {"system": ("system",), "score": ("mqm_avg_score", "score"),
                                           "segment id": ("seg_id",)}, path, line)
            continue
        expect_fields(fields, max(header.values()) + 1, path, line, "system mqm_avg_score seg_id")
        system, sid = fields[header["system"]], seg_id(fields[header["segment id"]], path, line)
        out.add(system, sid, number(fields[header["score"]], path, line, "MQM score", missing_ok=True), line)
    if header is None:
        raise UserError(f"{path}: no header line")
    return out


def error_weight(category: str, severity: str, path: str | Path, line: int) -> float:
    """The penalty of one annotated error."""
    cat, sev = category.strip().lower(), severity.strip().lower()
    if cat.startswith("non-translation"):
        return NON_TRANSLATION
    if sev == "major":
        return MAJOR
    if sev == "minor":
        return MINOR_PUNCTUATION if cat == "fluency/punctuation" else MINOR
    if sev in _NO_PENALTY:
        return 0.0
    raise UserError(f"{path}:{line}: unknown MQM severity {severity!r} (expected Major, Minor, Neutral or No-error)")


def read_mqm_annotations(path: str | Path) -> Judgments:
    """Raw MQM error annotations, tab separated with a header."""
    penalties: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    first_line: dict[tuple[str, int], int] = {}
    header = None
    for line, fields in rows(path, sep="\t"):
        if header is None:
            header = header_index(fields, {"system": ("system",), "segment id": ("seg_id",), "rater": ("rater",),
                                           "category": ("category",), "severity": ("severity",)}, path, line)
            continue
        expect_fields(fields, max(header.values()) + 1, path, line,
                      "system doc doc_id seg_id rater source target category severity, tab separated")
        key = (fields[header["system"]], seg_id(fields[header["segment id"]], path, line))
        first_line.setdefault(key, line)
        penalties[key][fields[header["rater"]]] += error_weight(
            fields[header["category"]], fields[header["severity"]], path, line)
    if header is None:
        raise UserError(f"{path}: no header line")
    out = Judgments(str(path), "mqm-raw")
    for (system, sid), by_rater in penalties.items():
        out.add(system, sid, -sum(by_rater.values()) / len(by_rater), first_line[(system, sid)])
    return out
