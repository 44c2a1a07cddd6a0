"""mt-metrics-eval's own score files: ``LP.NAME.seg.score`` holds ``SYS SCORE``
lines in blocks per system, in segment order (the n-th line of a system is
segment n); ``LP.NAME.sys.score`` one ``SYS SCORE`` line per system. ``None``
marks a segment that was not rated."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import file_text, number


def is_system_level(path: str | Path) -> bool:
    return str(path).removesuffix(".gz").endswith(".sys.score")


def _lines(path: str | Path):
    for line_number, line in enumerate(file_text(path).split("\n"), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").rsplit(None, 1)
        if len(fields) != 2:
            raise UserError(f"{path}:{line_number}: expected 'SYSTEM SCORE', found {line.strip()[:60]!r}")
        yield line_number, fields[0].strip(), fields[1]


def read_mtme(path: str | Path, fmt: str = "mtme") -> Judgments:
    if is_system_level(path):
        out = Judgments(str(path), fmt, sys={})
        for line, system, score in _lines(path):
            if system in out.sys:
                raise UserError(f"{path}:{line}: second score for system {system!r}")
            out.sys[system] = number(score, path, line, "score")
        return out
    out = Judgments(str(path), fmt)
    counts: dict[str, int] = {}
    for line, system, score in _lines(path):
        counts[system] = counts.get(system, 0) + 1
        out.add(system, counts[system], number(score, path, line, "score", missing_ok=True), line)
    if len(set(counts.values())) > 1:
        lengths = ", ".join(f"{s}: {n}" for s, n in counts.items())
        raise UserError(f"{path}: systems have blocks of different lengths ({lengths}); "
                        "each system needs one line per segment")
    return out
