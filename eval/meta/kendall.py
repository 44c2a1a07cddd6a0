"""Kendall pair counts per group, and tau-b / tau-c / acc23 from them.

A pair of rated entries of one group is concordant, discordant, tied in the
metric only, in the human score only, or in both; every Kendall variant MTME uses
is a formula of these five counts (scipy's for tau-b and tau-c). Short groups
(item grouping: one segment across systems) compare all pairs densely; long
ones sort and count inversions with a radix pass, O(n log n) array operations
and no Python loop over entries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DENSE_MAX = 64  # group length up to which all pairs are compared directly


@dataclass
class PairCounts:
    """Counts per group (arrays of the groups' shape); metric = x, human = y."""

    con: np.ndarray
    dis: np.ndarray
    metric_ties: np.ndarray  # tied in the metric only
    human_ties: np.ndarray  # tied in the human score only
    both_ties: np.ndarray
    size: np.ndarray  # rated entries
    classes: np.ndarray | None  # min(distinct metric values, distinct human values), for tau-c

    @property
    def pairs(self) -> np.ndarray:
        return self.con + self.dis + self.metric_ties + self.human_ties + self.both_ties


def _distinct(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    s = np.sort(np.where(mask, x, np.nan), axis=-1)
    n = mask.sum(axis=-1)
    pos = np.arange(1, x.shape[-1])
    changes = (s[..., 1:] != s[..., :-1]) & (pos < n[..., None])
    return (n > 0) + changes.sum(axis=-1)


def _dense(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, classes: bool) -> PairCounts:
    """Every pair (i < j) of a short group, one i at a time (slices, no
    gathers). With s = sign of the metric difference, t = sign of the human one,
    over rated pairs: con - dis = sum s*t, untied-in-both = sum |s||t|,
    metric-untied = sum |s|; the rest follows."""
    shape = metric.shape[:-1]
    signed, untied, metric_untied = (np.zeros(shape) for _ in range(3))
    pairs = human_untied_n = 0
    for i in range(mask.shape[-1] - 1):
        valid = (mask[:, i, None] & mask[:, i + 1:]).astype(float)
        t = np.sign(human[:, i + 1:] - human[:, i, None]) * valid
        s = np.sign(metric[..., i + 1:] - metric[..., i, None])
        a = np.abs(s)
        signed += np.einsum("...gp,gp->...g", s, t)
        untied += np.einsum("...gp,gp->...g", a, np.abs(t))
        metric_untied += np.einsum("...gp,gp->...g", a, valid)
        pairs = pairs + valid.sum(axis=-1)
        human_untied_n = human_untied_n + np.abs(t).sum(axis=-1)
    signed, untied, metric_untied, pairs, human_untied_n = (
        np.rint(np.broadcast_to(x, shape)).astype(np.int64) for x in (signed, untied, metric_untied, pairs, human_untied_n))
    con, dis = (untied + signed) // 2, (untied - signed) // 2
    n = np.broadcast_to(mask.sum(axis=-1), shape)
    distinct = np.minimum(_distinct(metric, np.broadcast_to(mask, metric.shape)), _distinct(human, mask)) if classes else None
    return PairCounts(con, dis, human_untied_n - untied, metric_untied - untied,
                      pairs - metric_untied - human_untied_n + untied, n, distinct)


def _tie_pairs(starts: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Pairs inside runs of equal keys, summed per group (runs start at `starts`)."""
    idx = np.flatnonzero(starts)
    length = np.diff(np.r_[idx, starts.size])
    return np.bincount(group[idx], weights=length * (length - 1) // 2, minlength=n_groups).astype(np.int64)


def _inversions(rank: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Pairs i before j of one group with rank[i] > rank[j], per group (groups
    contiguous, ranks counted from 0 in each group). An MSB-first radix pass:
    entries stay in sequence order inside buckets of equal high bits; at bit b
    each 0-entry is counted against the 1-entries before it in its bucket (the
    pairs whose highest differing bit is b), then every bucket is split stably
    by bit b. O(n log n) array operations, no sorting."""
    total = np.zeros(n_groups, np.int64)
    n = rank.size
    if n == 0:
        return total
    pos = np.arange(n)
    is_start = np.r_[True, group[1:] != group[:-1]]
    r = rank
    for b in range(int(rank.max()).bit_length() - 1, -1, -1):
        is_end = np.r_[is_start[1:], True]
        first = np.maximum.accumulate(np.where(is_start, pos, 0))
        last = np.minimum.accumulate(np.where(is_end, pos, n)[::-1])[::-1]
        bit = (r >> b) & 1
        ones_upto = np.cumsum(bit)
        ones_before = ones_upto - bit
        inside = ones_before - ones_before[first]  # 1-entries before this one in its bucket
        total += np.bincount(group, weights=inside * (1 - bit), minlength=n_groups).astype(np.int64)
        zeros = (last - first + 1) - (ones_upto[last] - ones_before[first])
        new_pos = first + np.where(bit == 0, pos - first - inside, zeros + inside)
        moved = np.empty_like(r)
        moved[new_pos] = r
        r = moved
        split = first + zeros
        is_start = is_start.copy()
        is_start[split[is_start & (zeros > 0) & (split <= last)]] = True
    return total


def _sorted(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, classes: bool) -> PairCounts:
    shape = metric.shape[:-1]
    full_mask = np.broadcast_to(mask, metric.shape)
    n_groups = int(np.prod(shape))
    gid = np.broadcast_to(np.arange(n_groups).reshape(shape)[..., None], metric.shape)[full_mask]
    y = np.broadcast_to(human, metric.shape)[full_mask]
    x = metric[full_mask]
    n = full_mask.sum(axis=-1).reshape(-1)

    oy = np.lexsort((y, gid))
    gy, ys = gid[oy], y[oy]
    new_y = np.r_[True, (gy[1:] != gy[:-1]) | (ys[1:] != ys[:-1])]
    yrank = np.empty(x.size, np.int64)
    yrank[oy] = np.cumsum(new_y) - 1
    human_tie = _tie_pairs(new_y, gy, n_groups)
    y_classes = np.bincount(gy[new_y], minlength=n_groups)

    ox = np.lexsort((yrank, x, gid))
    g, xs, yr = gid[ox], x[ox], yrank[ox]
    new_g = np.r_[True, g[1:] != g[:-1]]
    new_x = new_g | np.r_[True, xs[1:] != xs[:-1]]
    new_xy = new_x | np.r_[True, yr[1:] != yr[:-1]]
    metric_tie = _tie_pairs(new_x, g, n_groups)
    both = _tie_pairs(new_xy, g, n_groups)
    x_classes = np.bincount(g[new_x], minlength=n_groups)
    g = g.astype(np.int64)
    group_starts = np.flatnonzero(new_g)
    lowest = np.minimum.reduceat(yr, group_starts) if yr.size else yr
    dis = _inversions(yr - np.repeat(lowest, np.diff(np.r_[group_starts, yr.size])), g, n_groups)

    tot = n * (n - 1) // 2
    con = tot - metric_tie - human_tie + both - dis
    out = [con, dis, metric_tie - both, human_tie - both, both, n]
    distinct = np.minimum(x_classes, y_classes).reshape(shape) if classes else None
    return PairCounts(*(a.reshape(shape) for a in out), distinct)


def pair_counts(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, classes: bool = True) -> PairCounts:
    """Counts of each group. human, mask: (G, L); metric: (..., G, L). classes:
    also count distinct values (needed by tau-c only)."""
    if mask.shape[-1] <= _DENSE_MAX:
        return _dense(human, metric, mask, classes)
    return _sorted(human, metric, mask, classes)


def tau(counts: PairCounts, variant: str) -> np.ndarray:
    """Kendall tau-b or tau-c (scipy's formulas, clipped to [-1, 1]), or acc23
    (the share of pairs ordered or tied alike); NaN where undefined."""
    tot = counts.pairs
    con_minus_dis = (counts.con - counts.dis).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if variant == "acc23":
            return np.where(tot > 0, (counts.con + counts.both_ties) / np.maximum(tot, 1), np.nan)
        metric_tie = counts.metric_ties + counts.both_ties
        human_tie = counts.human_ties + counts.both_ties
        undefined = (counts.size < 2) | (metric_tie == tot) | (human_tie == tot)
        if variant == "b":
            # scipy.stats.kendalltau(human, metric): the human term divides first
            t = con_minus_dis / np.sqrt(tot - human_tie) / np.sqrt(tot - metric_tie)
        elif variant == "c":
            m = counts.classes.astype(float)
            t = 2 * con_minus_dis / (counts.size.astype(float) ** 2 * (m - 1) / m)
        else:
            raise ValueError(f"unknown Kendall variant {variant!r}: expected b, c or acc23")
    return np.where(undefined, np.nan, np.clip(t, -1.0, 1.0))
