"""The chunked scoring loop: per chunk, a bulk cache lookup, the misses
computed, the cache written; per (metric, system) the column sums kept in
memory and the rows spilled to disk; segment scores and texts handed to the
Parquet part files. Memory holds one chunk of texts and statistics at a time."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..corpora.bom import KEPT, add_note
from ..corpora.files import BOM
from ..errors import UserError
from ..metrics.base import Metric
from ..report.output_summary import SystemSummary
from ..store import StatsCache, segment_keys
from .readers import Chunk
from .spill import SpilledMatrix
from .tables import TEXT_SCHEMA, PartFiles, segment_columns, segment_schema, text_columns


@dataclass
class StreamedTestSet:
    """What a run records about a test set it never held: names, languages,
    where each stream came from, the row count (known once the stream ends)."""

    name: str
    src_lang: str
    tgt_lang: str
    references: dict[str, str]  # name -> file
    systems: dict[str, str]
    provenance: dict[str, str]
    notes: dict[str, Any] = field(default_factory=dict)
    n: int = 0
    doc_ids = None  # line-aligned and table inputs carry no documents here

    @property
    def langs(self) -> str:
        return f"{self.src_lang}-{self.tgt_lang}"

    def __len__(self) -> int:
        return self.n


class _SpilledStats(Mapping):
    """``stats[label, system]``: the float64 matrix, read from disk when asked
    (significance tests take one metric's matrices at a time)."""

    def __init__(self, spills: dict[tuple[str, str], SpilledMatrix]) -> None:
        self._spills = spills

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        return self._spills[key].matrix()

    def __iter__(self):
        return iter(self._spills)

    def __len__(self) -> int:
        return len(self._spills)


@dataclass
class StreamedScores:
    """A streamed test set's statistics, as ``scoring.ScoredTestSet`` offers
    them to the run record, significance tests and reports: corpus scores from
    the column sums, matrices from the spill files."""

    testset: StreamedTestSet
    metrics: dict[str, Metric]
    signatures: dict[str, str]
    sums: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    spills: dict[tuple[str, str], SpilledMatrix] = field(default_factory=dict)
    summaries: dict[str, SystemSummary] = field(default_factory=dict)
    computed_segments: int = 0
    cached_segments: int = 0
    content_digest: str | None = None  # set when texts.parquet is written

    @property
    def stats(self) -> Mapping[tuple[str, str], np.ndarray]:
        return _SpilledStats(self.spills)

    def corpus_score(self, label: str, system: str) -> float:
        return float(self.metrics[label].score_from_sums(self.sums[label, system]))

    def long_input_counts(self) -> dict[str, Any]:
        """As ``ScoredTestSet.long_input_counts``, from the column sums."""
        out: dict[str, Any] = {}
        for label, metric in self.metrics.items():
            counted = getattr(metric, "counted_stats", ())
            if counted:
                columns = [metric.stat_names.index(name) for name in counted]
                out[label] = {"mode": metric.mode, "systems": {
                    system: {name: int(round(self.sums[label, system][c])) for name, c in zip(counted, columns)}
                    for system in self.testset.systems}}
        return out


def check_streamable(metrics: dict[str, Metric]) -> None:
    """Metrics whose segment statistics depend on the whole test set, or that
    carry payloads, cannot be scored a chunk at a time."""
    for label, metric in metrics.items():
        if not metric.cacheable:
            raise UserError(f"metric {label!r} needs the whole test set at once (its statistics are not per "
                            f"segment); score it without --stream")
        if metric.payload is not None:
            raise UserError(f"metric {label!r} writes {metric.payload} per segment, which streaming does not "
                            f"carry yet; score it without --stream")


class StreamScorer:
    """Scores chunks into a :class:`StreamedScores`; ``keep_rows`` spills the
    statistics (for significance tests and stats.npz), ``tables`` writes the
    segment and text part files (for a run directory)."""

    def __init__(self, testset: StreamedTestSet, metrics: dict[str, Metric], cache: StatsCache | None,
                 work: Path | None, keep_rows: bool, tables: bool) -> None:
        self.cache = cache or StatsCache(None)
        labels = list(metrics)
        signatures = {label: m.signature(len(testset.references)) for label, m in metrics.items()}
        self.scored = StreamedScores(testset, metrics, signatures)
        self.first_label = labels[0]
        systems = list(testset.systems)
        if keep_rows:
            for i, label in enumerate(labels):
                for j, system in enumerate(systems):
                    self.scored.spills[label, system] = SpilledMatrix(work / f"stats-{i}-{j}.npy",
                                                                      len(metrics[label].stat_names))
        self.segments = PartFiles(work, "segments", systems, segment_schema(labels)) if tables else None
        fields = ["source", *(f"ref:{r}" for r in testset.references), *(f"sys:{s}" for s in systems)]
        self.texts = PartFiles(work, "texts", fields, TEXT_SCHEMA) if tables else None
        self.scored.summaries = {s: SystemSummary(testset.tgt_lang, metrics[self.first_label].higher_is_better)
                                 for s in systems}

    def run(self, chunks: Iterable[Chunk]) -> StreamedScores:
        ts = self.scored.testset
        for chunk in chunks:
            if chunk.start == 0:
                self._note_marks(chunk)
            self.add(chunk)
        if ts.n == 0:
            raise UserError(f"{ts.provenance.get('source', 'source')}: test set {ts.name!r} has no segments")
        for spill in self.scored.spills.values():
            spill.close()
        return self.scored

    def _note_marks(self, chunk: Chunk) -> None:
        """The byte-order-mark notes ``corpora.bom.note_kept_marks`` gives."""
        ts = self.scored.testset
        streams = {"source": chunk.source, **{f"ref:{k}": v for k, v in chunk.references.items()},
                   **{f"sys:{k}": v for k, v in chunk.systems.items()}}
        for key, segments in streams.items():
            if segments and segments[0].startswith(BOM):
                add_note(ts, f"{ts.provenance.get(key, key)} {KEPT}")

    def add(self, chunk: Chunk) -> None:
        scored, ts = self.scored, self.scored.testset
        refs = [chunk.references[name] for name in ts.references]
        scores_by_system: dict[str, dict[str, np.ndarray]] = {s: {} for s in ts.systems}
        for label, metric in scored.metrics.items():
            prepared: list[Any] = []  # the whole chunk's references, prepared once when needed
            for system in ts.systems:
                stats = self._statistics(label, metric, chunk, refs, chunk.systems[system], prepared)
                self._accumulate(label, system, stats)
                scores_by_system[system][label] = np.asarray(metric.segment_scores(stats), dtype=np.float64)
        first_ref = refs[0]
        for system, scores in scores_by_system.items():
            scored.summaries[system].add(chunk.start, scores[self.first_label], chunk.source, first_ref,
                                         chunk.systems[system])
            if self.segments is not None:
                self.segments.write(system, segment_columns(ts.name, system, chunk.start, scores))
        if self.texts is not None:
            self.texts.write("source", text_columns(ts.name, "source", chunk.start, chunk.source))
            for name, stream in zip(ts.references, refs):
                self.texts.write(f"ref:{name}", text_columns(ts.name, f"ref:{name}", chunk.start, stream))
            for system in ts.systems:
                self.texts.write(f"sys:{system}", text_columns(ts.name, f"sys:{system}", chunk.start,
                                                               chunk.systems[system]))
        ts.n += len(chunk)

    def _statistics(self, label: str, metric: Metric, chunk: Chunk, refs: list[list[str]], hyps: list[str],
                    prepared: list[Any]) -> np.ndarray:
        """One system's statistics for the chunk: cached rows looked up in bulk,
        the rest computed (references prepared for just those rows) and cached."""
        def whole() -> Any:
            if not prepared:
                prepared.append(metric.prepare(chunk.source, refs))
            return prepared[0]

        if self.cache.path is None:
            self.scored.computed_segments += len(hyps)
            return np.asarray(metric.segment_stats(hyps, whole()), dtype=np.float64)
        keys = segment_keys(self.scored.signatures[label], chunk.source, refs, hyps)
        found = self.cache.get_many(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        self.scored.cached_segments += len(keys) - len(missing)
        self.scored.computed_segments += len(missing)
        if not missing:
            return np.stack([found[key] for key in keys])
        if len(missing) == len(keys):
            new = np.asarray(metric.segment_stats(hyps, whole()), dtype=np.float64)
            self.cache.put_many(zip(keys, new))
            return new
        sub_refs = [[stream[i] for i in missing] for stream in refs]
        new = np.asarray(metric.segment_stats([hyps[i] for i in missing],
                                              metric.prepare([chunk.source[i] for i in missing], sub_refs)),
                         dtype=np.float64)
        self.cache.put_many((keys[i], row) for i, row in zip(missing, new))
        rows = dict(zip(missing, new))
        return np.stack([rows[i] if i in rows else found[key] for i, key in enumerate(keys)])

    def _accumulate(self, label: str, system: str, stats: np.ndarray) -> None:
        """Column sums in the in-memory path's order (row after row, from the
        first), so even fractional statistics sum to the same float."""
        previous = self.scored.sums.get((label, system))
        rows = stats if previous is None else np.vstack([previous[None, :], stats])
        self.scored.sums[label, system] = rows.sum(axis=0)
        if (label, system) in self.scored.spills:
            self.scored.spills[label, system].append(stats)

    def close(self) -> None:
        for spill in self.scored.spills.values():
            spill.close()
        for parts in (self.segments, self.texts):
            if parts is not None:
                parts.close()


def stream_work_folder(out: Path | None) -> tempfile.TemporaryDirectory:
    """Where spill and part files live while scoring: inside the run directory
    when there is one (same disk as the final files, renamed into place), else
    the system's temporary folder. Removed however the run ends."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=".mteval-stream-", dir=out)
