"""Statistics on a Ray cluster: lexical metrics as Ray Core tasks over chunks
(metric x system x row range), model metrics on actor pools (models.py).

Each lexical task returns the chunk's per-segment sufficient statistics (counts), and
the driver puts the rows back in segment order, so every sum, score, interval
and p-value is the local run's exactly. Workers never see the cache: the
caller looks it up before and writes each chunk as it arrives. Metrics whose
statistics for a segment depend on the rest of the test set (``cacheable = False``,
BERTScore with idf) stay on the driver.
"""
from __future__ import annotations

import os
import socket
from collections import Counter
from typing import Iterator

from ..errors import UserError
from ..progress import progress
from .chunks import Chunk
from .local import LocalExecutor
from .models import MAX_RETRIES as MODEL_RETRIES
from .models import MODEL_CHUNK_BATCHES, ActorReport, ChunkLost, ModelChunk, ModelPool, plan_chunks
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
    """Lexical chunks as Ray Core tasks, model metrics on actor pools kept for the
    run (eval/execution/models.py), the rest locally; every chunk yielded as it finishes."""

    kind = "ray"

    def __init__(self, spec: ExecutorSpec, chunk_rows: int | None = None, model_batches: int | None = None):
        connect(spec.address)
        self.spec = spec
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        self.model_batches = model_batches or MODEL_CHUNK_BATCHES
        self.remote = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_chunk_stats)
        self.nodes: Counter[str] = Counter()  # node id -> chunks it computed
        self.dispatched: list[tuple[str, str, int, int]] = []  # lexical: (metric, system, start, stop)
        self.model_dispatched: list[tuple[str, str, tuple[int, ...]]] = []  # (metric, system, rows)
        self.ran_on: dict[tuple[str, str], set[str]] = {}  # (metric, system) -> actors that scored its chunks
        self.actors: dict[str, ActorReport] = {}  # actor id -> its latest report (model metrics)
        self.pools: dict[tuple, ModelPool] = {}  # one per model metric, kept for the run

    def compute(self, ts, metrics, refs, tasks, jobs) -> Iterator[Chunk]:
        lexical = [t for t in tasks if _lexical(metrics[t[0]])]
        model = [t for t in tasks if _model(metrics[t[0]])]
        rest = [t for t in tasks if t not in lexical and t not in model]
        metric_refs = {label: ray.put(metrics[label]) for label in {label for label, _ in lexical}}
        yield from self._dispatch(ts.name, [
            (label, system, metric_refs[label], ts.source, refs, ts.systems[system]) for label, system in lexical])
        for label in dict.fromkeys(label for label, _ in model):
            work = [chunk for name, system in model if name == label
                    for chunk in plan_chunks(metrics[label], system, ts.systems[system], ts.source, refs,
                                             self.model_batches)]
            yield from self._models(ts.name, label, metrics[label], ts.source, refs, work)
        yield from LocalExecutor().compute(ts, metrics, refs, rest, jobs)

    def rows(self, testset, label, system, metric, sources, refs, hyps) -> Iterator[Chunk]:
        """The rows a partly cached system lacks: only these reach the cluster."""
        if _lexical(metric):
            return self._dispatch(testset, [(label, system, ray.put(metric), sources, refs, hyps)])
        if _model(metric):
            return self._models(testset, label, metric, sources, refs,
                                [ModelChunk(system, tuple(range(len(hyps))), list(hyps), list(sources),
                                            [list(r) for r in refs])])
        return LocalExecutor().rows(testset, label, system, metric, sources, refs, hyps)

    def _dispatch(self, testset: str, work) -> Iterator[Chunk]:
        """Chunk each (label, system, metric, sources, refs, hyps); yield chunks as they finish."""
        pending = {}
        for label, system, metric_ref, sources, refs, hyps in work:
            for start in range(0, len(hyps), self.chunk_rows):
                stop = min(len(hyps), start + self.chunk_rows)
                ref = self.remote.remote(metric_ref, sources[start:stop], [s[start:stop] for s in refs],
                                         hyps[start:stop])
                pending[ref] = (label, system, start, stop)
                self.dispatched.append((label, system, start, stop))
        if not pending:
            return
        try:
            for ref in progress(_as_finished(list(pending)), len(pending), f"{testset} (ray)"):
                label, system, start, stop = chunk = pending.pop(ref)
                stats, payloads, node = self._result(testset, chunk, ref)
                self.nodes[node] += 1
                yield Chunk(label, system, start, stop, stats, payloads)
        finally:  # a failed chunk, an interrupt or a caller that stopped: the rest is not wanted
            for ref in pending:
                ray.cancel(ref)

    def _models(self, testset: str, label: str, metric, sources, refs, chunks: list[ModelChunk]) -> Iterator[Chunk]:
        """One model metric's chunks on an actor pool, each yielded as it finishes."""
        for chunk in chunks:
            self.model_dispatched.append((label, chunk.system, chunk.rows))
        key = _pool_key(label, metric)
        if key not in self.pools:
            self.pools[key] = ModelPool(metric, self.spec.gpus_per_worker)
        found = self.pools[key].score(metric, sources, refs, chunks, self.actors)
        try:
            for index, stats, payloads, node, actor in progress(found, len(chunks), f"{testset} {label} (ray)"):
                self.nodes[node] += 1
                chunk = chunks[index]
                self.ran_on.setdefault((label, chunk.system), set()).add(actor)
                yield Chunk(label, chunk.system, chunk.rows[0], chunk.rows[-1] + 1, stats, payloads, chunk.rows)
        except ChunkLost as lost:  # its actor lost for good, after its restarts
            chunk = chunks[lost.index]
            raise UserError(f"{testset}: metric {label}, system {chunk.system}, {chunk.described}: lost on "
                            f"the Ray cluster after {MODEL_RETRIES} retries ({type(lost.cause).__name__})") from None

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


def _lexical(metric) -> bool:
    """Any process may compute a segment's statistics, from that segment alone: Ray Core tasks."""
    return metric.cacheable and metric.parallel_safe


def _model(metric) -> bool:
    """A model metric (holds a model, so not forked) whose segment statistics depend on
    that segment alone: an actor pool."""
    return metric.cacheable and not metric.parallel_safe


def _pool_key(label: str, metric) -> tuple:
    """Which model metrics share a pool across test sets: the same label, class and options."""
    inner = getattr(metric, "inner", metric)
    return label, type(metric), type(inner), repr(sorted(metric.options.items()))


def _as_finished(refs: list) -> Iterator:
    """Object refs in the order their tasks finish."""
    while refs:
        ready, refs = ray.wait(refs, num_returns=1)
        yield from ready
