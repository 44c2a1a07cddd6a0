"""Cases on a real two-node Ray cluster; test_execution_ray.py runs this file
inside a private network namespace (loopback only), not the main collection.

The cluster: ``ray.cluster_utils.Cluster`` with a head and a second node, one
logical CPU and a small object store each, no dashboard, usage statistics and
the memory monitor off, a private temp dir and free ports."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, WMT22, need

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'mteval[ray]')")

from eval.config import metric_specs  # noqa: E402
from eval.corpora.files import read_lines  # noqa: E402
from eval.corpora.model import TestSet  # noqa: E402
from eval.errors import UserError  # noqa: E402
from eval.execution import ExecutorSpec  # noqa: E402
from eval.execution.cluster import RayExecutor  # noqa: E402
from eval.execution.local import LocalExecutor  # noqa: E402
from eval.metrics.neural.bertscore import BERTScore  # noqa: E402
from eval.scoring import build_metrics, score_testset  # noqa: E402
from eval.store import StatsCache, segment_keys  # noqa: E402

PAIR = "de-fr"
OBJECT_STORE = 80 * 1024**2
MODEL_ROWS = 300  # BERTScore cases score the first rows of every system: CI has two cores


def _files():
    txt = need(WMT22 / "txt")
    refs = [txt / "references" / f"generaltest2022.{PAIR}.ref.A.fr"]
    hyps = sorted((txt / "system-outputs").glob(f"generaltest2022.{PAIR}.hyp.*.fr"))
    return refs, hyps


def _testset(rows: int | None = None) -> TestSet:
    refs, hyps = _files()
    ref = read_lines(refs[0])[:rows]
    systems = {p.name.split(".hyp.")[1].removesuffix(".fr"): read_lines(p)[:rows] for p in hyps}
    return TestSet("wmt22-de-fr", "de", "fr", [""] * len(ref), {"A": ref}, systems)


def _subset_files(tmp_path: Path, rows: int) -> tuple[list[Path], list[Path]]:
    """The pair's files cut to their first rows (same names, so systems keep theirs)."""
    out = []
    for group in _files():
        cut = []
        for path in group:
            (tmp_path / "subset").mkdir(exist_ok=True)
            target = tmp_path / "subset" / path.name
            target.write_text("".join(line + "\n" for line in read_lines(path)[:rows]), encoding="utf-8")
            cut.append(target)
        out.append(cut)
    return out[0], out[1]


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths have a length limit
    os.environ.update(RAY_TMPDIR=tmp, RAY_USAGE_STATS_ENABLED="0", RAY_memory_monitor_refresh_ms="0",
                      PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}")  # workers import this checkout's eval
    # and this module (the failing metrics below)
    head = dict(num_cpus=1, object_store_memory=OBJECT_STORE, include_dashboard=False)
    c = Cluster(initialize_head=True, head_node_args=head)
    c.add_node(num_cpus=1, object_store_memory=OBJECT_STORE)
    c.wait_for_nodes()
    ray.init(address=c.address, logging_level="ERROR", log_to_driver=False)
    yield c
    ray.shutdown()
    c.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


def _metrics():
    return build_metrics(metric_specs(["bleu", "chrf", "ter"]), "fr")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> str:
    """A 3-layer random BERT (seed 0), WordPiece vocabulary trained on the pair's
    references, 64 positions (longer segments are scored in pieces)."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    out = tmp_path_factory.mktemp("tiny-bert")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=600, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(_testset().references["A"], trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=64).save_pretrained(out)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=3,
                                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(config).eval().save_pretrained(out)
    return str(out)


def _bertscore(model: str):
    """BERTScore on the tiny model, as `-m bertscore --model M -o bertscore.layer=2` builds it."""
    from eval.metrics import build_metric

    return build_metric("bertscore", trg_lang="fr", src_lang="de", model=model, layer=2, device="cpu")


@pytest.fixture(scope="module")
def local_bertscore(tiny_bert):
    """The local run's BERTScore on the first MODEL_ROWS rows: what the cases on the cluster must equal."""
    return score_testset(_testset(MODEL_ROWS), {"bertscore": _bertscore(tiny_bert)}, None, 1, LocalExecutor())


