"""PERM-BOTH significance between metrics and MTME's clusters of metrics.

The test (Deutsch et al. 2021, MTME's stats.PermutationSigDiff): both metrics'
scores are z-normalised over the rated entries, then each resample swaps each
entry between the two metrics with probability 1/2 and recomputes the
statistic; the p-value that metric2 beats metric1 is the share of resamples
whose difference reaches the observed one, with MTME's early stopping at block
boundaries. All resamples of a block are scored at once.

Unlike MTME, whose draws come from numpy's unseeded global generator, the draws
here come from ``numpy.random.RandomState(seed)``, the same stream for every pair
of metrics, so reruns give identical p-values. The stream equals MTME's own
after ``numpy.random.seed(seed)``, which is how the tests feed MTME the same
permutations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from . import correlation, kendall, pair_swaps, ties
from .agreement import MIN_SYSTEMS, as_matrix, row_means
from .groups import GROUPINGS, rated_groups

STATISTICS = ("sys_pearson", "sys_kendall_b", "sys_accuracy") + tuple(
    f"seg_{name}_{by}" for name in ("pearson", "kendall_b", "kendall_c") for by in GROUPINGS
) + ("seg_acc_eq_item", "seg_acc_eq_none")  # the statistics with a significance test
DEFAULT_K = 1000
DEFAULT_PVAL = 0.05
_CHUNK_ELEMENTS = 400_000  # bound on resampled entries scored at once

Scorer = Callable[[np.ndarray], np.ndarray]  # (B, G, L) metric resamples -> (B,) statistic


@dataclass(frozen=True)
class EarlyStop:
    """MTME's PermutationSigDiffParams: stop at a block boundary once p < low or p > high."""

    block_size: int = 1000
    low: float = 0.02
    high: float = 0.5


@dataclass
class MetricComparison:
    """Metrics ordered by decreasing statistic (ties by name, as MTME orders them).

    scores: metric -> statistic. pvalues[a][b], for a ordered above b: p-value of
    the null hypothesis that b is at least as good as a. ranks: metric -> rank
    of its significance cluster (1 = top), by MTME's AssignRanks. undefined:
    metrics whose statistic is NaN (left out of the test), with the reason."""

    statistic: str
    scores: dict[str, float]
    pvalues: dict[str, dict[str, float]]
    ranks: dict[str, int]
    undefined: dict[str, str] = field(default_factory=dict)


def _mean_defined(per_group: np.ndarray) -> np.ndarray:
    """MTME's average inside the test: np.average of the defined groups, 0 if
    none. A row with undefined groups is averaged on its own, so that the sum
    runs over the same values in the same order as MTME's, bit for bit (the
    resampled differences are compared with >=, where the last bit counts)."""
    out = per_group.mean(axis=-1)
    for row in np.flatnonzero(np.isnan(out)):
        defined = per_group[row][~np.isnan(per_group[row])]
        out[row] = np.average(defined) if defined.size else 0.0
    return out


