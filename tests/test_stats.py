"""Unit behaviour of eval.stats: seeds, chunking, clusters, errors."""
from __future__ import annotations

import numpy as np
import pytest

from eval import stats
from eval.errors import UserError
from eval.metrics.base import MeanScoreMetric


def mean_stats(scores) -> np.ndarray:
    return MeanScoreMetric.stats_from_scores(scores)


def mean_score(sums):
    """MeanScoreMetric's corpus score (the mean), which needs no instance."""
    return MeanScoreMetric.score_from_sums(None, sums)


@pytest.fixture
def three_systems():
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.2, size=301)
    return {
        "base": mean_stats(base),
        "same": mean_stats(base + rng.normal(0, 0.01, size=301)),
        "worse": mean_stats(base - 0.1 + rng.normal(0, 0.05, size=301)),
    }


def test_seed_resolution(monkeypatch):
    monkeypatch.delenv(stats.SEED_ENV, raising=False)
    assert stats.resolve_seed() == 12345
    monkeypatch.setenv(stats.SEED_ENV, "7")
    assert stats.resolve_seed() == 7
    assert stats.resolve_seed(3) == 3
    monkeypatch.setenv(stats.SEED_ENV, "None")
    assert stats.resolve_seed() is None


@pytest.mark.parametrize("chunk_rows", [32, 96, 480])
def test_chunked_resampling_equals_one_chunk(monkeypatch, three_systems, chunk_rows):
    """Bit-identical, not close: each resample's sums are computed the same way
    whatever else is in its chunk (float neural-style statistics here, which a
    BLAS product would sum in a shape-dependent order)."""
    fn = mean_score
    whole_bs = stats.paired_bootstrap(three_systems, fn, "base", seed=1)
    whole_ar = stats.paired_ar(three_systems, fn, "base", n_trials=1000, seed=1)
    whole_ci = stats.confidence_intervals(three_systems, fn, seed=1)
    monkeypatch.setattr(stats, "_CHUNK_BYTES", 8 * 301 * chunk_rows)
    assert stats._chunk_rows(1000, 301) == chunk_rows
    assert stats._chunk_rows(10, 301) == 10
    assert stats.paired_bootstrap(three_systems, fn, "base", seed=1) == whole_bs
    assert stats.paired_ar(three_systems, fn, "base", n_trials=1000, seed=1) == whole_ar
    assert stats.confidence_intervals(three_systems, fn, seed=1) == whole_ci


def test_a_resample_scores_the_same_whatever_is_drawn_with_it():
    """The first n resamples of 64 equal n resamples drawn alone, bit for bit
    (a BLAS product sums one row differently from 64: matrix-vector kernel,
    edge tiles), on float statistics over 2,001 segments."""
    rng = np.random.default_rng(0)
    systems = {f"s{i}": mean_stats(rng.normal(0.5, 0.2, size=2001)) for i in range(5)}
    _, many = stats.bootstrap_scores(systems, mean_score, n_samples=64, seed=3)
    for n in (1, 2, 3, 5, 32):
        _, few = stats.bootstrap_scores(systems, mean_score, n_samples=n, seed=3)
        assert few.tolist() == many[:n].tolist(), n


def test_integer_statistics_resample_to_exact_integer_sums():
    """Lexical statistics are counts: every resample's sums are the exact
    integers (integer arithmetic here), whatever BLAS sums them."""
    rng = np.random.default_rng(4)
    counts = {name: rng.integers(0, 10**9, size=(257, 3)).astype(np.float64) for name in ("a", "b")}
    _, sums = stats.bootstrap_scores(counts, lambda s: s[..., 2], n_samples=64, seed=9)
    idx = np.random.default_rng(9).choice(257, size=(64, 257), replace=True)
    for k, name in enumerate(counts):
        exact = counts[name].astype(np.int64)[idx].sum(axis=1)[:, 2]
        assert sums[:, k].tolist() == exact.tolist()


def test_resampled_sums_equal_explicit_row_sums(three_systems):
    """The count-matrix product equals summing the resampled rows directly."""
    fn = mean_score
    _, samples = stats.bootstrap_scores(three_systems, fn, n_samples=50, seed=5)
    idx = np.random.default_rng(5).choice(301, size=(50, 301), replace=True)
    for k, name in enumerate(three_systems):
        direct = fn(three_systems[name][idx].sum(axis=1))
        np.testing.assert_allclose(samples[:, k], direct, rtol=1e-12)


def test_verdicts_on_synthetic_systems(three_systems):
    fn = mean_score
    for result in (stats.paired_bootstrap(three_systems, fn, "base"),
                   stats.paired_ar(three_systems, fn, "base", n_trials=2000)):
        assert result["base"].p_value is None
        assert result["worse"].p_value < 0.01
        assert result["same"].p_value > 0.05
    ci = stats.confidence_intervals(three_systems, fn)
    for name, r in ci.items():
        assert r.ci[0] <= r.score <= r.ci[1], name
        assert r.half_width == pytest.approx((r.ci[1] - r.ci[0]) / 2)


