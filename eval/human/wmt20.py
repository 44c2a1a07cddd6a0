"""WMT20 metrics-task official score files (``METRIC.sys.score.gz``): tab
separated ``METRIC LP TESTSET REFSET SYSTEM SCORE``, every language pair and
reference in one file. REFSET ``newstest2020`` is the main reference."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import expect_fields, number, rows

LAYOUT = "METRIC LP TESTSET REFSET SYSTEM SCORE"


def read_wmt20_metric(path: str | Path, lp: str, refset: str = "newstest2020") -> Judgments:
    """One metric's system scores for pair ``lp`` against reference ``refset``."""
    out = Judgments(str(path), "wmt20", sys={})
    for line, fields in rows(path, sep="\t"):
        expect_fields(fields, 6, path, line, LAYOUT)
        if fields[1] != lp or fields[3] != refset:
            continue
        if fields[4] in out.sys:
            raise UserError(f"{path}:{line}: second score for system {fields[4]!r} ({lp}, {refset})")
        out.sys[fields[4]] = number(fields[5], path, line, "score")
    return out
