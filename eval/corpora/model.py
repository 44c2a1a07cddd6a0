"""The data every loader produces and every later stage consumes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TestSet:
    """One language pair: aligned source, references and system outputs.

    All lists have one entry per segment, in the same order. ``references`` and
    ``systems`` map a name to its segments. ``doc_ids`` is ``None`` when the
    format has no documents. ``provenance`` maps ``"source"``, ``"ref:NAME"``
    and ``"sys:NAME"`` to where the text came from, so errors and reports can
    name the file.
    """

    __test__ = False  # not a pytest test class despite the name

    name: str
    src_lang: str
    tgt_lang: str
    source: list[str]
    references: dict[str, list[str]]
    systems: dict[str, list[str]]
    doc_ids: list[str] | None = None
    domains: list[str] | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    # Per-system, per-segment flags (e.g. "low-confidence-alignment") and
    # per-test-set notes (repairs made, alignment quality) for the reports.
    flags: dict[str, dict[str, list[bool]]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def langs(self) -> str:
        return f"{self.src_lang}-{self.tgt_lang}"

    def __len__(self) -> int:
        return len(self.source)

    @property
    def seg_ids(self) -> list[int]:
        """1-based segment numbers, as WMT human judgments count them."""
        return list(range(1, len(self.source) + 1))

    def reference_streams(self, names: list[str] | None = None) -> list[list[str]]:
        """References as sacreBLEU takes them: one list of segments per reference."""
        names = list(self.references) if names is None else names
        return [self.references[n] for n in names]
