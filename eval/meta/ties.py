"""acc_eq (acc23) with tie calibration: MTME's tau_optimization, vectorised.

Metric differences up to epsilon count as ties; the epsilon searched is every
distinct |metric difference| of a rated pair (and 0), in increasing order, and
the first epsilon of highest group-averaged acc23 wins. MTME updates a running
sum pair by pair; that sum is replayed here with the same floating-point
operations (a sequential cumulative sum), so equal-looking candidates are
broken exactly as MTME breaks them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_PAIRS = 5_000_000  # beyond this the pair list would not fit a modest machine


@dataclass(frozen=True)
class TieCalibration:
    epsilons: np.ndarray  # candidate thresholds, increasing
    accuracies: np.ndarray  # group-averaged acc23 at each
    epsilon: float
    accuracy: float


def rated_pairs(human: np.ndarray, metric: np.ndarray, mask: np.ndarray):
    """Rated pairs (i < j) of every group, in MTME's enumeration order."""
    i, j = np.triu_indices(mask.shape[-1], 1)
    valid = mask[:, i] & mask[:, j] & ~np.isnan(metric[:, i]) & ~np.isnan(metric[:, j])
    group = np.broadcast_to(np.arange(mask.shape[0])[:, None], valid.shape)[valid]
    dh = (human[:, i] - human[:, j])[valid]
    dm = (metric[:, i] - metric[:, j])[valid]
    return group, dh, dm


def count_pairs(mask: np.ndarray) -> int:
    n = mask.sum(axis=-1).astype(np.int64)
    return int((n * (n - 1) // 2).sum())


def acc_eq(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, epsilon: float = 0.0) -> np.ndarray:
    """acc23 of each group with metric differences <= epsilon as ties (NaN for
    groups without a rated pair)."""
    if epsilon < 0:
        raise ValueError("epsilon must be non-negative")
    group, dh, dm = rated_pairs(human, metric, mask)
    metric_tie = np.abs(dm) <= epsilon
    good = np.where(dh == 0, metric_tie, ~metric_tie & (np.sign(dh) == np.sign(dm)))
    n = np.bincount(group, minlength=mask.shape[0])
    hits = np.bincount(group, weights=good, minlength=mask.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, hits / n, np.nan)


def calibrate(human: np.ndarray, metric: np.ndarray, mask: np.ndarray) -> TieCalibration | None:
    """The epsilon maximising group-averaged acc23; None without a rated pair."""
    group, dh, dm = rated_pairs(human, metric, mask)
    if group.size == 0:
        return None
    human_tie = dh == 0
    good_before = np.where(human_tie, dm == 0, (dm != 0) & (np.sign(dh) == np.sign(dm))).astype(np.int64)
    good_after = human_tie.astype(np.int64)  # once tied in the metric, a pair is right iff tied in the human score

    n_groups = mask.shape[0]
    n_pairs = np.bincount(group, minlength=n_groups)
    hits0 = np.bincount(group, weights=good_before, minlength=n_groups).astype(np.int64)
    rows = np.flatnonzero(n_pairs)
    # MTME sums the rows of a Python set of row numbers, in the set's order
    start = 0.0
    for r in set(rows.tolist()):
        start += hits0[r] / n_pairs[r]

    diff = np.abs(dm)
    order = np.argsort(diff, kind="stable")
    g, d = group[order], diff[order]
    step = (good_after - good_before)[order]
    # running hits of each pair's group just after the pair flips to a tie
    by_group = np.argsort(g, kind="stable")
    cum = np.empty_like(step)
    cum[by_group] = np.cumsum(step[by_group])
    first = np.r_[True, g[by_group][1:] != g[by_group][:-1]]
    offsets = np.cumsum(step[by_group])[first] - step[by_group][first]
    cum[by_group] -= np.repeat(offsets, np.diff(np.r_[np.flatnonzero(first), g.size]))
    after = hits0[g] + cum
    before = after - step
    moves = np.empty(2 * g.size + 1)
    moves[0] = start
    moves[1::2] = -(before / n_pairs[g])
    moves[2::2] = after / n_pairs[g]
    overall = np.cumsum(moves)[2::2] / rows.size

    last = np.r_[d[1:] != d[:-1], True]
    epsilons, accs = d[last], overall[last]
    if d[0] != 0.0:
        epsilons = np.r_[0.0, epsilons]
        accs = np.r_[start / rows.size, accs]
    best = int(np.nanargmax(accs))
    return TieCalibration(epsilons, accs, float(epsilons[best]), float(accs[best]))