def test_model_metric_on_an_actor_pool(cluster, tiny_bert, local_bertscore):
    """BERTScore (long segments split into pieces) on a pool of two actors, one per
    node, in chunks of one or more whole batches: statistics equal the local run's
    exactly; both nodes scored; a system's chunks ran on both actors; each actor
    loaded its model once and scored several chunks with it."""
    ts, local = _testset(MODEL_ROWS), local_bertscore
    executor = RayExecutor(ExecutorSpec("ray"), model_batches=1)
    remote = score_testset(ts, {"bertscore": _bertscore(tiny_bert)}, None, None, executor)
    for key, stats in local.stats.items():
        assert np.array_equal(stats, remote.stats[key]), key
    assert sum(s["split"] for s in local.long_input_counts()["bertscore"]["systems"].values()) > 0
    assert len(executor.nodes) == 2, executor.nodes
    for system in ts.systems:  # every row of every system in exactly one chunk
        rows = sorted(r for _, name, chunk in executor.model_dispatched if name == system for r in chunk)
        assert rows == list(range(len(ts))), system
    assert len(executor.model_dispatched) > len(ts.systems)  # chunks smaller than a system ...
    assert any(len(actors) == 2 for actors in executor.ran_on.values()), executor.ran_on  # ... spread over actors
    reports = list(executor.actors.values())
    assert len(reports) == 2 and {r.node for r in reports} == set(executor.nodes)
    assert [r.loads for r in reports] == [1, 1], reports  # one model load per actor ...
    assert sum(r.chunks for r in reports) == len(executor.model_dispatched)  # ... for all of its chunks


def test_one_pool_per_model_metric_for_a_run(cluster, tiny_bert):
    """Two test sets through one executor, as `mteval run` scores them: the same two
    actors score both, each having loaded its model once; statistics equal the local run's."""
    both = _testset(160)
    halves = [TestSet(f"{both.name}-{i}", "de", "fr", both.source[part], {"A": both.references["A"][part]},
                      {name: hyps[part] for name, hyps in both.systems.items()})
              for i, part in enumerate((slice(0, 80), slice(80, 160)))]
    executor = RayExecutor(ExecutorSpec("ray"), model_batches=1)
    for ts in halves:
        local = score_testset(ts, {"bertscore": _bertscore(tiny_bert)}, None, 1, LocalExecutor())
        remote = score_testset(ts, {"bertscore": _bertscore(tiny_bert)}, None, None, executor)
        for key, stats in local.stats.items():
            assert np.array_equal(stats, remote.stats[key]), (ts.name, key)
    reports = list(executor.actors.values())
    assert len(reports) == 2, reports  # one pool for the run, not one per test set ...
    assert [r.loads for r in reports] == [1, 1], reports  # ... each actor loading the model once
    assert sum(r.chunks for r in reports) == len(executor.model_dispatched) > 2 * len(both.systems)


def test_statistics_identical_and_both_nodes_work(cluster):
    ts = _testset()
    local = score_testset(ts, _metrics(), None, 1, LocalExecutor())
    executor = RayExecutor(ExecutorSpec("ray"), chunk_rows=256)
    remote = score_testset(ts, _metrics(), None, None, executor)
    assert local.stats.keys() == remote.stats.keys() and len(local.stats) == 3 * len(ts.systems)
    for key, stats in local.stats.items():
        assert np.array_equal(stats, remote.stats[key]), key
    assert len(executor.nodes) == 2, executor.nodes  # both nodes computed chunks
    rows = sorted({(c[2], c[3]) for c in executor.dispatched})
    assert rows[0][0] == 0 and rows[-1][1] == len(ts) and all(a[1] == b[0] for a, b in zip(rows, rows[1:]))


