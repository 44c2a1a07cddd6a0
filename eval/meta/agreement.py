"""Every agreement statistic of one metric with human judgments on one test set.

Conventions are MTME's: missing human scores are NaN and every pair involving
one is dropped; systems without any human score are dropped; a system's human
score defaults to the mean of its rated segments. Where a statistic is
undefined (constant scores, too few systems, nothing rated) its value is NaN
and `reasons` says why in one line; nothing is printed and nothing raises.
"""
from __future__ import annotations

import numpy as np

from . import correlation, kendall, pairwise, ties
from .groups import GROUPINGS, rated_groups

MIN_SYSTEMS = 3  # a correlation over 2 points is +-1 by construction

SYS_KEYS = ("sys_pearson", "sys_spearman", "sys_kendall_b", "sys_accuracy", "sys_spa")
SEG_KEYS = tuple(
    f"seg_{stat}_{by}" for stat in ("pearson", "kendall_b", "kendall_c") for by in GROUPINGS
) + ("seg_acc_eq_item", "seg_acc_eq_epsilon_item", "seg_acc_eq_none", "seg_acc_eq_epsilon_none", "seg_darr")
KEYS = SYS_KEYS + SEG_KEYS


def as_matrix(name: str, values, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A float array, checked against the expected shape."""
    arr = np.array(values, dtype=float)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def row_means(scores: np.ndarray) -> np.ndarray:
    """Mean of each row's present values; NaN for a row with none. This is a
    system's human score (mean of its rated segments) and, when no corpus score
    is given, its metric score."""
    present = ~np.isnan(scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present, scores, 0.0).sum(axis=1) / present.sum(axis=1)


def _check_metric_present(human_seg: np.ndarray, metric_seg: np.ndarray) -> None:
    missing = ~np.isnan(human_seg) & np.isnan(metric_seg)
    if missing.any():
        s, g = np.argwhere(missing)[0]
        raise ValueError(f"metric score missing for a rated segment (system row {s}, segment {g})")


def _constant(x: np.ndarray) -> bool:
    return x.size > 0 and bool(np.all(x == x[0]))


def system_level(human_sys: np.ndarray, metric_sys: np.ndarray, values: dict, reasons: dict) -> None:
    """sys_pearson/spearman/kendall_b/accuracy on systems with a human score."""
    keep = ~np.isnan(human_sys)
    h, m = human_sys[keep], metric_sys[keep]
    n = h.size
    if np.isnan(m).any():
        raise ValueError("metric system score missing for a system with a human score")
    corr_reason = None
    if n < MIN_SYSTEMS:
        corr_reason = f"fewer than {MIN_SYSTEMS} systems with human scores ({n})"
    elif _constant(h):
        corr_reason = "human system scores are all equal"
    elif _constant(m):
        corr_reason = "metric system scores are all equal"
    for key in ("sys_pearson", "sys_spearman", "sys_kendall_b"):
        if corr_reason:
            values[key], reasons[key] = float("nan"), corr_reason
    if not corr_reason:
        values["sys_pearson"] = correlation.pearson(h, m)
        values["sys_spearman"] = correlation.spearman(h, m)
        values["sys_kendall_b"] = float(kendall.tau(kendall.pair_counts(h[None], m[None], np.ones((1, n), bool)), "b")[0])
    if n < 2:
        values["sys_accuracy"], reasons["sys_accuracy"] = float("nan"), f"fewer than 2 systems with human scores ({n})"
    else:
        agree, pairs = pairwise.agreements(h, m)
        values["sys_accuracy"] = float(agree / pairs)


def soft_pairwise_accuracy(human_seg: np.ndarray, metric_seg: np.ndarray, signs_cache: dict,
                           permutations: int, seed: int) -> tuple[float, str | None]:
    """SPA on the segments rated for every system (MTME filters missing human
    scores from the flattened matrix, which keeps rows aligned only then)."""
    if human_seg.shape[0] < 2:
        return float("nan"), f"fewer than 2 systems with human scores ({human_seg.shape[0]})"
    complete = ~np.isnan(human_seg).any(axis=0)
    if not complete.any():
        return float("nan"), "no segment is rated for every system"
    n_seg = int(complete.sum())
    key = (permutations, n_seg, seed)
    if key not in signs_cache:
        signs_cache[key] = pairwise.spa_signs(n_seg, permutations, seed)
    signs = signs_cache[key]
    human = np.ascontiguousarray(human_seg[:, complete])
    human_key = ("human", key, human.shape, hash(human.tobytes()))
    if human_key not in signs_cache:
        signs_cache[human_key] = pairwise.pairwise_p_values(human, signs)
    human_p = signs_cache[human_key]
    metric_p = pairwise.pairwise_p_values(metric_seg[:, complete], signs)
    return pairwise.soft_pairwise_accuracy(human_p, metric_p), None


def _undefined_reason(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, by: str) -> str:
    if not mask.any():
        return "no rated segments"
    if (mask.sum(axis=1) < 2).all():
        return f"no group ({by}) has 2 rated entries"
    if correlation.constant_groups(human, mask).all():
        return f"human scores are constant within every group ({by})"
    if correlation.constant_groups(metric, mask).all():
        return f"metric scores are constant within every group ({by})"
    return f"undefined in every group ({by})"


def segment_level(human_seg: np.ndarray, metric_seg: np.ndarray, raw_human_seg: np.ndarray,
                  values: dict, reasons: dict) -> None:
    """Pearson / Kendall tau-b, tau-c per grouping, acc_eq with calibration, DARR."""
    for by in GROUPINGS:
        h, m, mask = rated_groups(human_seg, metric_seg, by)
        stats = {"pearson": correlation.pearson_groups(h, m, mask)}
        counts = kendall.pair_counts(h, m, mask)
        stats["kendall_b"] = kendall.tau(counts, "b")
        stats["kendall_c"] = kendall.tau(counts, "c")
        for name, per_group in stats.items():
            key = f"seg_{name}_{by}"
            values[key] = correlation.group_mean(per_group)
            if np.isnan(values[key]):
                reasons[key] = _undefined_reason(h, m, mask, by)
        if by in ("item", "none"):
            acc_key, eps_key = f"seg_acc_eq_{by}", f"seg_acc_eq_epsilon_{by}"
            pairs = ties.count_pairs(mask)
            result = ties.calibrate(h, m, mask) if 0 < pairs <= ties.MAX_PAIRS else None
            if result is None:
                why = (f"{pairs:,} pairs exceed the calibration limit of {ties.MAX_PAIRS:,}" if pairs
                       else "no rated segments" if not mask.any() else f"no group ({by}) has 2 rated entries")
                values[acc_key] = values[eps_key] = float("nan")
                reasons[acc_key] = reasons[eps_key] = why
            else:
                values[acc_key], values[eps_key] = result.accuracy, result.epsilon
    h, m, mask = rated_groups(raw_human_seg, metric_seg, "item")
    con, dis = pairwise.darr(h, m, mask)
    if con + dis:
        values["seg_darr"] = (con - dis) / (con + dis)
    else:
        values["seg_darr"] = float("nan")
        reasons["seg_darr"] = f"no pair of systems differs by {pairwise.DARR_THRESHOLD:g} or more in human score"


def agreement(human_seg, metric_seg, human_sys=None, metric_sys=None, *, raw_human_seg=None,
              perm_seed: int = pairwise.SPA_SEED, spa_permutations: int = pairwise.SPA_PERMUTATIONS,
              cache: dict | None = None) -> tuple[dict[str, float], dict[str, str]]:
    """All statistics of one metric against human judgments.

    human_seg, metric_seg: (n_systems, n_segments), NaN = not rated; the metric is
    oriented so that higher = better. human_sys / metric_sys: (n_systems,)
    system scores; by default the mean of the rated segments for the human side
    and the mean of all segment scores for the metric (callers pass the corpus
    score, e.g. corpus BLEU). raw_human_seg: unstandardised scores for the DARR
    statistic (WMT20 thresholds raw DA at 25). perm_seed: seed of SPA's
    permutations (MTME's fixed 4). cache: pass one dict to the calls for the
    metrics of one test set to draw SPA's permutations and the human p-values once.

    Returns (values, reasons): every key of KEYS -> float (NaN when undefined),
    and key -> one-line reason for each NaN."""
    human_seg = as_matrix("human_seg", human_seg)
    if human_seg.ndim != 2:
        raise ValueError(f"human_seg must be (n_systems, n_segments), got shape {human_seg.shape}")
    metric_seg = as_matrix("metric_seg", metric_seg, human_seg.shape)
    n_sys = human_seg.shape[0]
    _check_metric_present(human_seg, metric_seg)
    raw = human_seg if raw_human_seg is None else as_matrix("raw_human_seg", raw_human_seg, human_seg.shape)
    h_sys = row_means(human_seg) if human_sys is None else as_matrix("human_sys", human_sys, (n_sys,))
    m_sys = row_means(metric_seg) if metric_sys is None else as_matrix("metric_sys", metric_sys, (n_sys,))

    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    system_level(h_sys, m_sys, values, reasons)
    rated = ~np.isnan(human_seg).all(axis=1)  # systems without any human score are dropped
    cache = {} if cache is None else cache
    values["sys_spa"], why = soft_pairwise_accuracy(human_seg[rated], metric_seg[rated], cache, spa_permutations, perm_seed)
    if why:
        reasons["sys_spa"] = why
    segment_level(human_seg[rated], metric_seg[rated], raw[rated], values, reasons)
    return {k: float(values[k]) for k in KEYS}, reasons


def pooled_accuracy(testsets) -> dict[str, float]:
    """Pairwise accuracy micro-pooled over test sets, as MTME's
    CompareMetricsWithGlobalAccuracy: agreeing pairs of all test sets over all
    pairs. Each test set is (human_sys (n_sys,), {metric: metric_sys (n_sys,)});
    systems without a human score are dropped; only metrics present in every
    test set are pooled."""
    testsets = list(testsets)
    if not testsets:
        return {}
    names = set.intersection(*(set(metrics) for _, metrics in testsets))
    agree = dict.fromkeys(names, 0)
    pairs = 0
    for human, metrics in testsets:
        human = as_matrix("human_sys", human)
        keep = ~np.isnan(human)
        for name in names:
            m = as_matrix(f"metric_sys[{name}]", metrics[name], human.shape)[keep]
            if np.isnan(m).any():
                raise ValueError(f"metric system score of {name} missing for a system with a human score")
            a, p = pairwise.agreements(human[keep], m)
            agree[name] += int(a)
        pairs += int(keep.sum()) * (int(keep.sum()) - 1) // 2
    return {name: (agree[name] / pairs if pairs else float("nan")) for name in sorted(names)}
