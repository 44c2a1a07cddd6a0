"""The run record: scored test sets -> results.json entries and tidy tables."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import __version__
from .scoring import ScoredTestSet

if TYPE_CHECKING:  # pandas loads only when tables are asked for
    import pandas as pd


def content_hash(scored: ScoredTestSet) -> str:
    """Hash of the source and references: runs are comparable only when equal.
    A streamed test set (eval/streaming) hashes the same texts as it writes them."""
    if getattr(scored, "content_digest", None):
        return scored.content_digest
    ts = scored.testset
    h = hashlib.blake2b(digest_size=16)
    for stream in [ts.source, *ts.reference_streams()]:
        h.update("\n".join(stream).encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass
class Run:
    """Everything one run produced; ``entries[testset][system][metric]`` holds the
    results.json metric entry (score, signature, and significance when computed)."""

    name: str
    config: dict[str, Any]
    planned: list[str] | None = None  # test sets the run means to score (None: those it has)
    scored: list[ScoredTestSet] = field(default_factory=list)
    entries: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # agreement with human judgments (eval/human)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)  # tells this run's files from another's

    @property
    def planned_testsets(self) -> list[str]:
        return list(self.planned) if self.planned is not None else [s.testset.name for s in self.scored]

    @property
    def complete(self) -> bool:
        """Every planned test set is scored (False in a run that stopped early)."""
        return set(self.planned_testsets) <= set(self.entries)

    def add(self, scored: ScoredTestSet) -> None:
        self.scored.append(scored)
        self.entries[scored.testset.name] = {
            system: {
                label: {"score": scored.corpus_score(label, system), "signature": scored.signatures[label]}
                for label in scored.metrics
            }
            for system in scored.testset.systems
        }

    def to_json(self) -> dict[str, Any]:
        testsets = {}
        for scored in self.scored:
            ts = scored.testset
            long_inputs = scored.long_input_counts()
            testsets[ts.name] = {
                "langs": ts.langs,
                "n_segments": len(ts),
                "references": list(ts.references),
                "has_docs": ts.doc_ids is not None,
                "content_hash": content_hash(scored),
                "metrics": {label: {"higher_is_better": m.higher_is_better} for label, m in scored.metrics.items()},
                "provenance": ts.provenance,
                "segments_computed": scored.computed_segments,
                "segments_cached": scored.cached_segments,
                "systems": self.entries[ts.name],
                **ts.notes,
                **({"long_inputs": long_inputs} if long_inputs else {}),
            }
        out = {
            "name": self.name,
            "created": self.created,
            "run_uid": self.uid,
            "complete": self.complete,
            "planned_testsets": self.planned_testsets,
            "mteval_version": __version__,
            "config": self.config,
            "testsets": testsets,
        }
        if self.meta:
            out["meta"] = self.meta
        return out

    def system_table(self) -> pd.DataFrame:
        """One row per (testset, system, metric), with significance columns when present."""
        import pandas as pd

        rows = []
        for testset, systems in self.entries.items():
            for system, metrics in systems.items():
                for metric, entry in metrics.items():
                    rows.append({"testset": testset, "system": system, "metric": metric, **entry})
        return pd.DataFrame(rows)

    def segment_table(self) -> pd.DataFrame:
        import pandas as pd

        frames = [s.segment_table() for s in self.scored]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def text_table(self) -> pd.DataFrame:
        import pandas as pd

        frames = []
        for scored in self.scored:
            ts = scored.testset
            fields = {"source": ts.source}
            fields.update({f"ref:{k}": v for k, v in ts.references.items()})
            fields.update({f"sys:{k}": v for k, v in ts.systems.items()})
            for name, texts in fields.items():
                frames.append(
                    pd.DataFrame(
                        {
                            "testset": ts.name,
                            "seg_id": range(1, len(ts) + 1),
                            "doc_id": ts.doc_ids if ts.doc_ids is not None else [None] * len(ts),
                            "field": name,
                            "text": texts,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
