"""Scoring a test set: per-segment statistics for every (metric, system),
taken from the cache where possible and computed in parallel otherwise."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from .config import MetricSpec
from .corpora.model import TestSet
from .execution.chunks import Chunk, assemble
from .execution.local import LocalExecutor
from .metrics import build_metric
from .metrics.base import Metric
from .progress import progress
from .store import StatsCache, matrix_key, segment_keys
from .execution.workers import WorkerPool

if TYPE_CHECKING:  # pandas loads only when tables are asked for
    import pandas as pd


@dataclass
class ScoredTestSet:
    """Statistics for one test set; scores and tables are derived from them."""

    testset: TestSet
    metrics: dict[str, Metric]  # by label
    signatures: dict[str, str]
    stats: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (label, system)
    payloads: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (label, system): JSON per segment
    computed_segments: int = 0
    cached_segments: int = 0

    def corpus_score(self, label: str, system: str) -> float:
        return self.metrics[label].corpus_score(self.stats[label, system])

    def segment_score(self, label: str, system: str) -> np.ndarray:
        return self.metrics[label].segment_scores(self.stats[label, system])

    def long_input_counts(self) -> dict[str, Any]:
        """Per model metric: its long-input mode and, per system, how many segments
        were scored in pieces and how many still had an input cut at the model limit
        (statistics columns, so cached runs report them too; eval/longinputs)."""
        out: dict[str, Any] = {}
        for label, metric in self.metrics.items():
            counted = getattr(metric, "counted_stats", ())
            if not counted:
                continue
            columns = [metric.stat_names.index(name) for name in counted]
            out[label] = {"mode": metric.mode, "systems": {
                system: {name: int(round(self.stats[label, system][:, c].sum())) for name, c in zip(counted, columns)}
                for system in self.testset.systems}}
        return out

    def system_table(self) -> pd.DataFrame:
        """One row per (testset, system, metric)."""
        import pandas as pd

        rows = [
            {
                "testset": self.testset.name,
                "system": system,
                "metric": label,
                "score": self.corpus_score(label, system),
                "signature": self.signatures[label],
            }
            for system in self.testset.systems
            for label in self.metrics
        ]
        return pd.DataFrame(rows, columns=["testset", "system", "metric", "score", "signature"])

    def segment_table(self) -> pd.DataFrame:
        """One row per (testset, system, segment), a column per metric."""
        import pandas as pd

        ts = self.testset
        frames = []
        for system in ts.systems:
            frame = pd.DataFrame(
                {
                    "testset": ts.name,
                    "system": system,
                    "seg_id": np.arange(1, len(ts) + 1),
                    "doc_id": ts.doc_ids if ts.doc_ids is not None else [None] * len(ts),
                }
            )
            if ts.domains is not None:
                frame["domain"] = ts.domains
            for label in self.metrics:
                frame[label] = self.segment_score(label, system)
            for label, metric in self.metrics.items():
                if (label, system) in self.payloads:
                    frame[f"{metric.payload}:{label}"] = self.payloads[label, system]
            for flag, values in ts.flags.get(system, {}).items():
                frame[f"flag:{flag}"] = values
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def metric_label(spec: MetricSpec, specs: list[MetricSpec]) -> str:
    """The metric's name, or name plus options when the same name occurs twice."""
    options = {k: v for k, v in spec.options.items() if k not in ("label", "engine")}
    if "label" in spec.options:
        return str(spec.options["label"])
    if sum(s.name == spec.name for s in specs) > 1 and options:
        return spec.name + ":" + ",".join(f"{k}={v}" for k, v in sorted(options.items()))
    return spec.name


def build_metrics(specs: list[MetricSpec], tgt_lang: str, engine: str = "auto", src_lang: str = "") -> dict[str, Metric]:
    from .errors import UserError

    metrics: dict[str, Metric] = {}
    for spec in specs:
        label = metric_label(spec, specs)
        if label in metrics:
            raise UserError(f"metric {label!r} is asked for twice")
        options = {k: v for k, v in spec.options.items() if k != "label"}
        metrics[label] = build_metric(spec.name, trg_lang=tgt_lang, engine=options.pop("engine", engine),
                                      src_lang=src_lang, **options)
    return metrics


def _n_workers(jobs: int | None, n_tasks: int) -> int:
    jobs = jobs or os.cpu_count() or 1
    return max(1, min(jobs, n_tasks))


