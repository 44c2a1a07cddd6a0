"""eval.meta against MTME's own unit-test expectations (stats_test.py,
tau_optimization_test.py, pce_test.py at the commit in
../shared/reference/mt-metrics-eval/COMMIT), and undefined statistics."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from eval.meta import agreement, assign_ranks, compare_metrics, pooled_accuracy
from eval.meta import correlation, kendall, pairwise, ties
from eval.meta.groups import rated_groups


def matrix(num_sys: int, packed: list) -> np.ndarray:
    """MTME's packed system-major vector (None = missing) as a matrix."""
    return np.array([np.nan if v is None else v for v in packed], float).reshape(num_sys, -1)


def corr(num_sys, gold, metric, by, stat, variant="b"):
    h, m, mask = rated_groups(matrix(num_sys, gold), matrix(num_sys, metric), by)
    if stat == "pearson":
        per_group = correlation.pearson_groups(h, m, mask)
    else:
        per_group = kendall.tau(kendall.pair_counts(h, m, mask), variant)
    return correlation.group_mean(per_group)


G6, M6 = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 3, 7]


@pytest.mark.parametrize("by,expected", [("none", 0.776), ("sys", 0.760), ("item", 1.0)])
def test_pearson_as_mtme(by, expected):
    assert corr(2, G6, M6, by, "pearson") == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("by,b,c", [("none", 0.552, 0.556), ("sys", 0.575, 0.611), ("item", 1.0, 1.0)])
def test_kendall_b_and_c_as_mtme(by, b, c):
    assert corr(2, G6, M6, by, "kendall", "b") == pytest.approx(b, abs=5e-4)
    assert corr(2, G6, M6, by, "kendall", "c") == pytest.approx(c, abs=5e-4)


def test_missing_gold_drops_the_pair_and_constant_rows_drop_out_of_the_average():
    # AverageCorrelationTest.testMissingEntries / testAverageByItemWithMissingEntries / testNaNHandling
    assert corr(1, [1, None, 3, 4, 5, 6], [2, 1, 4, 3, 5, 6], "none", "pearson") == pytest.approx(
        correlation.pearson(np.array([1, 3, 4, 5, 6.0]), np.array([2, 4, 3, 5, 6.0])), abs=1e-15)
    p1 = correlation.pearson(np.array([1, 4.0]), np.array([2, 3.0]))
    p3 = correlation.pearson(np.array([3, 6.0]), np.array([8, 6.0]))
    assert corr(2, [1, None, 3, 4, 5, 6], [2, 1, 8, 3, 5, 6], "item", "pearson") == pytest.approx((p1 + p3) / 2)
    assert corr(2, [1, 2, 3, 4, 5, 6], [2, 2, 2, 4, 5, 6], "sys", "pearson") == pytest.approx(1.0)


GOLD5, METRIC5 = np.array([[1, 2, 2, 3, 4.0]]), np.array([[2, 1, 1.5, 5, 3]])
ALL5 = np.ones((1, 5), bool)


def test_kendall_variants_as_mtme():
    counts = kendall.pair_counts(GOLD5, METRIC5, ALL5)
    assert kendall.tau(counts, "b")[0] == pytest.approx(0.316227766, abs=1e-9)
    assert kendall.tau(counts, "c")[0] == 0.32
    assert kendall.tau(counts, "acc23")[0] == 0.6
    assert ties.acc_eq(GOLD5, METRIC5, ALL5, epsilon=2)[0] == 0.4
    assert ties.calibrate(GOLD5, METRIC5, ALL5).accuracy == 0.7


def test_acc23_counts_ties_in_both_as_agreement():
    # testKendallVariants_23: 21 pairs, 2 discordant, 3 tied in x only, 2 in y only, 1 in both
    x, y = np.array([[1, 1, 1, 2, 2, 3, 4.0]]), np.array([[1, 1, 2, 2, 4, 3, 3.0]])
    counts = kendall.pair_counts(x, y, np.ones((1, 7), bool))
    assert kendall.tau(counts, "acc23")[0] == (21 - 2 - 3 - 2 - 1 + 1) / 21


