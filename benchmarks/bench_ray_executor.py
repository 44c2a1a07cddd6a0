"""Overhead of the Ray executor against the local forked pool, same run.

Scores every system of a WMT22 pair (BLEU, chrF, TER; no cache) with the local
executor (forked workers, as ``mteval score`` does by default) and with the Ray
executor on a two-node ``ray.cluster_utils.Cluster`` (one CPU per node) on this
machine; cluster start-up and the connection are excluded, the first Ray run
(workers starting, the metric shipped) is reported apart from the warm ones.
Checks the statistics are identical. Run it inside a private network namespace
so the cluster stays on loopback:

    unshare -n sh -c 'ip link set lo up && exec python3 benchmarks/bench_ray_executor.py'

Usage: bench_ray_executor.py [--pair de-fr] [--repeats 3] [--chunk-rows 256]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", default="de-fr")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-rows", type=int, default=256)
    args = ap.parse_args()
    ts = load(args.pair)
    ray_tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths have a length limit
    os.environ.update(RAY_TMPDIR=ray_tmp, RAY_USAGE_STATS_ENABLED="0",
                      RAY_memory_monitor_refresh_ms="0", PYTHONPATH=str(ROOT))
    import ray
    from ray.cluster_utils import Cluster

    from eval.execution.cluster import RayExecutor

    local_times = []
    for _ in range(args.repeats):
        seconds, local = timed(ts, LocalExecutor(), 2)
        local_times.append(seconds)
    t0 = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args=dict(num_cpus=1, object_store_memory=80 * 1024**2,
                                                                include_dashboard=False))
    cluster.add_node(num_cpus=1, object_store_memory=80 * 1024**2)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    startup = time.perf_counter() - t0
    try:
        executor = RayExecutor(ExecutorSpec("ray"), chunk_rows=args.chunk_rows)
        first, _ = timed(ts, executor, None)
        ray_times = []
        for _ in range(args.repeats):
            seconds, remote = timed(ts, executor, None)
            ray_times.append(seconds)
        same = all(np.array_equal(local.stats[k], remote.stats[k]) for k in local.stats)
        nodes = len(executor.nodes)
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(ray_tmp, ignore_errors=True)
    best_local, best_ray = min(local_times), min(ray_times)
    print(f"{args.pair}: {len(ts.systems)} systems x {len(ts)} segments x 3 metrics, chunks of {args.chunk_rows} rows")
    print(f"local (2 forked workers): {best_local:.2f} s (best of {args.repeats})")
    print(f"ray, 2 nodes x 1 CPU:     {best_ray:.2f} s warm (best of {args.repeats}), {first:.2f} s first run; "
          f"cluster start-up {startup:.1f} s (excluded)")
    print(f"ratio ray/local (warm): {best_ray / best_local:.2f}; nodes that worked: {nodes}; identical statistics: {same}")


if __name__ == "__main__":
    main()
