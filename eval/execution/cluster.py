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
        chunkable = [t for t in tasks if metrics[t[0]].cacheable and metrics[t[0]].parallel_safe]
        results = LocalExecutor().compute(ts, metrics, refs, [t for t in tasks if t not in chunkable], jobs)
        if chunkable:
            results.update(self._on_cluster(ts, metrics, refs, chunkable))
        return results

    def _on_cluster(self, ts, metrics, refs, tasks):
        metric_refs = {label: ray.put(metrics[label]) for label in {label for label, _ in tasks}}
        n = len(ts.source)
        pending = []
        for label, system in tasks:
            for start in range(0, n, self.chunk_rows):
                stop = min(n, start + self.chunk_rows)
                chunk = (label, system, start, stop)
                ref = self.remote.remote(metric_refs[label], ts.source[start:stop],
                                         [stream[start:stop] for stream in refs], ts.systems[system][start:stop])
                pending.append((chunk, ref))
                self.dispatched.append(chunk)
        parts: dict[tuple[str, str], list] = {task: [] for task in tasks}
        for chunk, ref in progress(pending, len(pending), f"{ts.name} (ray)"):
            stats, payloads, node = self._result(ts, chunk, ref)
            self.nodes[node] += 1
            parts[chunk[:2]].append((stats, payloads))
        return {task: (np.concatenate([s for s, _ in chunks]),
                       None if chunks[0][1] is None else [p for _, ps in chunks for p in ps])
                for task, chunks in parts.items()}

    def _result(self, ts, chunk, ref):
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
            raise UserError(f"{ts.name}: metric {label}, system {system}, rows {start + 1}-{stop}: lost on the "
                            f"Ray cluster after {MAX_RETRIES} retries ({type(exc).__name__})") from None
