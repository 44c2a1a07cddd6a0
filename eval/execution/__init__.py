"""Where segment statistics are computed: this machine's forked workers
(``local``, the default) or a Ray cluster (``ray``).

Scoring hands an executor (metric, system) tasks and gets back statistics
rows in segment order; the cache, the sums and everything after them stay in
the calling process, so the executor never changes a number."""
from __future__ import annotations

from .spec import EXECUTORS, ExecutorSpec


def make_executor(spec: ExecutorSpec | None = None):
    """The executor a spec names; Ray is imported (and connected) only for ``ray``."""
    spec = spec or ExecutorSpec()
    if spec.kind == "ray":
        from .cluster import RayExecutor

        return RayExecutor(spec)
    from .local import LocalExecutor

    return LocalExecutor()


__all__ = ["EXECUTORS", "ExecutorSpec", "make_executor"]