def test_half_filled_cache_sends_only_the_misses(cluster, tmp_path):
    """Half the systems cached first; then only segments absent from the cache
    (systems share some identical outputs, so some of those hit too) reach the cluster."""
    ts = _testset()
    names = list(ts.systems)
    cached, missing = names[: len(names) // 2], names[len(names) // 2:]
    cache = StatsCache(tmp_path / "stats.sqlite")
    score_testset(dataclasses.replace(ts, systems={n: ts.systems[n] for n in cached}), _metrics(), cache, 1)
    executor = RayExecutor(ExecutorSpec("ray"))
    scored = score_testset(ts, _metrics(), cache, None, executor)
    expected = 0
    for label, metric in _metrics().items():
        signature = metric.signature(1)
        known = {k for n in cached for k in segment_keys(signature, ts.source, [ts.references["A"]], ts.systems[n])}
        expected += sum(k not in known for n in missing
                        for k in segment_keys(signature, ts.source, [ts.references["A"]], ts.systems[n]))
    assert 0 < expected < 3 * len(missing) * len(ts)
    assert {c[1] for c in executor.dispatched} == set(missing)
    assert sum(stop - start for *_, start, stop in executor.dispatched) == expected == scored.computed_segments
    assert scored.cached_segments == 3 * len(names) * len(ts) - expected
    local = score_testset(ts, _metrics(), None, 1, LocalExecutor())
    for key, stats in local.stats.items():
        assert np.array_equal(stats, scored.stats[key]), key
    cache.close()


def _score_cli(tmp_path: Path, name: str, *extra: str, rows: int | None = None) -> tuple[dict, pd.DataFrame]:
    refs, hyps = _files() if rows is None else _subset_files(tmp_path, rows)
    out = tmp_path / name
    args = [sys.executable, "-m", "eval.cli", "score", "--refs", *map(str, refs), "--hyps", *map(str, hyps),
            "-l", PAIR, "--cache", "off", "--format", "json", "--confidence", "--paired-bs", "--out", str(out), *extra]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), pd.read_parquet(out / "segments.parquet")


def test_cli_parity_scores_intervals_p_values(cluster, tiny_bert, tmp_path):
    """``mteval score --executor ray --ray-address``: corpus scores, confidence
    intervals, p-values and segment scores equal the local run's exactly, for the
    lexical metrics (Ray Core tasks) and BERTScore (an actor pool)."""
    metrics = ("-m", "bleu,chrf,ter,bertscore", "--model", tiny_bert, "-o", "bertscore.layer=2")
    local, local_segments = _score_cli(tmp_path, "local", *metrics, rows=MODEL_ROWS)
    remote, remote_segments = _score_cli(tmp_path, "ray", *metrics, "--executor", "ray",
                                         "--ray-address", cluster.address, rows=MODEL_ROWS)
    assert "bertscore" in local_segments.columns
    assert remote == local
    assert any("p_value" in json.dumps(entry) for entry in local["systems"].values())
    pd.testing.assert_frame_equal(remote_segments, local_segments, check_exact=True)