def test_identical_systems_get_sacrebleus_minimum_p_value(three_systems):
    """sacreBLEU counts null statistics strictly above the observed difference, so
    two identical systems (every difference 0) get p = 1/(n+1); callers must
    look at the delta too (the gate does, and clusters need unequal scores)."""
    fn = mean_score
    twins = {"a": three_systems["base"], "b": three_systems["base"].copy()}
    assert stats.paired_bootstrap(twins, fn, "a")["b"].p_value == 1 / 1001
    assert stats.paired_ar(twins, fn, "a", n_trials=500)["b"].p_value == 1 / 501
    names, p = stats.pairwise_p_values(twins, fn)
    assert stats.clusters({"a": 1.0, "b": 1.0}, names, p) == {"a": 1, "b": 1}


def test_errors(three_systems):
    fn = mean_score
    with pytest.raises(UserError, match="unknown baseline system 'nope'"):
        stats.paired_bootstrap(three_systems, fn, "nope")
    with pytest.raises(ValueError, match="differ in shape"):
        stats.paired_bootstrap({"a": mean_stats([1, 2]), "b": mean_stats([1, 2, 3])}, fn, "a")
    with pytest.raises(ValueError, match="unknown test"):
        stats.pairwise_p_values(three_systems, fn, test="t")


def matrix(names, significant_pairs):
    m = np.ones((len(names), len(names)))
    for a, b in significant_pairs:
        i, j = names.index(a), names.index(b)
        m[i, j] = m[j, i] = 0.01
    np.fill_diagonal(m, np.nan)
    return m


def test_clusters_boundary_needs_every_system_above_to_beat_every_system_below():
    names = ["A", "B", "C", "D"]
    scores = {"A": 40.0, "B": 39.0, "C": 35.0, "D": 34.5}
    everything_but_ab_and_cd = [("A", "C"), ("A", "D"), ("B", "C"), ("B", "D")]
    assert stats.clusters(scores, names, matrix(names, everything_but_ab_and_cd)) == {
        "A": 1, "B": 1, "C": 2, "D": 2}
    # B is not significantly better than D: C cannot start a cluster below B.
    weaker = [("A", "C"), ("A", "D"), ("B", "C")]
    assert stats.clusters(scores, names, matrix(names, weaker)) == {"A": 1, "B": 1, "C": 1, "D": 1}
    # All pairs significant: one cluster per system.
    all_pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    assert stats.clusters(scores, names, matrix(names, all_pairs)) == {"A": 1, "B": 2, "C": 3, "D": 4}


def test_clusters_lower_is_better_and_equal_scores():
    names = ["x", "y", "z"]
    ter = {"x": 60.0, "y": 50.0, "z": 50.0}
    sig = matrix(names, [("x", "y"), ("x", "z"), ("y", "z")])
    assert stats.clusters(ter, names, sig, higher_is_better=False) == {"y": 1, "z": 1, "x": 2}


def test_paired_delta_matches_paired_bootstrap(three_systems):
    fn = mean_score
    pair = {"base": three_systems["base"], "worse": three_systems["worse"]}
    delta = stats.paired_delta(pair["base"], pair["worse"], fn)
    reference = stats.paired_bootstrap(pair, fn, "base")
    assert delta.p_value == reference["worse"].p_value
    assert delta.delta == pytest.approx(reference["worse"].score - reference["base"].score)
    assert delta.ci[0] <= delta.delta <= delta.ci[1] < 0


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_significance_entries_agree_with_the_single_functions(three_systems, test):
    fn = mean_score
    entries = stats.significance_entries(three_systems, fn, test=test, baseline="base", n_samples=800, seed=3)
    paired = (stats.paired_bootstrap if test == "bs" else stats.paired_ar)(three_systems, fn, "base", 800, seed=3)
    intervals = stats.confidence_intervals(three_systems, fn, seed=3)
    assert "p_value" not in entries["base"]
    for name in ("same", "worse"):
        assert entries[name]["p_value"] == paired[name].p_value
    for name, entry in entries.items():
        expected = paired[name].ci if test == "bs" else intervals[name].ci  # AR: plain 1000 resamples
        assert entry["ci"] == list(expected)
        assert entry["ci"][0] <= entry["mean"] <= entry["ci"][1]
    assert entries["base"]["cluster"] == entries["same"]["cluster"] == 1
    assert entries["worse"]["cluster"] == 2
    lower = stats.significance_entries(three_systems, fn, higher_is_better=False, confidence=False)
    assert lower["worse"]["cluster"] == 1 and lower["base"]["cluster"] == 2 and "ci" not in lower["base"]
