"""What every loader returns: scores per system and 1-based segment id, plus the
file line each score came from, so later checks (segment ids beyond the test
set) can name the line at fault."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import UserError


@dataclass
class Judgments:
    """Scores from one file, oriented so that higher is better.

    ``seg[system][seg_id]`` holds rated segments only (a missing or ``None``
    score is simply absent); ``sys[system]`` is set when the file gives
    system-level scores, which then replace the mean of the segment scores.
    """

    path: str
    format: str
    seg: dict[str, dict[int, float]] = field(default_factory=dict)
    sys: dict[str, float] | None = None
    lines: dict[tuple[str, int], int] = field(default_factory=dict)
    raw: dict[str, dict[int, float]] | None = None  # DA: unstandardised scores (WMT20's DARR thresholds them)

    def add(self, system: str, seg_id: int, score: float, line: int) -> None:
        """A segment's score read on ``line`` (NaN: not rated); a second score
        for the same system and segment is an error naming both lines."""
        if (system, seg_id) in self.lines:
            raise UserError(f"{self.path}:{line}: second score for system {system!r} segment {seg_id} "
                            f"(first on line {self.lines[(system, seg_id)]})")
        if not math.isnan(score):
            self.seg.setdefault(system, {})[seg_id] = score
            self.lines[(system, seg_id)] = line

    @property
    def systems(self) -> list[str]:
        return list(self.sys) if self.sys is not None else list(self.seg)

    def renamed(self, mapping: dict[str, str]) -> "Judgments":
        """The same scores under the run's system names (``mapping`` file -> run)."""
        return Judgments(
            self.path,
            self.format,
            {mapping[s]: v for s, v in self.seg.items() if s in mapping},
            None if self.sys is None else {mapping[s]: v for s, v in self.sys.items() if s in mapping},
            {(mapping[s], i): n for (s, i), n in self.lines.items() if s in mapping},
            None if self.raw is None else {mapping[s]: v for s, v in self.raw.items() if s in mapping},
        )