def test_tau_optimization_as_mtme():
    one = np.ones((1, 4), bool)
    best0 = ties.calibrate(np.array([[1, 2, 3, 4.0]]), np.array([[0, 2, 6, 8.0]]), one)
    assert best0.epsilons.tolist() == [0, 2, 4, 6, 8]
    assert best0.accuracies.tolist() == [6 / 6, 4 / 6, 3 / 6, 1 / 6, 0 / 6]
    assert (best0.epsilon, best0.accuracy) == (0, 1.0)
    best4 = ties.calibrate(np.array([[1, 1, 1, 4.0]]), np.array([[0, 2, 6, 8.0]]), one)
    assert best4.accuracies.tolist() == [3 / 6, 3 / 6, 4 / 6, 4 / 6, 3 / 6]
    assert (best4.epsilon, best4.accuracy) == (4, 4 / 6)


def test_tau_optimization_regression_example_of_mtme():
    metric = np.array([[0, 5, 2, 3, 2], [np.nan, 2, 1, 5, 3], [9, 1, 5, 3, 8], [9, 3, 4, 4, 1], [np.nan] * 5])
    human = np.array([[1, 5, 2, 1, 1], [4, 2, 2, 1, 4], [5, 9, 2, 8, 7], [7, 6, np.nan, 3, 2], [np.nan] * 5])
    mask = ~np.isnan(human)
    result = ties.calibrate(np.where(mask, human, 0), metric, mask)
    assert result.epsilons.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert result.accuracies.tolist() == [
        0.4666666666666667, 0.4916666666666668, 0.38333333333333347, 0.29166666666666674,
        0.2666666666666667, 0.2, 0.15833333333333335, 0.15833333333333335, 0.1166666666666667]
    assert (result.epsilon, result.accuracy) == (1, 0.4916666666666668)


def test_calibrated_acc_eq_equals_acc_eq_at_its_epsilon_in_every_grouping():
    # stats_test testKendallWithTiesOpt
    gold, metric = [1, 2, 2, 3, 3, 4], [2, 1, 1.5, 5, 3, 2]
    for num_sys, by in ((1, "none"), (2, "sys"), (2, "item")):
        h, m, mask = rated_groups(matrix(num_sys, gold), matrix(num_sys, metric), by)
        result = ties.calibrate(h, m, mask)
        assert result.accuracy == pytest.approx(np.mean(ties.acc_eq(h, m, mask, result.epsilon)), abs=1e-15)


def test_darr_as_mtme():
    # CorrelationFunctionsTest.testKendallLike and CorrelationTest.testKendallLike
    one = np.ones((1, 4), bool)
    assert pairwise.darr(np.array([[10, 11, 100, 150.0]]), np.array([[2, 1, 4, 3.0]]), one) == (4, 1)
    assert pairwise.darr(np.array([[10, 11, 100, 150.0]]), np.array([[2, 1, 4, 3.0]]), one, threshold=1) == (4, 2)
    h, m, mask = rated_groups(matrix(1, [10, None, 100, 150]), matrix(1, [2, 1, 4, 3]), "none")
    c, d = pairwise.darr(h, m, mask, threshold=1)
    assert (c - d) / (c + d) == 1 / 3
    for gold in ([10, 11, 100, 150], [10, None, 100, 150]):
        h, m, mask = rated_groups(matrix(2, gold), matrix(2, [2, 1, 4, 3]), "item")
        c, d = pairwise.darr(h, m, mask, threshold=1)
        assert (c - d) / (c + d) == 1


def test_agreement_counts_as_mtme():
    assert pairwise.agreements(np.array([1, 2, 3, 3, 4.0]), np.array([1, 1, 2, 1, 2.0])) == (5, 10)


def test_soft_pairwise_accuracy_as_mtme():
    seg_h, seg_m = matrix(2, [1, 2, 3, 2, 3, 4]), matrix(2, [2, 2, 4, 1, 3, 5])
    signs = pairwise.spa_signs(3)
    spa = pairwise.soft_pairwise_accuracy(pairwise.pairwise_p_values(seg_h, signs), pairwise.pairwise_p_values(seg_m, signs))
    assert spa == pytest.approx(0.872, abs=5e-4)


def test_spa_p_values_are_deterministic():
    scores = np.random.default_rng(7).random((10, 100))
    np.testing.assert_array_equal(pairwise.pairwise_p_values(scores, pairwise.spa_signs(100)),
                                  pairwise.pairwise_p_values(scores, pairwise.spa_signs(100)))


