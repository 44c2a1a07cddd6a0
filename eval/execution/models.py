"""Model metrics on a Ray cluster: one pool of Ray actors per model metric for a run.

Each actor loads the metric's model once, in its constructor, and keeps it for the
whole run: every test set's chunks of that metric go to the same actors, which
prepare each test set's references once (as the local run does, once per test
set) and then score chunks. A chunk of a model metric is a set of whole batches
of one system: the driver asks the metric for its batch plan
(``Metric.batch_plan``: the length-sorted batches the local run forms, e.g.
``length_batches`` in eval/models/encoding.py) and cuts it into runs of
``MODEL_CHUNK_BATCHES`` batches; the actor scores the chunk's rows against the
prepared references cut to those rows (``Metric.select_prepared``). A batch's
size follows from its longest row alone, so the chunk's rows, length-sorted
again, form exactly the local run's batches, and a segment's score is the same
bits whichever worker ran it. A metric without a batch plan is scored one whole
system per chunk. The rows a partly cached system lacks are one chunk with their
own ``prepare``, again as the local run computes them.

The pool is Ray Core actors rather than a Ray Data ``map_batches`` pool: a Ray
Data pool lives for one dataset, so it would start (and load the model) again for
every test set.
"""
from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..errors import UserError


MODEL_CHUNK_BATCHES = 4  # model batches per chunk: few enough to spread one system over the pool
NODE_LOSS_WAIT_S = 60.0  # Ray's health checks declare a lost node dead within about 15-30 s
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
    """One actor of a pool: the model loaded once, in the constructor; each test set's
    references prepared once, when its first chunk arrives; then one chunk per call.
    Reports, with each result, where it ran, how many models its process loaded and
    how many chunks it scored."""

    def __init__(self, metric):
        import ray

        self.error: str | None = None
        try:
            load_model(metric)
        except UserError as exc:  # said with the first chunk's result
            self.error = str(exc)
        self.work = None  # the test set's ref: (metric, sources, references, chunks)
        context = ray.get_runtime_context()
        self.node, self.actor = context.get_node_id(), context.get_actor_id()
        self.calls = 0

    def score(self, work: list, index: int):
        """(result, node, actor, models loaded, chunks scored, CPU seconds)."""
        return self._score(work[0], index), self.node, self.actor, model_loads(), self.calls, time.process_time()

    def _score(self, work, index: int):
        """(statistics, payloads), or the text of a user error (the driver raises it as
        a ``UserError``, so it reads as it does locally)."""
        import ray

        if self.error is not None:
            return self.error
        if self.work != work.hex():
            self.work, self.prepared = work.hex(), None
            self.metric, self.sources, self.references, self.chunks = ray.get(work)
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


def pool_slots(gpus_per_worker: float) -> list[str]:
    """Node ids, one per actor the live nodes hold (one per CPU, and per
    ``gpus_per_worker`` GPUs), taking the nodes in turn so that the first actors
    land on different nodes."""
    import ray

    per_node = []
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        resources = node.get("Resources", {})
        actors = int(resources.get("CPU", 0))
        if gpus_per_worker > 0:
            actors = min(actors, int(resources.get("GPU", 0) / gpus_per_worker + 1e-9))
        per_node.append([node["NodeID"]] * actors)
    slots = [node for turn in itertools.zip_longest(*per_node) for node in turn if node is not None]
    if not slots:
        need = f"{gpus_per_worker:g} GPU and 1 CPU" if gpus_per_worker > 0 else "1 CPU"
        raise UserError(f"no node of the Ray cluster has {need} for a model worker (executor.gpus_per_worker)")
    return slots


class ChunkLost(Exception):
    """A chunk whose actor was lost for good, after its restarts."""

    def __init__(self, index: int, cause: Exception):
        super().__init__(index)
        self.index, self.cause = index, cause


