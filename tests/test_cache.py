"""The statistics cache: warm reruns compute nothing, an added or edited system
computes only what is new, and concurrent writers lose no rows."""
from __future__ import annotations

import multiprocessing

import numpy as np

from conftest import CORPORA
from eval.config import metric_specs
from eval.corpora.files import read_lines
from eval.corpora.model import TestSet
from eval.scoring import build_metrics, score_testset
from eval.store import StatsCache, segment_keys

ES = CORPORA / "es-en"


def _testset(systems=("strong", "literal")) -> TestSet:
    return TestSet("t", "es", "en", read_lines(ES / "source.es"), {"A": read_lines(ES / "ref.A.en")},
                   {s: read_lines(ES / f"hyp.{s}.en") for s in systems})


def _score(ts, cache):
    return score_testset(ts, build_metrics(metric_specs(["bleu", "chrf", "ter"]), "en"), cache, jobs=2)


def test_warm_rerun_and_added_system(tmp_path):
    cache = StatsCache(tmp_path / "stats.sqlite")
    cold = _score(_testset(), cache)
    assert cold.computed_segments == 3 * 2 * 34 and cold.cached_segments == 0
    warm = _score(_testset(), cache)
    assert warm.computed_segments == 0 and warm.cached_segments == 3 * 2 * 34
    for key, stats in cold.stats.items():
        np.testing.assert_array_equal(warm.stats[key], stats)
    added = _score(_testset(("strong", "literal", "scraped")), cache)
    assert added.computed_segments == 3 * 34, "only the new system is computed"


def test_edited_segments_recomputed_alone(tmp_path):
    cache = StatsCache(tmp_path / "stats.sqlite")
    _score(_testset(), cache)
    ts = _testset()
    ts.systems["strong"][4] = "A completely different fifth line."
    ts.systems["strong"][9] = ""
    scored = _score(ts, cache)
    assert scored.computed_segments == 3 * 2
    fresh = _score(ts, StatsCache(None))
    for key, stats in fresh.stats.items():
        np.testing.assert_array_equal(scored.stats[key], stats)


def test_keys_depend_on_signature_and_every_text():
    base = segment_keys("sig", ["s"], [["r"]], ["h"])
    assert base != segment_keys("sig2", ["s"], [["r"]], ["h"])
    assert base != segment_keys("sig", ["s2"], [["r"]], ["h"])
    assert base != segment_keys("sig", ["s"], [["r2"]], ["h"])
    assert base != segment_keys("sig", ["s"], [["r"]], ["h2"])
    assert base != segment_keys("sig", ["s"], [["r"], [""]], ["h"])


def _writer(args):
    path, worker = args
    cache = StatsCache(path)
    for batch in range(20):
        cache.put_many((f"{worker}-{batch}-{i}".encode(), np.full(3, worker + i)) for i in range(50))
    cache.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_writer, [(path, w) for w in range(4)])
    cache = StatsCache(path)
    keys = [f"{w}-{b}-{i}".encode() for w in range(4) for b in range(20) for i in range(50)]
    found = cache.get_many(keys)
    assert len(found) == len(keys)
    np.testing.assert_array_equal(found[b"3-7-9"], np.full(3, 12.0))


def test_uncacheable_metric_is_never_cached(tmp_path):
    """A metric whose segment statistics depend on the whole test set (BERTScore
    with idf) must not be served from, or written to, the segment cache."""
    cache = StatsCache(tmp_path / "stats.sqlite")
    metrics = build_metrics(metric_specs(["chrf"]), "en")
    metrics["chrf"].cacheable = False
    first = score_testset(_testset(), metrics, cache)
    second = score_testset(_testset(), metrics, cache)
    assert first.computed_segments == second.computed_segments == 2 * 34
    assert cache.get_many(segment_keys(first.signatures["chrf"], _testset().source, [_testset().references["A"]],
                                       _testset().systems["strong"])) == {}


def test_warm_rerun_uses_whole_matrices(tmp_path):
    """A rerun is served from whole-system matrices; a changed system misses its
    matrix but still reuses its unchanged segments."""
    cache = StatsCache(tmp_path / "stats.sqlite")
    _score(_testset(), cache)
    ts = _testset()
    refs = [ts.references["A"]]
    for label, metric in build_metrics(metric_specs(["bleu", "chrf", "ter"]), "en").items():
        from eval.store import matrix_key

        key = matrix_key(metric.signature(1), ts.source, refs, ts.systems["strong"])
        np.testing.assert_array_equal(cache.get_matrix(key), _score(_testset(), StatsCache(None)).stats[label, "strong"])
    ts.systems["literal"][0] = "changed"
    assert _score(ts, cache).computed_segments == 3


def _open_and_write(args):
    path, worker = args
    cache = StatsCache(path)
    cache.put_many([(str(worker).encode(), np.zeros(2))])
    cache.close()


def test_processes_opening_a_fresh_database_at_once_all_succeed(tmp_path):
    """Switching a new file to WAL can be refused at once ("database is
    locked") when others open it at the same moment; it must be retried."""
    with multiprocessing.get_context("fork").Pool(8) as pool:
        for attempt in range(40):
            path = tmp_path / f"fresh-{attempt}.sqlite"
            pool.map(_open_and_write, [(path, w) for w in range(8)])
            assert len(StatsCache(path).get_many([str(w).encode() for w in range(8)])) == 8