def score_testset(
    ts: TestSet,
    metrics: dict[str, Metric],
    cache: StatsCache | None = None,
    jobs: int | None = None,
    executor=None,
) -> ScoredTestSet:
    """Statistics (and payloads) for every (metric, system): from the cache, else computed.

    A metric with a payload (xCOMET's error spans) is taken from the cache only
    where each segment has both its statistics and its payload; a segment
    lacking either is computed again, so a warm rerun still has every span.
    Only the misses go to ``executor`` (default: this machine's forked workers)."""
    cache = cache or StatsCache(None)
    refs = ts.reference_streams()
    scored = ScoredTestSet(ts, metrics, {label: m.signature(len(refs)) for label, m in metrics.items()})

    full_tasks: list[tuple[str, str]] = []
    partial: list[tuple[str, str, list[bytes], dict[bytes, np.ndarray], dict[bytes, str]]] = []
    keys_by_task: dict[tuple[str, str], list[bytes]] = {}
    for label, metric in metrics.items():
        metric_cache = cache if metric.cacheable else StatsCache(None)
        for system, hyps in ts.systems.items():
            if metric.payload is None:
                whole = metric_cache.get_matrix(matrix_key(scored.signatures[label], ts.source, refs, hyps))
                if whole is not None and len(whole) == len(hyps):
                    scored.stats[label, system] = whole
                    scored.cached_segments += len(hyps)
                    continue
            keys = segment_keys(scored.signatures[label], ts.source, refs, hyps)
            found = metric_cache.get_many(keys)
            texts: dict[bytes, str] = {}
            if metric.payload is not None:
                texts = metric_cache.get_payloads(keys)
                found = {k: v for k, v in found.items() if k in texts}
            keys_by_task[label, system] = keys
            if len(found) == len(set(keys)):
                scored.stats[label, system] = np.stack([found[k] for k in keys])
                if metric.payload is not None:
                    scored.payloads[label, system] = [texts[k] for k in keys]
                scored.cached_segments += len(keys)
            elif not found:
                full_tasks.append((label, system))
            else:
                partial.append((label, system, keys, found, texts))

    executor = executor or LocalExecutor()
    finished: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in executor.compute(ts, metrics, refs, full_tasks, jobs):  # cached as each chunk finishes
        if metrics[chunk.label].cacheable:
            _cache_chunk(cache, [keys_by_task[chunk.label, chunk.system][i] for i in chunk.indices], chunk)
        finished.setdefault((chunk.label, chunk.system), []).append(chunk)
    for (label, system), chunks in finished.items():
        stats, payloads = assemble(chunks)
        scored.stats[label, system] = stats
        if payloads is not None:
            scored.payloads[label, system] = payloads
        scored.computed_segments += len(stats)
    for label, system, keys, found, texts in partial:
        stats, payloads = _complete_partial(ts, metrics[label], refs, system, keys, found, texts, cache,
                                            executor, label)
        scored.stats[label, system] = stats
        if payloads is not None:
            scored.payloads[label, system] = payloads
        scored.computed_segments += sum(k not in found for k in keys)
        scored.cached_segments += sum(k in found for k in keys)
    for label, system in keys_by_task:
        if metrics[label].cacheable and metrics[label].payload is None:
            key = matrix_key(scored.signatures[label], ts.source, refs, ts.systems[system])
            cache.put_matrix(key, scored.stats[label, system])
    return scored


Computed = tuple[np.ndarray, list[str] | None]  # statistics, payloads


def _cache_chunk(cache: StatsCache, keys: list[bytes], chunk: Chunk) -> None:
    """One finished chunk into the cache, statistics in one transaction (a segment
    counts as cached with a payload only once its payload is written too)."""
    cache.put_many(zip(keys, chunk.stats))
    if chunk.payloads is not None:
        cache.put_payloads(zip(keys, chunk.payloads))


def _compute(ts, metrics, refs, tasks, jobs) -> Iterator[Chunk]:
    """Whole systems, each yielded as it finishes: references prepared once per metric,
    then parallel-safe tasks in forked workers (eval/execution/workers.py) and the rest
    in this process."""
    parallel = [t for t in tasks if metrics[t[0]].parallel_safe]
    serial = [t for t in tasks if t not in parallel]
    needed = {label for label, _ in tasks}
    prepared = {label: metrics[label].prepare(ts.source, refs) for label in progress(needed, desc="references")}

    def compute(task: tuple[str, str]) -> Computed:
        label, system = task
        return metrics[label].segment_stats_and_payloads(ts.systems[system], prepared[label])

    def chunk(task: tuple[str, str], computed: Computed) -> Chunk:
        return Chunk(task[0], task[1], 0, len(computed[0]), *computed)

    workers = _n_workers(jobs, len(parallel))
    if workers > 1:
        with WorkerPool(compute, parallel, workers) as pool:
            for task, computed in progress(pool.results(), len(parallel), ts.name):
                yield chunk(task, computed)
    else:
        serial = parallel + serial
    for task in progress(serial, len(serial), ts.name):
        yield chunk(task, compute(task))


def _complete_partial(ts, metric, refs, system, keys, found, texts, cache, executor, label) -> Computed:
    """Compute only the segments the cache lacks (a system changed in places), each
    chunk cached as it finishes."""
    missing = [i for i, k in enumerate(keys) if k not in found]
    sub_refs = [[stream[i] for i in missing] for stream in refs]
    chunks = []
    for chunk in executor.rows(ts.name, label, system, metric, [ts.source[i] for i in missing], sub_refs,
                               [ts.systems[system][i] for i in missing]):
        _cache_chunk(cache, [keys[missing[i]] for i in chunk.indices], chunk)
        chunks.append(chunk)
    new, new_payloads = assemble(chunks)
    rows = dict(zip(missing, new))
    stats = np.stack([rows[i] if i in rows else found[k] for i, k in enumerate(keys)])
    if new_payloads is None:
        return stats, None
    by_index = dict(zip(missing, new_payloads))
    return stats, [by_index[i] if i in by_index else texts[k] for i, k in enumerate(keys)]
