"""Property tests: eval.meta equals MTME's reference implementation
(../shared/reference/mt-metrics-eval, imported here only) on random matrices
with ties and missing human scores.

What is compared: every statistic of agreement() within 1e-9 (MTME's 0 for
"nothing to average" is NaN here); acc_eq, its epsilon, SPA and all
permutation-test p-values exactly; PERM-BOTH is given the same draws by seeding
numpy's global generator, from which MTME draws, with the seed mteval uses.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from eval.meta import EarlyStop, agreement, compare_metrics, compare_pooled_accuracy, perm_both
from eval.meta.groups import GROUPINGS, rated_groups
from eval.meta.significance import scorer
from meta_reference import accuracy_fn, assign_ranks, mtme, packed

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def random_case(seed: int, aligned_missing: bool = False):
    """(human, metric, metric_sys): integer-valued scores with many ties, or
    continuous ones; missing human scores scattered or whole segments; sometimes
    a system without any human score."""
    rng = np.random.default_rng(seed)
    n_sys, n_seg = int(rng.integers(2, 8)), int(rng.integers(2, 11))
    if rng.random() < 0.5:
        human = rng.integers(0, 5, (n_sys, n_seg)) * 25.0  # ties, and DARR's threshold in reach
        metric = rng.integers(0, 4, (n_sys, n_seg)) * rng.choice([1.0, 0.5, 0.1])
    else:
        human = rng.normal(50, 30, (n_sys, n_seg))
        metric = human * rng.random() + rng.normal(0, 20, (n_sys, n_seg))
    rate = rng.choice([0.0, 0.2, 0.5])
    missing = np.broadcast_to(rng.random(n_seg) < rate, human.shape) if aligned_missing else rng.random(human.shape) < rate
    human = np.where(missing, np.nan, human)
    if rng.random() < 0.2:
        human[rng.integers(n_sys)] = np.nan
    metric_sys = rng.normal(size=n_sys) if rng.random() < 0.5 else None
    return human, metric, metric_sys


def close(mine: float, ref, n_used=None) -> bool:
    if n_used == 0 or ref is None or np.isnan(ref):
        return np.isnan(mine)
    return abs(mine - ref) <= 1e-9


def reference_values(human, metric, metric_sys, spa: bool):
    """MTME's numbers for the keys of agreement(), called as its data.py does:
    systems without gold dropped, packed vectors with None for missing gold."""
    stats, _ = mtme()
    rated = ~np.isnan(human).all(axis=1)
    h_seg, m_seg = human[rated], metric[rated]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h_sys = np.nanmean(human, axis=1)
        m_sys = metric.mean(axis=1) if metric_sys is None else metric_sys
        keep = ~np.isnan(h_sys)
        if keep.sum() >= 3:
            sys_corr = stats.Correlation(int(keep.sum()), list(h_sys[keep]), list(m_sys[keep]))
            out["sys_pearson"] = sys_corr.Pearson()[0]
            out["sys_spearman"] = sys_corr.Spearman()[0]
            out["sys_kendall_b"] = sys_corr.Kendall()[0]
        if keep.sum() >= 2:
            agree, pairs = stats.Agreement(list(h_sys[keep]), list(m_sys[keep]))
            out["sys_accuracy"] = agree / pairs
        n = int(rated.sum())
        if n == 0:
            return out
        corr = stats.Correlation(n, packed(h_seg), packed(m_seg))
        for by in GROUPINGS:
            if by == "item" and n == 1 and not np.isnan(h_seg).any():
                continue  # MTME skips no short group when nothing is missing, and scipy fails on 1 entry
            out[f"seg_pearson_{by}"] = corr.Pearson(average_by=by)
            out[f"seg_kendall_b_{by}"] = corr.Kendall(average_by=by, variant="b")
            out[f"seg_kendall_c_{by}"] = corr.Kendall(average_by=by, variant="c")
        for by in ("item", "none"):
            try:
                acc, eps, _ = stats.KendallWithTiesOpt(packed(h_seg), packed(m_seg), "acc23", n, by, sample_rate=1.0)
                out[f"seg_acc_eq_{by}"], out[f"seg_acc_eq_epsilon_{by}"] = acc, eps
            except ZeroDivisionError:  # MTME fails when no group has a pair
                pass
        out["seg_darr"] = corr.KendallLike(average_by="item", thresh=25)
        if spa and n >= 2 and not np.isnan(h_seg).any(axis=0).all():
            out["sys_spa"] = corr.PairwiseConfidenceError()[0]
    return out


def check_against_reference(human, metric, metric_sys, spa: bool):
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")  # an undefined statistic must not warn either
        mine, reasons = agreement(human, metric, metric_sys=metric_sys)
    ref = reference_values(human, metric, metric_sys, spa)
    for key, value in mine.items():
        if key == "sys_spa" and not spa:
            continue
        r = ref.get(key)
        if isinstance(r, tuple):  # (corr, pval, n) of AverageCorrelation
            assert close(value, r[0], r[2]), (key, value, r)
        elif key.startswith("seg_acc_eq") or key == "sys_spa":
            assert (np.isnan(value) and r is None) or value == r, (key, value, r)
        else:
            assert close(value, r), (key, value, r)
        assert np.isnan(value) == (key in reasons)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_every_statistic_equals_mtme_on_random_matrices(seed):
    human, metric, metric_sys = random_case(seed)
    check_against_reference(human, metric, metric_sys, spa=False)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_spa_equals_mtme_when_the_same_segments_are_missing_for_every_system(seed):
    human, metric, metric_sys = random_case(seed, aligned_missing=True)
    check_against_reference(human, metric, metric_sys, spa=True)


def perm_case(seed: int, name: str):
    """Gold with at least two rated entries in every group (MTME's Pearson fails
    on shorter ones) and two metrics."""
    rng = np.random.default_rng(seed)
    n_sys, n_seg = int(rng.integers(3, 6)), int(rng.integers(4, 9))
    human = rng.integers(0, 6, (n_sys, n_seg)).astype(float) if rng.random() < 0.5 else rng.normal(size=(n_sys, n_seg))
    missing = rng.random(human.shape) < 0.2
    missing[:2, :] = False
    missing[:, :2] = False
    human[missing] = np.nan
    metric1 = human * rng.random() + rng.normal(0, 1, human.shape)
    metric2 = human * rng.random() + rng.normal(0, 1, human.shape)
    if rng.random() < 0.5 and name != "pearson":  # Pearson: see test_perm_both_equals_mtme_given_the_same_draws
        metric1, metric2 = np.round(metric1), np.round(metric2)
    return np.nan_to_num(human, nan=np.nan), np.nan_to_num(metric1), np.nan_to_num(metric2)


SEG_STATS = [(s, by) for s in ("pearson", "kendall_b", "kendall_c") for by in GROUPINGS]


@pytest.mark.parametrize("name,by", SEG_STATS)
@pytest.mark.parametrize("case", range(3))
def test_perm_both_equals_mtme_given_the_same_draws(name, by, case):
    """Identical p-values and resample counts. Kendall's statistics are formulas
    of integer counts, evaluated as scipy evaluates them, so every resample
    equals MTME's bit for bit; Pearson agrees to ~1e-16 only, so a resample
    whose difference ties the observed one exactly (possible with heavily tied
    integer scores) could fall either way: its cases use continuous scores."""
    stats, _ = mtme()
    import scipy.stats

    human, metric1, metric2 = perm_case(100 * case + len(name) + len(by), name)
    rng = np.random.default_rng(case)
    k = int(rng.choice([60, 100]))
    early = EarlyStop(block_size=int(rng.choice([20, 50, 1000])), low=0.02, high=float(rng.choice([0.2, 0.5])))
    h, m1, mask = rated_groups(human, metric1, by)
    m2 = rated_groups(human, metric2, by)[1]
    p, delta, used = perm_both(scorer(name, h, mask), mask, m1, m2, k=k, seed=case, early=early)

    fcn, kwargs = (scipy.stats.pearsonr, {}) if name == "pearson" else (scipy.stats.kendalltau, {"variant": name[-1]})
    n = human.shape[0]
    corr1 = stats.Correlation(n, packed(human), list(metric1.reshape(-1)))
    corr2 = stats.Correlation(n, packed(human), list(metric2.reshape(-1)))
    np.random.seed(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_p, ref_delta, ref_used, _ = stats.PermutationSigDiff(
            corr1, corr2, fcn, by, k, stats.PermutationSigDiffParams(early.block_size, early.low, early.high), **kwargs)
    assert (p, used) == (ref_p, ref_used)
    assert abs(delta - ref_delta) <= 1e-9


def test_sys_pearson_significance_matrix_and_clusters_equal_mtme():
    stats, _ = mtme()
    import scipy.stats

    rng = np.random.default_rng(11)
    human = rng.normal(size=(12, 20))
    metrics = {f"m{i}": human + rng.normal(0, 0.5 + 0.4 * i, human.shape) for i in range(4)}
    mine = compare_metrics(human, metrics, statistic="sys_pearson", k=200, seed=5)

    gold = list(human.mean(axis=1))
    corrs = {m: stats.Correlation(12, gold, list(v.mean(axis=1))) for m, v in metrics.items()}
    scores = {m: c.Pearson()[0] for m, c in corrs.items()}
    order = sorted(scores, key=lambda m: (-scores[m], m))
    sig = np.zeros((4, 4))
    for i in range(4):
        for j in range(i + 1, 4):
            np.random.seed(5)
            sig[i, j] = stats.PermutationSigDiff(corrs[order[j]], corrs[order[i]], scipy.stats.pearsonr, "none", 200)[0]
    assert list(mine.scores) == order
    assert all(abs(mine.scores[m] - scores[m]) <= 1e-9 for m in order)
    assert all(mine.pvalues[order[i]][order[j]] == sig[i, j] for i in range(4) for j in range(i + 1, 4))
    assert list(mine.ranks.values()) == assign_ranks(sig, 0.05)


@pytest.mark.parametrize("case", range(4))
def test_pooled_accuracy_significance_equals_mtme_global_accuracy(case):
    stats, _ = mtme()
    rng = np.random.default_rng(case)
    sizes = [int(n) for n in rng.integers(3, 7, 3)]
    testsets, golds, scores = [], [], {"a": [], "b": []}
    for n in sizes:
        h = rng.integers(0, 4, n).astype(float)
        ms = {m: h + rng.integers(-2, 3, n) * rng.random() for m in scores}
        testsets.append((h, ms))
        golds += list(h)
        for m in scores:
            scores[m] += list(ms[m])
    mine = compare_pooled_accuracy(testsets, k=200, seed=case, early=EarlyStop(block_size=50))
    acc = accuracy_fn(sizes)
    corr = {m: stats.Correlation(sum(sizes), golds, scores[m]) for m in scores}
    values = {m: acc(golds, scores[m])[0] for m in scores}
    order = sorted(values, key=lambda m: (-values[m], m))
    assert list(mine.scores) == order and mine.scores == values
    np.random.seed(case)
    ref_p = stats.PermutationSigDiff(corr[order[1]], corr[order[0]], acc, "none", 200,
                                     stats.PermutationSigDiffParams(block_size=50))[0]
    assert mine.pvalues[order[0]][order[1]] == ref_p


@pytest.mark.parametrize("by", ["item", "none"])
def test_acc_eq_significance_and_clusters_equal_mtme_pairs_test(by):
    """MTME's CompareMetrics(perm_test='pairs') for acc_eq (each metric at its
    calibrated epsilon), given the same draws; early stopping in play."""
    stats, _ = mtme()
    rng = np.random.default_rng(21)
    human = rng.integers(0, 4, (5, 7)).astype(float)
    human[2:, 5:] = np.nan
    metrics = {f"m{i}": np.round(np.nan_to_num(human) * rng.random() + rng.normal(0, 1, human.shape), 1) for i in range(3)}
    early = EarlyStop(block_size=25)
    mine = compare_metrics(human, metrics, statistic=f"seg_acc_eq_{by}", k=100, seed=3, early=early)
    corrs = {m: stats.Correlation(5, packed(human), list(v.reshape(-1))) for m, v in metrics.items()}
    scores = {m: stats.KendallWithTiesOpt(packed(human), list(v.reshape(-1)), "acc23", 5, by, 1.0)[0]
              for m, v in metrics.items()}
    order = sorted(scores, key=lambda m: (-scores[m], m))
    assert list(mine.scores) == order and mine.scores == scores
    sig = np.zeros((3, 3))
    for i in range(3):
        for j in range(i + 1, 3):
            np.random.seed(3)
            sig[i, j] = stats.PairwisePermutationSigDiff(corrs[order[j]], corrs[order[i]], "acc23", by, 100,
                                                         stats.PermutationSigDiffParams(25), sample_rate=1.0)[0]
    assert all(mine.pvalues[order[i]][order[j]] == sig[i, j] for i in range(3) for j in range(i + 1, 3))
    assert list(mine.ranks.values()) == assign_ranks(sig, 0.05)