class ModelPool:
    """The actors of one model metric, kept for the whole run: each loads the model
    once, and every test set's chunks of that metric go to the same actors. An actor
    holds its GPUs (``gpus_per_worker``) for its life but no CPU, so the lexical tasks
    of the next test set are never starved by an idle pool; the pool is never larger
    than the nodes' CPUs, and its actors are pinned node by node (``pool_slots``):
    Ray's own spreading piles CPU-less actors onto one node, and soft affinity was
    seen to do so too under load. An actor whose process dies is restarted in place
    (``max_restarts``); one whose node is lost is replaced on a live node and its
    chunk sent again (at most ``MAX_RETRIES`` times per chunk)."""

    def __init__(self, metric, gpus_per_worker: float):
        import ray

        self.metric, self.gpus = metric, gpus_per_worker
        self.actor_class = ray.remote(ChunkScorer)
        self.options = dict(num_cpus=0, num_gpus=gpus_per_worker or None, max_restarts=MAX_RETRIES,
                            max_task_retries=MAX_RETRIES)
        self.actors: list = []
        self.pinned: list[str] = []  # the node each actor is pinned to

    def _start(self, node: str):
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        where = NodeAffinitySchedulingStrategy(node, soft=False)
        return self.actor_class.options(**self.options, scheduling_strategy=where).remote(self.metric)

    def _replace(self, actor):
        """A new actor for one whose node is gone, on the live node with the fewest of this pool's actors."""
        slots = pool_slots(self.gpus)
        node = min(dict.fromkeys(slots), key=self.pinned.count)
        i = self.actors.index(actor)
        self.actors[i], self.pinned[i] = self._start(node), node
        return self.actors[i]

    def _node_lost(self, actor, exc: Exception) -> bool:
        """Whether the actor's node is gone. An actor that was unreachable (rather than
        dead) may be on a node the cluster has not yet declared lost: wait for that,
        up to ``NODE_LOSS_WAIT_S``."""
        import ray

        pinned = self.pinned[self.actors.index(actor)]
        deadline = time.monotonic() + (NODE_LOSS_WAIT_S if isinstance(exc, ray.exceptions.ActorUnavailableError) else 0)
        while True:
            if not any(n.get("Alive") and n["NodeID"] == pinned for n in ray.nodes()):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)

    def score(self, metric, sources, references, chunks: list[ModelChunk], reports: dict[str, ActorReport]
              ) -> Iterator[tuple[int, np.ndarray, list[str] | None, str, str]]:
        """(chunk index, statistics, payloads, node, actor) for every chunk, as each
        finishes; one chunk in flight per actor, so none waits behind a busy actor
        while another is free. ``reports`` gets each actor's latest report."""
        import ray

        slots = pool_slots(self.gpus)
        while len(self.actors) < min(len(slots), len(chunks)):  # grows to what this test set can use
            self.pinned.append(slots[len(self.actors)])
            self.actors.append(self._start(self.pinned[-1]))
        work = [ray.put((metric, list(sources), [list(r) for r in references], chunks))]
        todo, pending, resent = iter(range(len(chunks))), {}, Counter()

        def submit(actor) -> None:
            index = next(todo, None)
            if index is not None:
                pending[actor.score.remote(work, index)] = index, actor

        for actor in self.actors:
            submit(actor)
        try:
            while pending:
                [ref], _ = ray.wait(list(pending), num_returns=1)
                index, actor = pending.pop(ref)
                try:
                    result, node, actor_id, loads, calls, cpu_s = ray.get(ref)
                except ray.exceptions.RayTaskError:
                    raise  # not a user error: a fault in the metric, with its traceback
                except ray.exceptions.RayError as exc:
                    if resent[index] == MAX_RETRIES or not self._node_lost(actor, exc):
                        raise ChunkLost(index, exc) from None
                    resent[index] += 1
                    actor = self._replace(actor)
                    pending[actor.score.remote(work, index)] = index, actor
                    continue
                reports[actor_id] = ActorReport(node, loads, calls, cpu_s)
                if isinstance(result, str):
                    raise UserError(result)
                submit(actor)
                yield index, *result, node, actor_id
        finally:  # a failed chunk, an interrupt or a caller that stopped: the rest is not wanted
            for ref in pending:
                try:
                    ray.cancel(ref)
                except (ray.exceptions.RayError, ValueError):  # already finished, or its actor is gone
                    pass
