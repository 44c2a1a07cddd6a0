"""Today's behaviour: forked worker processes on this machine (eval.scoring, eval.execution.workers)."""
from __future__ import annotations

from typing import Iterator

from .chunks import Chunk


class LocalExecutor:
    """Whole (metric, system) tasks in the forked pool of ``eval.scoring``, each
    yielded as it finishes; the rows a partly cached system lacks in this process."""

    kind = "local"

    def compute(self, ts, metrics, refs, tasks, jobs) -> Iterator[Chunk]:
        from ..scoring import _compute

        return _compute(ts, metrics, refs, tasks, jobs)

    def rows(self, testset, label, system, metric, sources, refs, hyps) -> Iterator[Chunk]:
        """Statistics (and payloads) of some rows: a fresh ``prepare`` on just those."""
        stats, payloads = metric.segment_stats_and_payloads(hyps, metric.prepare(sources, refs))
        yield Chunk(label, system, 0, len(hyps), stats, payloads)
