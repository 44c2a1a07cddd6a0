"""One entry point per kind of file: human judgments by format name, and
metric scores from outside the run (generic or MTME layout, by file name)."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .da import read_da_segments, read_da_systems
from .esa import read_esa
from .generic import read_jsonl, read_tsv
from .judgments import Judgments
from .mqm import read_mqm_annotations, read_mqm_averages
from .mtme import read_mtme

HUMAN_FORMATS = ("da", "da-sys", "mqm", "mqm-raw", "esa", "mtme", "tsv", "jsonl")
DA_SCORES = ("z", "raw")


def _generic(path: str | Path, fmt: str) -> Judgments:
    return read_jsonl(path, fmt) if str(path).removesuffix(".gz").endswith(".jsonl") else read_tsv(path, fmt)


def load_human(path: str | Path, fmt: str, da_score: str = "z", langs: str | None = None) -> Judgments:
    """Human judgments from ``path`` in format ``fmt`` (see HUMAN_FORMATS); ``langs``
    (the test set's pair) picks its rows from files that hold several pairs (ESA)."""
    if fmt not in HUMAN_FORMATS:
        raise UserError(f"{path}: unknown human-score format {fmt!r} (expected one of {', '.join(HUMAN_FORMATS)})")
    if fmt in ("da", "da-sys") and da_score not in DA_SCORES:
        raise UserError(f"DA score {da_score!r}: expected one of {', '.join(DA_SCORES)}")
    if fmt == "da":
        return read_da_segments(path, da_score)
    if fmt == "da-sys":
        return read_da_systems(path, da_score)
    if fmt == "mqm":
        return read_mqm_averages(path)
    if fmt == "mqm-raw":
        return read_mqm_annotations(path)
    if fmt == "esa":
        return read_esa(path, langs)
    if fmt == "mtme":
        return read_mtme(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    return _generic(path, fmt)


def load_metric_scores(path: str | Path) -> Judgments:
    """Scores of a metric computed elsewhere, oriented higher = better: MTME's
    ``*.seg.score``/``*.sys.score``, JSONL (``*.jsonl``) or the generic TSV."""
    name = str(path).removesuffix(".gz")
    if name.endswith((".seg.score", ".sys.score")):
        return read_mtme(path, "mtme")
    return _generic(path, "jsonl" if name.endswith(".jsonl") else "tsv")
