"""Lexical statistics as Ray Core tasks over chunks (metric x system x row range).

Each task returns the chunk's per-segment sufficient statistics (counts), and
the driver puts the rows back in segment order, so every sum, score, interval
and p-value is the local run's exactly. Workers never see the cache: the
caller looks it up before and writes it after. Metrics whose statistics for a
segment depend on the rest of the test set (``cacheable = False``) or that
must run in one process (``parallel_safe = False``) stay on the driver.
"""
from __future__ import annotations

import os
import socket
from collections import Counter
from typing import Any

import numpy as np

from ..errors import UserError
from ..progress import progress
from .local import LocalExecutor
from .spec import ExecutorSpec

# Ray's C++ core logs each connection retry on stderr; an error here is one line.
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
try:
    import ray
except ImportError:  # the optional extra is not installed
    ray = None

INSTALL_HINT = "--executor ray needs Ray, which is not installed: pip install 'mteval[ray]'"
CHUNK_ROWS = 256  # rows per task: small enough to spread a test set over the nodes
MAX_RETRIES = 3  # a task lost with its worker or node is run again this often
CONNECT_TIMEOUT_S = 5.0


def _chunk_stats(metric, sources: list[str], refs: list[list[str]], hyps: list[str]):
    """One chunk on a worker: statistics rows, payloads, and the node that did it."""
    prepared = metric.prepare(sources, refs)
    stats, payloads = metric.segment_stats_and_payloads(hyps, prepared)
    return stats, payloads, ray.get_runtime_context().get_node_id()


def check_reachable(address: str) -> None:
    """Fail within seconds, naming the address, where nothing listens: Ray's own
    connection attempts retry for minutes before they give up."""
    where = address.removeprefix("ray://")
    host, _, port = where.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"Ray address {address!r}: expected HOST:PORT (or ray://HOST:PORT, or auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise UserError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


def connect(address: str | None) -> None:
    """Join the cluster at ``address`` (None: a local one, as ``ray.init()`` does),
    unless this process is connected already."""
    if ray is None:
        raise UserError(INSTALL_HINT)
    if ray.is_initialized():
        return
    if address not in (None, "auto"):
        check_reachable(address)
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cannot join the Ray cluster at {address or 'a new local cluster'}: {first}") from None


class RayExecutor:
    """Chunks of chunkable metrics on the cluster; the rest locally."""

    kind = "ray"

    def __init__(self, spec: ExecutorSpec, chunk_rows: int = CHUNK_ROWS):
        connect(spec.address)
        self.spec = spec
        self.chunk_rows = chunk_rows
        self.remote = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_chunk_stats)
        self.nodes: Counter[str] = Counter()  # node id -> chunks it computed
        self.dispatched: list[tuple[str, str, int, int]] = []  # (metric, system, start, stop)

    def compute(self, ts, metrics, refs, tasks, jobs) -> dict[tuple[str, str], Any]:
        chunkable = [t for t in tasks if self._chunkable(metrics[t[0]])]
        results = LocalExecutor().compute(ts, metrics, refs, [t for t in tasks if t not in chunkable], jobs)
        metric_refs = {label: ray.put(metrics[label]) for label in {label for label, _ in chunkable}}
        results.update(self._dispatch(ts.name, [
            (label, system, metric_refs[label], ts.source, refs, ts.systems[system]) for label, system in chunkable]))
        return results

    def rows(self, testset, label, system, metric, sources, refs, hyps):
        """The rows a partly cached system lacks: only these reach the cluster."""
        if not self._chunkable(metric):
            return LocalExecutor().rows(testset, label, system, metric, sources, refs, hyps)
        return self._dispatch(testset, [(label, system, ray.put(metric), sources, refs, hyps)])[label, system]

    @staticmethod
    def _chunkable(metric) -> bool:
        """A segment's statistics depend on that segment only, and any process may compute them."""
        return metric.cacheable and metric.parallel_safe

    def _dispatch(self, testset: str, work) -> dict[tuple[str, str], Any]:
        """Chunk each (label, system, metric, sources, refs, hyps), gather rows in order."""
        pending = []
        for label, system, metric_ref, sources, refs, hyps in work:
            for start in range(0, len(hyps), self.chunk_rows):
                stop = min(len(hyps), start + self.chunk_rows)
                ref = self.remote.remote(metric_ref, sources[start:stop], [s[start:stop] for s in refs],
                                         hyps[start:stop])
                pending.append(((label, system, start, stop), ref))
                self.dispatched.append((label, system, start, stop))
        parts: dict[tuple[str, str], list] = {(label, system): [] for label, system, *_ in work}
        try:
            for chunk, ref in progress(pending, len(pending), f"{testset} (ray)"):
                stats, payloads, node = self._result(testset, chunk, ref)
                self.nodes[node] += 1
                parts[chunk[:2]].append((stats, payloads))
        except BaseException:  # a failed chunk or an interrupt: the rest is not wanted
            for _, ref in pending:
                ray.cancel(ref)
            raise
        return {task: (np.concatenate([s for s, _ in chunks]),
                       None if chunks[0][1] is None else [p for _, ps in chunks for p in ps])
                for task, chunks in parts.items()}

    def _result(self, testset: str, chunk, ref):
        """The chunk's result; a user error on a worker reads as it does locally,
        a chunk lost for good after its retries names the chunk."""
        label, system, start, stop = chunk
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            if isinstance(exc.cause, UserError):
                raise UserError(str(exc.cause)) from None
            raise
        except ray.exceptions.RayError as exc:
            raise UserError(f"{testset}: metric {label}, system {system}, chunk rows {start + 1}-{stop}: lost on "
                            f"the Ray cluster after {MAX_RETRIES} retries ({type(exc).__name__})") from None
