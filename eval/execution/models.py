"""Model metrics on a Ray cluster: Ray Data ``map_batches`` over an actor pool.

Each actor loads the metric's model once, in its constructor, and prepares the
test set's references once (as the local run does, once per test set); then it
scores chunks. A chunk of a model metric is a set of whole batches of one
system: the driver asks the metric for its batch plan (``Metric.batch_plan``:
the length-sorted batches the local run forms, e.g. ``length_batches`` in
eval/models/encoding.py) and cuts it into runs of ``MODEL_CHUNK_BATCHES``
batches; the actor scores the chunk's rows against the prepared references cut
to those rows (``Metric.select_prepared``). A batch's size follows from its
longest row alone, so the chunk's rows, length-sorted again, form exactly the
local run's batches, and a segment's score is the same bits whichever worker
ran it. A metric without a batch plan is scored one whole system per chunk. The
rows a partly cached system lacks are one chunk with their own ``prepare``,
again as the local run computes them.

The pool asks one whole CPU per actor (and ``gpus_per_worker`` GPUs, fractional
allowed) and is no larger than the cluster holds: a fractional-CPU pool can
starve Ray Data of the CPUs its own tasks need and hang without an error. The
input is made in the driver (``from_items``, one block per chunk, so chunks
spread over the pool instead of landing in one block), so the pipeline needs
no read tasks at all.
"""
from __future__ import annotations

import logging
import pickle
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..errors import UserError
from .chunks import Chunk


MODEL_CHUNK_BATCHES = 4  # model batches per chunk: few enough to spread one system over the pool
MAX_RETRIES = 3  # an actor lost with its process or node is restarted, and its chunk rerun, this often
_LOADERS = (("eval.models.loading", "load_encoder"), ("eval.metrics.neural.comet", "load_comet"),
            ("eval.metrics.neural.metricx", "load_metricx"), ("eval.metrics.neural.offtarget", "_detector"))


def model_loads() -> int:
    """Models this process has loaded so far (misses of the cached loaders)."""
    total = 0
    for module, name in _LOADERS:
        loader = getattr(sys.modules.get(module), name, None)
        if loader is not None:
            total += loader.cache_info().misses
    return total


def load_model(metric) -> None:
    """Load the metric's model now (the property each model metric reads it through)."""
    inner = getattr(metric, "inner", metric)
    for attribute in ("loaded", "bundle"):
        if hasattr(type(inner), attribute):
            getattr(inner, attribute)
            return


@dataclass(frozen=True)
class ModelChunk:
    """Some rows (whole batches, ascending) of one system of one model metric;
    ``sources``/``references`` only for the rows of a partly cached system, which
    are prepared on their own."""

    system: str
    rows: tuple[int, ...]
    hypotheses: list[str]
    sources: list[str] | None = None
    references: list[list[str]] | None = None

    @property
    def described(self) -> str:
        """Which rows, for messages."""
        if self.sources is not None:
            return f"its {len(self.rows)} rows missing from the cache"
        first, last = self.rows[0] + 1, self.rows[-1] + 1
        if last - first + 1 == len(self.rows):
            return f"chunk rows {first}-{last}"
        return f"a chunk of {len(self.rows)} rows between rows {first} and {last}"


def plan_chunks(metric, system: str, hypotheses, sources, references,
                batches: int = MODEL_CHUNK_BATCHES) -> list[ModelChunk]:
    """The system's rows as chunks of ``batches`` whole batches of the metric's plan
    (the whole system where the metric has none)."""
    hypotheses = list(hypotheses)
    plan = metric.batch_plan(hypotheses, sources, references) if hypotheses else None
    if plan is None:
        return [ModelChunk(system, tuple(range(len(hypotheses))), hypotheses)]
    chunks = []
    for start in range(0, len(plan), batches):
        rows = tuple(sorted(i for batch in plan[start:start + batches] for i in batch))
        chunks.append(ModelChunk(system, rows, [hypotheses[i] for i in rows]))
    return chunks