def test_assign_ranks_starts_a_cluster_at_the_first_metric_beaten_within_the_current_one():
    sig = np.full((4, 4), 0.5)
    sig[0, 2] = 0.01  # metric 0 beats metric 2: a new cluster starts at 2 ...
    sig[1, 3] = 0.01  # ... and metric 1's win over 3 no longer counts (1 is in an earlier cluster)
    assert assign_ranks(sig) == [1, 1, 2, 2]
    sig[2, 3] = 0.04
    assert assign_ranks(sig) == [1, 1, 2, 3]


def _quiet_agreement(*args, **kwargs):
    """agreement() with every numpy warning and floating-point error turned
    into an exception, so an undefined statistic must not warn."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return agreement(*args, **kwargs)


def test_constant_metric_gives_nan_with_reasons_and_no_warning(capfd):
    human = np.arange(20.0).reshape(4, 5)
    values, reasons = _quiet_agreement(human, np.ones((4, 5)))
    for key in ("sys_pearson", "sys_spearman", "sys_kendall_b", "seg_pearson_none", "seg_kendall_b_item"):
        assert np.isnan(values[key]) and "metric" in reasons[key]
    assert values["sys_accuracy"] == 0.0  # defined: no pair ordered alike
    assert capfd.readouterr().err == ""


def test_constant_human_scores_give_nan_with_reasons():
    values, reasons = _quiet_agreement(np.full((4, 5), 3.0), np.arange(20.0).reshape(4, 5))
    assert np.isnan(values["sys_pearson"]) and "human" in reasons["sys_pearson"]
    assert np.isnan(values["seg_pearson_item"]) and "human" in reasons["seg_pearson_item"]


def test_fewer_than_three_systems_leave_system_correlations_undefined():
    rng = np.random.default_rng(0)
    values, reasons = _quiet_agreement(rng.random((2, 6)), rng.random((2, 6)))
    assert np.isnan(values["sys_pearson"]) and reasons["sys_pearson"] == "fewer than 3 systems with human scores (2)"
    assert not np.isnan(values["sys_accuracy"])


def test_all_human_scores_missing_is_undefined_everywhere_not_a_crash():
    values, reasons = _quiet_agreement(np.full((4, 5), np.nan), np.random.default_rng(1).random((4, 5)))
    assert all(np.isnan(v) for v in values.values())
    assert set(reasons) == set(values)
    assert reasons["seg_pearson_none"] == "no rated segments"


def test_systems_without_human_scores_are_dropped():
    rng = np.random.default_rng(2)
    human, metric = rng.random((5, 8)), rng.random((5, 8))
    with_unrated = np.vstack([human, np.full(8, np.nan)])
    a, _ = agreement(human, metric)
    b, _ = agreement(with_unrated, np.vstack([metric, rng.random(8)]))
    np.testing.assert_equal(a, b)  # NaN == NaN here


def test_bad_shapes_and_missing_metric_scores_are_errors():
    with pytest.raises(ValueError, match="metric_seg has shape"):
        agreement(np.zeros((3, 4)), np.zeros((3, 5)))
    metric = np.zeros((3, 4))
    metric[1, 2] = np.nan
    with pytest.raises(ValueError, match="system row 1, segment 2"):
        agreement(np.ones((3, 4)), metric)


def test_pooled_accuracy_is_micro_averaged_over_test_sets():
    sets = [(np.array([1, 2, 3.0]), {"m": np.array([1, 3, 2.0])}),  # 2 of 3 pairs
            (np.array([1, 2, 3, 4, np.nan]), {"m": np.array([1, 2, 3, 4, 0.0])})]  # 6 of 6, unrated system dropped
    assert pooled_accuracy(sets) == {"m": 8 / 9}


def test_permutation_p_values_are_reproducible_and_seed_dependent():
    rng = np.random.default_rng(3)
    human = rng.random((6, 30))
    metrics = {"a": human + rng.normal(0, 0.3, human.shape), "b": human + rng.normal(0, 0.35, human.shape)}
    first = compare_metrics(human, metrics, statistic="seg_pearson_item", k=200, seed=1)
    again = compare_metrics(human, metrics, statistic="seg_pearson_item", k=200, seed=1)
    other = compare_metrics(human, metrics, statistic="seg_pearson_item", k=200, seed=2)
    assert first.pvalues == again.pvalues
    assert first.pvalues != other.pvalues


def test_unsupported_significance_statistic_is_an_error():
    with pytest.raises(ValueError, match="no significance test"):
        compare_metrics(np.ones((3, 3)), {"a": np.ones((3, 3))}, statistic="seg_darr")


def test_pearson_resampled_from_sums_equals_pearson_of_the_formed_resamples():
    from eval.meta.significance import PearsonStatistic, Statistic

    rng = np.random.default_rng(4)
    human = rng.normal(size=(5, 9))
    human[rng.random(human.shape) < 0.3] = np.nan
    h, _, mask = rated_groups(human, human, "item")
    z1, z2 = rng.normal(size=int(mask.sum())), rng.normal(size=int(mask.sum()))
    w = rng.integers(0, 2, (50, z1.size))
    fast = PearsonStatistic(h, mask)
    formed = Statistic(fast.score, mask)
    for a, b in zip(fast.swapped(z1, z2, w), formed.swapped(z1, z2, w)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_a_shared_cache_changes_no_value():
    rng = np.random.default_rng(5)
    human = rng.random((4, 12))
    metrics = [human + rng.normal(0, 0.3, human.shape) for _ in range(2)]
    cache: dict = {}
    shared = [agreement(human, m, cache=cache)[0] for m in metrics]
    alone = [agreement(human, m)[0] for m in metrics]
    np.testing.assert_equal(shared, alone)


def test_compare_metrics_leaves_out_a_constant_metric_with_its_reason():
    rng = np.random.default_rng(6)
    human = rng.random((5, 10))
    metrics = {"good": human + rng.normal(0, 0.1, human.shape), "flat": np.ones((5, 10)),
               "noise": rng.random((5, 10))}
    result = compare_metrics(human, metrics, statistic="sys_pearson", k=100)
    assert list(result.scores) == ["good", "noise"]
    assert result.undefined == {"flat": "metric system scores are all equal"}
    assert set(result.ranks) == {"good", "noise"}


def test_compare_metrics_needs_three_systems_for_a_correlation():
    with pytest.raises(ValueError, match="too few systems"):
        compare_metrics(np.random.default_rng(0).random((2, 4)), {"a": np.zeros((2, 4))}, statistic="sys_pearson")


@pytest.mark.parametrize("seed", range(5))
def test_long_groups_counted_by_sorting_equal_all_pairs_compared(seed):
    """kendall.pair_counts switches from comparing all pairs to sorting and
    counting inversions for long groups (sys/none groupings): same counts."""
    rng = np.random.default_rng(seed)
    human = rng.integers(0, 7, (3, 90)).astype(float)
    metric = rng.integers(0, 9, (4, 3, 90)) * 0.5
    mask = rng.random((3, 90)) < 0.8
    sorted_counts = kendall._sorted(human, metric, mask, True)
    dense_counts = kendall._dense(human, metric, mask, True)
    for field in ("con", "dis", "metric_ties", "human_ties", "both_ties", "size", "classes"):
        np.testing.assert_array_equal(getattr(sorted_counts, field), getattr(dense_counts, field), err_msg=field)


def test_pooled_accuracy_test_takes_a_constant_metric_without_warning():
    from eval.meta import compare_pooled_accuracy

    sets = [(np.array([1, 2, 3, 4.0]), {"flat": np.zeros(4), "good": np.array([1, 2, 3, 4.0])})]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        result = compare_pooled_accuracy(sets, k=50)
    assert result.scores == {"good": 1.0, "flat": 0.0}


def test_kendall_b_resampled_by_quadratic_forms_equals_counting_the_resamples():
    from eval.meta.significance import KendallBStatistic, Statistic

    rng = np.random.default_rng(8)
    human = rng.integers(0, 4, (6, 11)).astype(float)
    human[rng.random(human.shape) < 0.25] = np.nan
    h, _, mask = rated_groups(human, human, "item")
    z1 = rng.integers(0, 3, int(mask.sum())).astype(float)
    z2 = rng.integers(0, 3, int(mask.sum())).astype(float)
    w = rng.integers(0, 2, (40, z1.size))
    fast = KendallBStatistic(h, mask)
    counted = Statistic(fast.score, mask)
    for a, b in zip(fast.swapped(z1, z2, w), counted.swapped(z1, z2, w)):
        np.testing.assert_array_equal(a, b)