class Statistic:
    """A statistic of (resampled) metric scores against fixed human groups."""

    def __init__(self, score: Scorer, mask: np.ndarray):
        self.score, self.mask = score, mask

    def __call__(self, grouped: np.ndarray) -> np.ndarray:
        return self.score(grouped)

    def swapped(self, z1: np.ndarray, z2: np.ndarray, w1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Statistic of m1 = w1*z1 + (1-w1)*z2 and of m2 = (1-w1)*z1 + w1*z2 (as
        MTME forms them) for each row of 0/1 swaps w1 (b, N); z in mask order."""
        b, w2 = w1.shape[0], 1 - w1
        mixed = np.zeros((2 * b,) + self.mask.shape)
        mixed[:b, self.mask] = w1 * z1 + w2 * z2
        mixed[b:, self.mask] = w2 * z1 + w1 * z2
        c = self.score(mixed)
        return c[:b], c[b:]


class PearsonStatistic(Statistic):
    """Pearson, resampled without forming the resamples: a swap mixes two fixed
    vectors, so each group's sums (of hc*m, m, m^2) are the unswapped sums plus
    one weighted sum of the swaps. Falls back to forming them when a resample
    could make a group constant (Pearson then undefined, which sums can't see)."""

    def __init__(self, human: np.ndarray, mask: np.ndarray):
        super().__init__(lambda m: _mean_defined(correlation.pearson_groups(human, m, mask)), mask)
        n = mask.sum(axis=-1)
        group = np.broadcast_to(np.arange(mask.shape[0])[:, None], mask.shape)[mask]
        self.sel = (n >= 2)[group]  # entries of groups that can have a correlation
        self.groups = np.flatnonzero(n >= 2)
        counts = n[self.groups]
        self.starts = np.r_[0, np.cumsum(counts)[:-1]]
        self.n = counts.astype(float)
        self.hc = correlation.centred(human, mask, n)[mask][self.sel]
        self.hh = np.add.reduceat(self.hc * self.hc, self.starts) if self.groups.size else np.zeros(0)
        self.human_constant = correlation.constant_groups(human, mask)[self.groups]
        self.n_groups = mask.shape[0]

    def _may_become_constant(self, z1: np.ndarray, z2: np.ndarray) -> bool:
        first = np.repeat(self.starts, self.n.astype(int))
        for c in (z1[first], z2[first]):
            if np.logical_and.reduceat((z1 == c) | (z2 == c), self.starts).any():
                return True
        return False

    def swapped(self, z1, z2, w1):
        if not self.groups.size or self._may_become_constant(z1[self.sel], z2[self.sel]):
            return super().swapped(z1, z2, w1)
        z1, z2, w = z1[self.sel], z2[self.sel], w1[:, self.sel]
        d = z1 - z2
        group_sum = lambda x: np.add.reduceat(x, self.starts, axis=-1)  # noqa: E731
        a, s, q = group_sum(w * (self.hc * d)), group_sum(w * d), group_sum(w * (z1 * z1 - z2 * z2))
        out = []
        for z, sign in ((z2, 1.0), (z1, -1.0)):
            num = group_sum(self.hc * z) + sign * a
            total = group_sum(z) + sign * s
            squares = group_sum(z * z) + sign * q
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.clip(num / np.sqrt(self.hh * (squares - total * total / self.n)), -1.0, 1.0)
            r = np.where(self.n == 2, np.round(r), r)
            per_group = np.full((w.shape[0], self.n_groups), np.nan)
            per_group[:, self.groups] = np.where(self.human_constant, np.nan, r)
            out.append(_mean_defined(per_group))
        return out[0], out[1]


class KendallBStatistic(Statistic):
    """Kendall tau-b, resampled without sorting: whether a pair (i, j) is ordered
    or tied in a resample depends only on which metric each end came from, so
    con - dis and the metric ties of a resample are quadratic forms in its swap
    vector u: c + u.a + u'Qu, with the same Q for both resamples of a draw. Exact
    integer counts, so every value equals the sorting path's bit for bit. Used
    for groups up to _QUADRATIC_MAX_LENGTH (item and sys groupings)."""

    def __init__(self, human: np.ndarray, mask: np.ndarray):
        super().__init__(lambda m: _mean_defined(kendall.tau(kendall.pair_counts(human, m, mask, False), "b")), mask)
        L = mask.shape[-1]
        upper = np.triu(np.ones((L, L), bool), 1)
        self.valid = (mask[:, :, None] & mask[:, None, :] & upper).astype(float)
        self.t = np.sign(human[:, None, :] - human[:, :, None]) * self.valid  # [g, i, j] = sign(h_j - h_i)
        self.pairs = self.valid.sum(axis=(1, 2)).astype(np.int64)
        self.human_tie = self.pairs - np.abs(self.t).sum(axis=(1, 2)).astype(np.int64)
        self.n = mask.sum(axis=-1)

    @staticmethod
    def _forms(weight, d00, d10, d01, d11):
        """(c, a, Q) of sum_ij weight_ij d(u_i, u_j) = c + u.a + u'Qu, where
        d(u_i, u_j) is d00..d11 for the ends' choices (1 = first vector)."""
        c = (weight * d00).sum(axis=(1, 2))
        a = (weight * (d10 - d00)).sum(axis=2) + (weight * (d01 - d00)).sum(axis=1)
        return c, a, weight * (d11 - d10 - d01 + d00)

    chunk_elements = 4_000_000  # resampled entries per call: building the forms dominates otherwise

    def _counts(self, Z1, Z2, U, groups):
        """(con - dis, metric ties) of both resamples, for a slice of groups."""
        t, valid = self.t[groups], self.valid[groups]
        diff = lambda a, b: b[:, None, :] - a[:, :, None]  # noqa: E731  [g, i, j] = b_j - a_i
        d = [diff(Z2, Z2), diff(Z1, Z2), diff(Z2, Z1), diff(Z1, Z1)]  # ends from (m2, m2), (m1, m2), ...
        signs, ties = [np.sign(x) for x in d], [(x == 0).astype(float) for x in d]
        Ug = U.transpose(1, 0, 2)  # (G, B, L)
        out = []
        for order in ((0, 1, 2, 3), (3, 2, 1, 0)):  # m1 takes z1 where u = 1; m2 takes z2 there
            counts = []
            for values, weight in ((signs, t), (ties, valid)):
                c, a, Q = self._forms(weight, *(values[i] for i in order))
                quadratic = ((Ug @ Q) * Ug).sum(axis=-1).T
                counts.append(np.rint(c + (U * a).sum(axis=-1) + quadratic).astype(np.int64))
            out.append(counts)
        return out

    def swapped(self, z1, z2, w1):
        Z1, Z2 = np.zeros(self.mask.shape), np.zeros(self.mask.shape)
        Z1[self.mask], Z2[self.mask] = z1, z2
        U = np.zeros((w1.shape[0],) + self.mask.shape)
        U[:, self.mask] = w1
        G, L = self.mask.shape
        step = max(1, 2_000_000 // (L * L))
        parts = [self._counts(Z1[g:g + step], Z2[g:g + step], U[:, g:g + step], slice(g, g + step))
                 for g in range(0, G, step)]
        out = []
        for side in range(2):
            con_minus_dis = np.concatenate([p[side][0] for p in parts], axis=1)
            metric_tie = np.concatenate([p[side][1] for p in parts], axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                tau = con_minus_dis / np.sqrt(self.pairs - self.human_tie) / np.sqrt(self.pairs - metric_tie)
            undefined = (self.n < 2) | (self.human_tie == self.pairs) | (metric_tie == self.pairs)
            out.append(_mean_defined(np.where(undefined, np.nan, np.clip(tau, -1.0, 1.0))))
        return out[0], out[1]


_QUADRATIC_MAX_LENGTH = 64  # longer groups (sys, none groupings) sort instead: the forms grow as length^2


def scorer(name: str, human: np.ndarray, mask: np.ndarray) -> Statistic:
    """The statistic `name` of metric resamples against fixed human groups."""
    if name == "pearson":
        return PearsonStatistic(human, mask)
    if name == "kendall_b" and mask.shape[-1] <= _QUADRATIC_MAX_LENGTH:
        return KendallBStatistic(human, mask)
    if name in ("kendall_b", "kendall_c"):
        variant = name[-1]
        return Statistic(lambda m: _mean_defined(kendall.tau(kendall.pair_counts(human, m, mask, variant == "c"), variant)), mask)
    if name == "accuracy":  # micro-pooled over groups (test sets)
        i, j = np.triu_indices(mask.shape[-1], 1)
        valid = mask[:, i] & mask[:, j]
        human_sign = np.sign(human[:, i] - human[:, j])
        pairs = int(valid.sum())
        return Statistic(lambda m: ((np.sign(m[..., i] - m[..., j]) == human_sign) & valid).sum(axis=(-2, -1)) / pairs, mask)
    raise ValueError(f"no significance test for {name!r}")


def _zscore(x: np.ndarray) -> np.ndarray:
    """scipy.stats.zscore (population std), which MTME applies first; a
    constant vector (scipy: NaN) becomes zeros."""
    std = x.std()
    return (x - x.mean()) / std if std > 0 else np.zeros_like(x)


def perm_both(stat: Statistic, mask: np.ndarray, metric1: np.ndarray, metric2: np.ndarray, *,
              k: int = DEFAULT_K, seed: int = 0, early: EarlyStop = EarlyStop(),
              draws: np.ndarray | None = None) -> tuple[float, float, int]:
    """(p-value that metric2 beats metric1, delta = stat(metric2) - stat(metric1),
    resamples used). metric1/2: (G, L) grouped like mask. draws: optional (k, N)
    0/1 swaps to reuse across pairs (else drawn from RandomState(seed))."""
    z1, z2 = _zscore(metric1[mask]), _zscore(metric2[mask])
    n = z1.size
    base1, base2 = stat.swapped(z1, z2, np.ones((1, n), np.int64))  # no swap: m1 = z1, m2 = z2
    delta = base2[0] - base1[0]
    rng = np.random.RandomState(seed) if draws is None else None
    chunk = max(1, getattr(stat, "chunk_elements", _CHUNK_ELEMENTS) // mask.size)
    count, used = 0, 0
    while used < k:
        boundary = min(k, (used // early.block_size + 1) * early.block_size)
        while used < boundary:
            b = min(chunk, boundary - used)
            w1 = rng.binomial(1, 0.5, (b, n)) if draws is None else draws[used:used + b].astype(np.int64)
            c1, c2 = stat.swapped(z1, z2, w1)
            count += int(((c2 - c1) >= delta).sum())
            used += b
        if used % early.block_size == 0:
            p = count / used
            if p < early.low or p > early.high:
                break
    return count / used, float(delta), used


def assign_ranks(sig: np.ndarray, pval: float = DEFAULT_PVAL) -> list[int]:
    """MTME's AssignRanks: walking down the ordered metrics, a new cluster starts
    at the first metric significantly beaten by a metric of the current one."""
    ranks, rank, start = [], 1, 0
    for i in range(sig.shape[0]):
        if (sig[start:i, i] <= pval).any():
            rank += 1
            start = i
        ranks.append(rank)
    return ranks


def _rank(statistic: str, values: dict[str, float], pvalue: Callable[[str, str], float], k: int, pval: float,
          undefined: dict[str, str]) -> MetricComparison:
    """Order metrics as MTME does, test each pair (pvalue(better, worse)), cluster."""
    order = sorted(values, key=lambda name: (-values[name], name))
    n = len(order)
    sig = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if k:
                sig[i, j] = pvalue(order[i], order[j])
    ranks = assign_ranks(sig, pval) if k else list(range(1, n + 1))
    pvalues = {a: {b: float(sig[i, j]) for j, b in enumerate(order) if j > i} for i, a in enumerate(order)}
    return MetricComparison(statistic, {m: values[m] for m in order}, pvalues, dict(zip(order, ranks)), undefined)


def _compare(statistic: str, score: Statistic, mask: np.ndarray, metrics: Mapping[str, np.ndarray],
             undefined: dict[str, str], k: int, seed: int, early: EarlyStop, pval: float) -> MetricComparison:
    values = {}
    for name, m in metrics.items():
        grouped = np.zeros((1,) + mask.shape)
        grouped[0, mask] = m[mask]
        values[name] = float(score(grouped)[0])
    draws = np.random.RandomState(seed).binomial(1, 0.5, (k, int(mask.sum()))).astype(np.uint8) if k else None
    return _rank(statistic, values, lambda better, worse: perm_both(
        score, mask, metrics[worse], metrics[better], k=k, early=early, draws=draws)[0], k, pval, undefined)


def _compare_acc_eq(statistic: str, human: np.ndarray, mask: np.ndarray, metrics: Mapping[str, np.ndarray],
                    k: int, seed: int, early: EarlyStop, pval: float) -> MetricComparison:
    """acc_eq with each metric's calibrated epsilon, tested as MTME's
    CompareMetrics(perm_test='pairs') tests it (see pair_swaps.py)."""
    if ties.count_pairs(mask) > ties.MAX_PAIRS:
        raise ValueError(f"{statistic}: {ties.count_pairs(mask):,} pairs exceed the calibration limit of {ties.MAX_PAIRS:,}")
    calibrated, undefined = {}, {}
    for name, m in metrics.items():
        result = ties.calibrate(human, m, mask)
        if result is None:
            undefined[name] = "no group has 2 rated entries"
        else:
            calibrated[name] = result
    swaps = pair_swaps.PairSwaps(mask, k, seed) if k and calibrated else None
    return _rank(statistic, {m: r.accuracy for m, r in calibrated.items()}, lambda better, worse: pair_swaps.acc_eq_difference(
        human, mask, metrics[worse], metrics[better], calibrated[worse].epsilon, calibrated[better].epsilon, swaps, k,
        early.block_size, early.low, early.high)[0], k, pval, undefined)


def _split(statistic: str) -> tuple[str, str, str]:
    """'seg_kendall_b_item' -> ('seg', 'kendall_b', 'item'); 'sys_pearson' -> ('sys', 'pearson', 'none')."""
    level, _, rest = statistic.partition("_")
    if level == "sys":
        return level, rest, "none"
    name, _, by = rest.rpartition("_")
    return level, name, by


def compare_metrics(human_seg, metrics_seg: Mapping[str, np.ndarray], human_sys=None,
                    metrics_sys: Mapping[str, np.ndarray] | None = None, *, statistic: str = "sys_pearson",
                    k: int = DEFAULT_K, seed: int = 0, pval: float = DEFAULT_PVAL,
                    early: EarlyStop = EarlyStop()) -> MetricComparison:
    """PERM-BOTH between every pair of metrics for one statistic, and clusters.

    statistic: one of STATISTICS: sys_{pearson,kendall_b,accuracy},
    seg_{pearson,kendall_b,kendall_c}_{none,item,sys}, or seg_acc_eq_{item,none}
    (each metric at its calibrated epsilon, MTME's test over pairs). Inputs as for
    agreement(); metrics_sys defaults to each metric's mean segment score.
    k=0 ranks by value only (every metric its own cluster). Metrics whose
    statistic is undefined are listed in .undefined and left out."""
    if statistic not in STATISTICS:
        raise ValueError(f"no significance test for {statistic!r}: expected one of {', '.join(STATISTICS)}")
    level, name, by = _split(statistic)
    human_seg = as_matrix("human_seg", human_seg)
    shape = human_seg.shape
    segs = {m: as_matrix(f"metrics_seg[{m}]", v, shape) for m, v in metrics_seg.items()}
    undefined: dict[str, str] = {}
    if level == "sys":
        h = row_means(human_seg) if human_sys is None else as_matrix("human_sys", human_sys, (shape[0],))
        sys_scores = {m: (row_means(segs[m]) if metrics_sys is None or m not in metrics_sys
                          else as_matrix(f"metrics_sys[{m}]", metrics_sys[m], (shape[0],))) for m in segs}
        keep = ~np.isnan(h)
        if keep.sum() < (2 if name == "accuracy" else MIN_SYSTEMS):
            raise ValueError(f"too few systems with human scores for {statistic} ({int(keep.sum())})")
        human, mask = h[keep][None], np.ones((1, int(keep.sum())), bool)
        grouped = {m: v[keep][None] for m, v in sys_scores.items()}
        for m, v in grouped.items():
            if np.isnan(v).any():
                raise ValueError(f"metric {m}: system score missing for a system with a human score")
            if name != "accuracy" and np.all(v == v[0, 0]):
                undefined[m] = "metric system scores are all equal"
    else:
        rated = ~np.isnan(human_seg).all(axis=1)
        human, _, mask = rated_groups(human_seg[rated], human_seg[rated], by)
        grouped = {m: rated_groups(human_seg[rated], v[rated], by)[1] for m, v in segs.items()}
        for m, v in grouped.items():
            if np.isnan(v[mask]).any():
                raise ValueError(f"metric {m}: score missing for a rated segment")
            if name != "acc_eq" and correlation.constant_groups(v, mask).all():
                undefined[m] = "metric scores are constant within every group"
    kept = {m: v for m, v in grouped.items() if m not in undefined}
    if name == "acc_eq":
        return _compare_acc_eq(statistic, human, mask, grouped, k, seed, early, pval)
    score = scorer(name, human, mask)
    return _compare(statistic, score, mask, kept, undefined, k, seed, early, pval)


def compare_pooled_accuracy(testsets, *, k: int = DEFAULT_K, seed: int = 0, pval: float = DEFAULT_PVAL,
                            early: EarlyStop = EarlyStop()) -> MetricComparison:
    """PERM-BOTH and clusters for pairwise accuracy micro-pooled over test sets
    (MTME's CompareMetricsWithGlobalAccuracy); testsets as for pooled_accuracy."""
    testsets = list(testsets)
    names = sorted(set.intersection(*(set(metrics) for _, metrics in testsets)))
    kept = [as_matrix("human_sys", h) for h, _ in testsets]
    keeps = [~np.isnan(h) for h in kept]
    L = max(int(k_.sum()) for k_ in keeps)
    mask = np.zeros((len(testsets), L), bool)
    human = np.zeros(mask.shape)
    metrics = {m: np.zeros(mask.shape) for m in names}
    for t, ((_, ms), h, keep) in enumerate(zip(testsets, kept, keeps)):
        n = int(keep.sum())
        mask[t, :n] = True
        human[t, :n] = h[keep]
        for m in names:
            metrics[m][t, :n] = as_matrix(f"metric_sys[{m}]", ms[m], h.shape)[keep]
    return _compare("sys_accuracy", scorer("accuracy", human, mask), mask, metrics, {}, k, seed, early, pval)
