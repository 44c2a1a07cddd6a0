"""Today's behaviour: forked worker processes on this machine (eval.scoring, eval.execution.workers)."""
from __future__ import annotations


class LocalExecutor:
    """Whole (metric, system) tasks in the forked pool of ``eval.scoring``;
    the rows a partly cached system lacks in this process."""

    kind = "local"

    def compute(self, ts, metrics, refs, tasks, jobs):
        from ..scoring import _compute

        return _compute(ts, metrics, refs, tasks, jobs)

    def rows(self, testset, label, system, metric, sources, refs, hyps):
        """Statistics (and payloads) of some rows: a fresh ``prepare`` on just those."""
        return metric.segment_stats_and_payloads(hyps, metric.prepare(sources, refs))
