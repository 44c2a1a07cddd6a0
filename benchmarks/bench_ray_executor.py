"""Overhead of the Ray executor against the local forked pool, same run.

Scores every system of a WMT22 pair (BLEU, chrF, TER; no cache) with the local
executor (forked workers, as ``mteval score`` does by default) and with the Ray
executor on a two-node ``ray.cluster_utils.Cluster`` (one CPU per node) on this
machine; cluster start-up and the connection are excluded, the first Ray run
(workers starting, the metric shipped) is reported apart from the warm ones.
Checks the statistics are identical.

Model metrics: BERTScore with the offline multilingual-e5-small (layer 9) on the
first ``--model-rows`` rows of every system, in this process (one torch thread)
and on an actor pool of one actor (head node only) and of two (both nodes);
segments per second, actor start-up and model load included, and whether the
statistics equal the local run's. This machine has 2 CPU cores, so two actors
cannot exceed about 2x one. Also prints the per-segment cost and token counts
docs/SCALE.md builds its campaign estimate on.

Run it inside a private network namespace so the cluster stays on loopback:

    unshare -n sh -c 'ip link set lo up && exec python3 benchmarks/bench_ray_executor.py'

Usage: bench_ray_executor.py [--pair de-fr] [--repeats 3] [--chunk-rows 256] [--model-rows 300] [--systems N]
                             [--skip-lexical]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.config import metric_specs  # noqa: E402
from eval.corpora.files import read_lines  # noqa: E402
from eval.corpora.model import TestSet  # noqa: E402
from eval.execution import ExecutorSpec  # noqa: E402
from eval.execution.local import LocalExecutor  # noqa: E402
from eval.scoring import build_metrics, score_testset  # noqa: E402

TXT = ROOT.parent / "shared" / "data" / "wmt22" / "txt"


def load(pair: str) -> TestSet:
    src, tgt = pair.split("-")
    ref = read_lines(TXT / "references" / f"generaltest2022.{pair}.ref.A.{tgt}")
    systems = {p.name.split(".hyp.")[1].removesuffix(f".{tgt}"): read_lines(p)
               for p in sorted((TXT / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))}
    return TestSet(pair, src, tgt, [""] * len(ref), {"A": ref}, systems)


def timed(ts: TestSet, executor, jobs: int | None):
    metrics = build_metrics(metric_specs(["bleu", "chrf", "ter"]), ts.tgt_lang)
    start = time.perf_counter()
    scored = score_testset(ts, metrics, None, jobs, executor)
    return time.perf_counter() - start, scored


def bertscore():
    return build_metrics(metric_specs(["bertscore"]), "fr")


def timed_model(ts: TestSet, executor) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (this process, or the actors' processes) and the result."""
    start, cpu = time.perf_counter(), time.process_time()
    scored = score_testset(ts, bertscore(), None, 1, executor)
    wall = time.perf_counter() - start
    actors = getattr(executor, "actors", None)
    return wall, sum(r.cpu_s for r in actors.values()) if actors else time.process_time() - cpu, scored


def token_counts(ts: TestSet) -> float:
    """Mean tokens per hypothesis (special tokens included) under the e5 tokenizer."""
    metric = bertscore()["bertscore"]
    counts = [n for hyps in ts.systems.values() for n in metric.inner.count_tokens(hyps)]
    return sum(counts) / len(counts)