class ChunkScorer:
    """One actor of the pool: the model loaded once, the test set's references prepared
    once, then one chunk per call. Reports, with each result, where it ran, how many
    models its process loaded and how many chunks it scored."""

    def __init__(self, metric, work):
        import ray

        self.metric = metric
        self.sources, self.references, self.chunks = ray.get(work[0])
        self.error: str | None = None
        try:
            load_model(metric)
        except UserError as exc:  # said with the first chunk's result: Ray Data keeps no cause from a constructor
            self.error = str(exc)
        self.prepared = None
        context = ray.get_runtime_context()
        self.node, self.actor = context.get_node_id(), context.get_actor_id()
        self.calls = 0

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = [pickle.dumps((self._score(int(index)), self.node, self.actor, model_loads(), self.calls,
                                 time.process_time())) for index in batch["chunk"]]
        return {"chunk": np.asarray(batch["chunk"]), "result": np.array(results, dtype=object)}

    def _score(self, index: int):
        """(statistics, payloads), or the text of a user error: Ray Data passes on an
        exception raised here without its cause, so a user error comes back as a result."""
        if self.error is not None:
            return self.error
        chunk = self.chunks[index]
        try:
            if chunk.sources is None:
                if self.prepared is None:
                    self.prepared = self.metric.prepare(self.sources, self.references)
                prepared = self.prepared
                if len(chunk.rows) < len(self.sources):
                    prepared = self.metric.select_prepared(prepared, chunk.rows)
            else:
                prepared = self.metric.prepare(chunk.sources, chunk.references)
            stats, payloads = self.metric.segment_stats_and_payloads(chunk.hypotheses, prepared)
        except UserError as exc:
            return str(exc)
        self.calls += 1
        return np.asarray(stats), payloads


@dataclass
class ActorReport:
    """What the pool's actors said: per actor its node, models loaded, chunks scored
    and CPU seconds its process has used (model load included)."""

    node: str
    loads: int
    chunks: int
    cpu_s: float


def pool_size(chunks: int, gpus_per_worker: float) -> int:
    """As many one-CPU (and ``gpus_per_worker``-GPU) actors as the live nodes hold, at most one per chunk."""
    import ray

    fit = 0
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        resources = node.get("Resources", {})
        actors = int(resources.get("CPU", 0))
        if gpus_per_worker > 0:
            actors = min(actors, int(resources.get("GPU", 0) / gpus_per_worker + 1e-9))
        fit += actors
    if fit < 1:
        need = f"{gpus_per_worker:g} GPU and 1 CPU" if gpus_per_worker > 0 else "1 CPU"
        raise UserError(f"no node of the Ray cluster has {need} for a model worker (executor.gpus_per_worker)")
    return max(1, min(chunks, fit))


def quiet_ray_data() -> None:
    """No progress bars or execution logs from Ray Data on the terminal: mteval reports progress itself."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def score_chunks(metric, sources, references, chunks: list[ModelChunk], gpus_per_worker: float,
                 reports: dict[str, ActorReport]) -> Iterator[tuple[int, np.ndarray, list[str] | None, str, str]]:
    """(chunk index, statistics, payloads, node, actor) for every chunk, as each finishes;
    ``reports`` gets each actor's latest report."""
    import ray
    import ray.data

    quiet_ray_data()
    work = ray.put((list(sources), [list(r) for r in references], chunks))
    dataset = ray.data.from_items([{"chunk": i} for i in range(len(chunks))], override_num_blocks=len(chunks))
    # One chunk in flight per actor: a free actor takes the next chunk, none queues behind a busy one.
    pool = ray.data.ActorPoolStrategy(size=pool_size(len(chunks), gpus_per_worker), max_tasks_in_flight_per_actor=1)
    with warnings.catch_warnings():  # the retry bounds have no named parameter yet; Ray warns on any other
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = dataset.map_batches(
            ChunkScorer, fn_constructor_kwargs={"metric": metric, "work": [work]}, batch_size=1,
            batch_format="numpy", compute=pool, num_cpus=1, num_gpus=gpus_per_worker or None,
            max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)
    for row in dataset.iter_rows():
        result, node, actor, loads, calls, cpu_s = pickle.loads(row["result"])
        reports[actor] = ActorReport(node, loads, calls, cpu_s)
        if isinstance(result, str):
            raise UserError(result)
        yield int(row["chunk"]), *result, node, actor
