"""Today's behaviour: forked worker processes on this machine (eval.scoring)."""
from __future__ import annotations


class LocalExecutor:
    """Whole (metric, system) tasks in the forked pool of ``eval.scoring``."""

    kind = "local"

    def compute(self, ts, metrics, refs, tasks, jobs):
        from ..scoring import _compute

        return _compute(ts, metrics, refs, tasks, jobs)