def model_rows(ts: TestSet, cluster, args) -> None:
    """BERTScore throughput: local, then 1 actor (head only), then 2 actors (a node added)."""
    import torch

    from eval.execution.cluster import RayExecutor

    torch.set_num_threads(1)
    sub = TestSet(ts.name, ts.src_lang, ts.tgt_lang, ts.source[:args.model_rows],
                  {k: v[:args.model_rows] for k, v in ts.references.items()},
                  {k: v[:args.model_rows] for k, v in list(ts.systems.items())[:args.systems]})
    segments = len(sub) * len(sub.systems)
    bertscore()["bertscore"].inner.loaded  # load once here: the local time is scoring only
    local_s, local_cpu, local = timed_model(sub, LocalExecutor())
    rows = [("local, 1 torch thread (model loaded before)", local_s, local_cpu)]
    for actors in (1, 2):
        if actors == 2:
            cluster.add_node(num_cpus=1, object_store_memory=80 * 1024**2)
            cluster.wait_for_nodes()
        executor = RayExecutor(ExecutorSpec("ray"))
        seconds, cpu, remote = timed_model(sub, executor)
        same = all(np.array_equal(local.stats[k], remote.stats[k]) for k in local.stats)
        rows.append((f"ray, {len(executor.actors)} actor(s) on {len(executor.nodes)} node(s), identical: {same}",
                     seconds, cpu))
    tokens = token_counts(sub)
    print(f"BERTScore multilingual-e5-small layer 9, {args.pair}: {len(sub.systems)} systems x {len(sub)} rows "
          f"= {segments} segments, mean {tokens:.1f} tokens per hypothesis")
    print("| run | wall s | segments/s | CPU s (actors: their processes, model load included) |")
    print("|---|---|---|---|")
    for name, seconds, cpu in rows:
        print(f"| {name} | {seconds:.1f} | {segments / seconds:.1f} | {cpu:.1f} |")
    print(f"per segment, local: {1000 * local_cpu / segments:.1f} ms CPU ({1000 * local_s / segments:.1f} ms wall)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", default="de-fr")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-rows", type=int, default=256)
    ap.add_argument("--model-rows", type=int, default=300)
    ap.add_argument("--systems", type=int, default=None, help="BERTScore on the first N systems only "
                    "(1: does one system spread over both actors?)")
    ap.add_argument("--skip-lexical", action="store_true")
    args = ap.parse_args()
    ts = load(args.pair)
    ray_tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths have a length limit
    os.environ.update(RAY_TMPDIR=ray_tmp, RAY_USAGE_STATS_ENABLED="0",
                      RAY_memory_monitor_refresh_ms="0", PYTHONPATH=str(ROOT))
    import ray
    from ray.cluster_utils import Cluster

    t0 = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args=dict(num_cpus=1, object_store_memory=80 * 1024**2,
                                                                include_dashboard=False))
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    startup = time.perf_counter() - t0
    try:
        if args.model_rows:
            model_rows(ts, cluster, args)  # adds the second node between its 1- and 2-actor runs
        else:
            cluster.add_node(num_cpus=1, object_store_memory=80 * 1024**2)
            cluster.wait_for_nodes()
        if not args.skip_lexical:
            lexical(ts, args, startup)
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(ray_tmp, ignore_errors=True)


def lexical(ts: TestSet, args, startup: float) -> None:
    """BLEU+chrF+TER: the local forked pool against the 2-node cluster, warm runs."""
    from eval.execution.cluster import RayExecutor

    local_times = []
    for _ in range(args.repeats):
        seconds, local = timed(ts, LocalExecutor(), 2)
        local_times.append(seconds)
    executor = RayExecutor(ExecutorSpec("ray"), chunk_rows=args.chunk_rows)
    first, _ = timed(ts, executor, None)
    ray_times = []
    for _ in range(args.repeats):
        seconds, remote = timed(ts, executor, None)
        ray_times.append(seconds)
    same = all(np.array_equal(local.stats[k], remote.stats[k]) for k in local.stats)
    best_local, best_ray = min(local_times), min(ray_times)
    print(f"{args.pair}: {len(ts.systems)} systems x {len(ts)} segments x 3 metrics, chunks of {args.chunk_rows} rows")
    print(f"local (2 forked workers): {best_local:.2f} s (best of {args.repeats})")
    print(f"ray, 2 nodes x 1 CPU:     {best_ray:.2f} s warm (best of {args.repeats}), {first:.2f} s first run; "
          f"head start-up {startup:.1f} s (excluded)")
    print(f"ratio ray/local (warm): {best_ray / best_local:.2f}; nodes that worked: {len(executor.nodes)}; "
          f"identical statistics: {same}")


if __name__ == "__main__":
    main()