def test_run_config_on_the_cluster(cluster, tmp_path):
    """``mteval run CONFIG --executor ray --ray-address``: the same segments.parquet."""
    from test_execution_ray import run_config_file

    frames = []
    for name, extra in (("local", []), ("ray", ["--executor", "ray", "--ray-address", cluster.address])):
        (tmp_path / name).mkdir()
        proc = subprocess.run([sys.executable, "-m", "eval.cli", "run", run_config_file(tmp_path / name), *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=180,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        frames.append(pd.read_parquet(tmp_path / name / "out" / "segments.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)


class _FailsOnWorker:
    """A real BLEU whose ``prepare`` fails on a cluster worker only (the driver
    builds it): raising a user error, or killing its worker process every time."""

    __slots__ = ()
    how = "raise"

    def prepare(self, sources, refs):
        if ray.is_initialized() and ray.get_runtime_context().worker.mode == ray.WORKER_MODE:
            if self.how == "raise":
                raise UserError("refs.fr:3: a user error found on a worker")
            os._exit(1)
        return super().prepare(sources, refs)


_BLEU = type(build_metrics(metric_specs(["bleu"]), "fr")["bleu"])


class RaisingBleu(_FailsOnWorker, _BLEU):
    __slots__ = ()
    how = "raise"


class ExitingBleu(_FailsOnWorker, _BLEU):
    __slots__ = ()
    how = "exit"


def _failing_bleu(cls):
    """BLEU as the registry builds it, of the failing class (defined at module
    level so the workers import it by name)."""
    return {"bleu": cls(trg_lang="fr", engine="auto")}


def test_user_error_on_a_worker_reads_as_locally(cluster):
    with pytest.raises(UserError) as err:
        score_testset(_testset(), _failing_bleu(RaisingBleu), None, None, RayExecutor(ExecutorSpec("ray")))
    assert str(err.value) == "refs.fr:3: a user error found on a worker"


def test_chunk_lost_for_good_names_it(cluster):
    """Every attempt kills its worker: after the retries the run stops, naming the chunk
    (one system and 40 rows, so the retries take seconds, not minutes)."""
    full = _testset()
    name = next(iter(full.systems))
    ts = TestSet(full.name, "de", "fr", full.source[:40], {"A": full.references["A"][:40]},
                 {name: full.systems[name][:40]})
    with pytest.raises(UserError) as err:
        score_testset(ts, _failing_bleu(ExitingBleu), None, None, RayExecutor(ExecutorSpec("ray")))
    assert str(err.value).startswith(f"wmt22-de-fr: metric bleu, system {name}, chunk rows 1-40: lost on the "
                                      "Ray cluster after 3 retries")
    assert "\n" not in str(err.value)


class RaiseBertScore(_FailsOnWorker, BERTScore):
    how = "raise"


class ExitBertScore(_FailsOnWorker, BERTScore):
    how = "exit"


def test_user_error_on_an_actor_reads_as_locally(cluster, tiny_bert):
    ts = _testset(40)
    with pytest.raises(UserError) as err:
        score_testset(ts, {"bertscore": RaiseBertScore(model=tiny_bert, layer=2, device="cpu")}, None, None,
                      RayExecutor(ExecutorSpec("ray")))
    assert str(err.value) == "refs.fr:3: a user error found on a worker"


def test_actor_lost_for_good_names_the_chunk(cluster, tiny_bert):
    """The actor's process dies on every attempt: after its restarts the run stops,
    naming the chunk (one system of 40 rows)."""
    full = _testset(40)
    name = next(iter(full.systems))
    ts = TestSet(full.name, "de", "fr", full.source, full.references, {name: full.systems[name]})
    with pytest.raises(UserError) as err:
        score_testset(ts, {"bertscore": ExitBertScore(model=tiny_bert, layer=2, device="cpu")}, None, None,
                      RayExecutor(ExecutorSpec("ray")))
    assert str(err.value).startswith(f"wmt22-de-fr: metric bertscore, system {name}, chunk rows 1-40: lost on "
                                      "the Ray cluster after 3 retries"), str(err.value)
    assert "\n" not in str(err.value)


def test_gpus_asked_for_that_no_node_has(cluster, tiny_bert):
    """``gpus_per_worker: 1`` on a cluster without GPUs: one line saying so, not a hang."""
    with pytest.raises(UserError) as err:
        score_testset(_testset(40), {"bertscore": _bertscore(tiny_bert)}, None, None,
                      RayExecutor(ExecutorSpec("ray", gpus_per_worker=1.0)))
    assert str(err.value) == ("no node of the Ray cluster has 1 GPU and 1 CPU for a model worker "
                              "(executor.gpus_per_worker)")


def _cached_keys(path: Path) -> set[bytes]:
    import sqlite3

    if not path.exists():
        return set()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        try:
            return {key for (key,) in db.execute("SELECT key FROM stats")}
        except sqlite3.OperationalError:  # the driver has not made the table yet
            return set()


def _copy_database(source: Path, target: Path) -> None:
    """A copy that includes what is still in the write-ahead log."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _kill_driver_when(cluster, tmp_path: Path, args: list[str], ready, chunk_rows: int) -> None:
    """``mteval score ARGS --executor ray --cache C`` with ``chunk_rows``-row lexical
    chunks, SIGKILLed once ``ready(cached keys)`` holds while it still runs."""
    prelude = f"import eval.execution.cluster as c; c.CHUNK_ROWS = {chunk_rows}"
    code = f"import sys; {prelude}; from eval.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "score", *args, "--cache", str(tmp_path / "c.sqlite"),
                             "--executor", "ray", "--ray-address", cluster.address], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 150
    try:
        while proc.poll() is None and time.monotonic() < deadline and not ready(_cached_keys(tmp_path / "c.sqlite")):
            time.sleep(0.02)
        assert proc.poll() is None, f"the run ended before the driver could be killed: {proc.stderr.read()[-2000:]}"
    finally:
        proc.kill()  # SIGKILL: no cleanup, no last write
        proc.wait(timeout=30)


def test_lost_driver_rerun_skips_finished_lexical_chunks(cluster, tmp_path):
    """The driver is SIGKILLed while lexical chunks come back; the cluster stays. A
    rerun dispatches exactly the rows no finished chunk wrote, and its statistics
    equal a clean run's."""
    ts = _testset()
    keys = {label: [segment_keys(m.signature(1), ts.source, [ts.references["A"]], hyps) for hyps in ts.systems.values()]
            for label, m in _metrics().items()}
    every = {k for per in keys.values() for system in per for k in system}
    refs, hyps = _files()
    _kill_driver_when(cluster, tmp_path, ["--refs", *map(str, refs), "--hyps", *map(str, hyps), "-l", PAIR],
                      lambda cached: len(cached & every) >= 64, chunk_rows=16)
    cached = _cached_keys(tmp_path / "c.sqlite")
    missing = sum(k not in cached for per in keys.values() for system in per for k in system)
    assert 0 < missing < sum(len(system) for per in keys.values() for system in per)
    cache = StatsCache(tmp_path / "c.sqlite")
    executor = RayExecutor(ExecutorSpec("ray"), chunk_rows=16)
    scored = score_testset(ts, _metrics(), cache, None, executor)
    cache.close()
    assert sum(stop - start for *_, start, stop in executor.dispatched) == missing == scored.computed_segments
    local = score_testset(ts, _metrics(), None, 1, LocalExecutor())
    for key, stats in local.stats.items():
        assert np.array_equal(stats, scored.stats[key]), key


def test_lost_driver_rerun_skips_finished_model_chunks(cluster, tiny_bert, local_bertscore, tmp_path):
    """The driver is SIGKILLed once BERTScore has finished some systems but not all;
    a rerun sends only the unfinished systems to the actor pool, and its statistics
    equal a clean run's."""
    ts = _testset(MODEL_ROWS)
    signature = _bertscore(tiny_bert).signature(1)
    keys = {name: set(segment_keys(signature, ts.source, [ts.references["A"]], hyps))
            for name, hyps in ts.systems.items()}
    refs, hyps = _subset_files(tmp_path, MODEL_ROWS)
    _kill_driver_when(cluster, tmp_path, ["--refs", *map(str, refs), "--hyps", *map(str, hyps), "-l", PAIR,
                                          "-m", "bertscore", "--model", tiny_bert, "-o", "bertscore.layer=2"],
                      lambda cached: any(k <= cached for k in keys.values()), chunk_rows=256)
    cached = _cached_keys(tmp_path / "c.sqlite")
    finished = {name for name, k in keys.items() if k <= cached}
    assert 0 < len(finished) < len(ts.systems)
    _copy_database(tmp_path / "c.sqlite", tmp_path / "local.sqlite")  # the same cache state for a local rerun
    reruns = {}
    for name, executor in (("c", RayExecutor(ExecutorSpec("ray"))), ("local", LocalExecutor())):
        cache = StatsCache(tmp_path / f"{name}.sqlite")
        reruns[name] = score_testset(ts, {"bertscore": _bertscore(tiny_bert)}, cache, 1, executor)
        cache.close()
        if name == "c":
            assert {system for _, system, _ in executor.model_dispatched} == set(ts.systems) - finished
    clean = local_bertscore
    for key, stats in clean.stats.items():
        assert np.array_equal(reruns["c"].stats[key], reruns["local"].stats[key]), key
        # A system some of whose segments another system's finished chunk had cached
        # (identical outputs) scores only the rest, batched on their own, as the
        # local run does on a rerun: equal to a clean run to float32 rounding.
        np.testing.assert_allclose(reruns["c"].stats[key], stats, rtol=0, atol=1e-6, err_msg=str(key))
        if not keys[key[1]] & cached:
            assert np.array_equal(reruns["c"].stats[key], stats), key


class SlowBertScore(BERTScore):
    """BERTScore taking a second per chunk: a node can be killed while it scores."""

    def segment_stats(self, hypotheses, prepared):
        time.sleep(1.0)
        return super().segment_stats(hypotheses, prepared)


def _kill_worker_node_mid_run(cluster, executor: RayExecutor, score, chunks_done: int, wait_s: float):
    """Run ``score()`` in a thread; once the second node has done ``chunks_done``
    chunks, kill it (no grace) and add a replacement node; return the result."""
    worker = next(node for node in cluster.list_all_nodes() if node is not cluster.head_node)
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(scored=score()))
    thread.start()
    deadline = time.monotonic() + wait_s
    while executor.nodes[worker.node_id] < chunks_done and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert thread.is_alive(), "the run ended before the node could be killed; use smaller chunks"
    cluster.remove_node(worker, allow_graceful=False)
    cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE)  # on the main thread, as Ray requires
    thread.join(timeout=150)
    assert not thread.is_alive(), "the run did not finish after the node was lost"
    assert executor.nodes[worker.node_id] >= chunks_done
    return outcome["scored"]


def test_model_worker_node_killed_mid_run(cluster, tiny_bert, local_bertscore):
    """The second node dies (no grace) once its actor has scored chunks of BERTScore;
    the actor it held is replaced on a live node, its chunk scored again: the
    statistics are the local run's, no row lost or doubled. Changes the cluster
    (a replacement node joins), so it runs among the last."""
    ts = _testset(MODEL_ROWS)
    metric = _bertscore(tiny_bert)
    metric.inner.__class__ = SlowBertScore  # the same numbers, a second per chunk
    executor = RayExecutor(ExecutorSpec("ray"), model_batches=1)
    scored = _kill_worker_node_mid_run(
        cluster, executor, lambda: score_testset(ts, {"bertscore": metric}, None, None, executor), 2, 90)
    for key, stats in local_bertscore.stats.items():
        assert np.array_equal(stats, scored.stats[key]), key
    assert len(executor.actors) == 3, executor.actors  # the lost node's actor was replaced


def test_worker_node_killed_mid_run_and_replaced(cluster):
    """The second node dies (no grace) once it has computed chunks; its lost
    tasks and results run again elsewhere and a replacement node joins: the
    statistics are the local run's, no row lost or doubled. Runs last: it
    changes the cluster."""
    ts = _testset()
    executor = RayExecutor(ExecutorSpec("ray"), chunk_rows=8)  # many small tasks: the kill lands mid-run
    scored = _kill_worker_node_mid_run(
        cluster, executor, lambda: score_testset(ts, _metrics(), None, None, executor), 3, 60)
    local = score_testset(ts, _metrics(), None, 1, LocalExecutor())
    for key, stats in local.stats.items():
        assert len(scored.stats[key]) == len(ts)
        assert np.array_equal(stats, scored.stats[key]), key

