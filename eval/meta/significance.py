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

from . import correlation, kendall, pairwise
from .agreement import MIN_SYSTEMS, as_matrix, row_means
from .groups import GROUPINGS, rated_groups

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


def scorer(name: str, human: np.ndarray, mask: np.ndarray) -> Statistic:
    """The statistic `name` of metric resamples against fixed human groups."""
    if name == "pearson":
        return PearsonStatistic(human, mask)
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
    """scipy.stats.zscore (population std), which MTME applies first."""
    return (x - x.mean()) / x.std()


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
    chunk = max(1, _CHUNK_ELEMENTS // mask.size)
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


def _compare(statistic: str, score: Statistic, mask: np.ndarray, metrics: Mapping[str, np.ndarray],
             undefined: dict[str, str], k: int, seed: int, early: EarlyStop, pval: float) -> MetricComparison:
    values = {}
    for name, m in metrics.items():
        grouped = np.zeros((1,) + mask.shape)
        grouped[0, mask] = m[mask]
        value = float(score(grouped)[0])
        values[name] = value
    order = sorted(values, key=lambda name: (-values[name], name))
    n = len(order)
    sig = np.zeros((n, n))
    draws = np.random.RandomState(seed).binomial(1, 0.5, (k, int(mask.sum()))).astype(np.uint8) if k else None
    for i in range(n):
        for j in range(i + 1, n):
            if k:
                sig[i, j] = perm_both(score, mask, metrics[order[j]], metrics[order[i]], k=k, early=early, draws=draws)[0]
    ranks = assign_ranks(sig, pval) if k else list(range(1, n + 1))
    pvalues = {a: {b: float(sig[i, j]) for j, b in enumerate(order) if j > i} for i, a in enumerate(order)}
    return MetricComparison(statistic, {m: values[m] for m in order}, pvalues, dict(zip(order, ranks)), undefined)


def _split(statistic: str) -> tuple[str, str, str]:
    """'seg_kendall_b_item' -> ('seg', 'kendall_b', 'item')."""
    level, _, rest = statistic.partition("_")
    if level == "sys":
        return level, rest, "none"
    name, _, by = rest.rpartition("_")
    if level != "seg" or by not in GROUPINGS:
        raise ValueError(f"no significance test for {statistic!r}")
    return level, name, by


def compare_metrics(human_seg, metrics_seg: Mapping[str, np.ndarray], human_sys=None,
                    metrics_sys: Mapping[str, np.ndarray] | None = None, *, statistic: str = "sys_pearson",
                    k: int = DEFAULT_K, seed: int = 0, pval: float = DEFAULT_PVAL,
                    early: EarlyStop = EarlyStop()) -> MetricComparison:
    """PERM-BOTH between every pair of metrics for one statistic, and clusters.

    statistic: sys_pearson, sys_spearman... any of sys_{pearson,kendall_b,accuracy}
    or seg_{pearson,kendall_b,kendall_c}_{none,item,sys}. Inputs as for
    agreement(); metrics_sys defaults to each metric's mean segment score.
    k=0 ranks by value only (every metric its own cluster). Metrics whose
    statistic is undefined are listed in .undefined and left out."""
    level, name, by = _split(statistic)
    if name == "spearman":
        raise ValueError("no significance test for sys_spearman (MTME has none either: use sys_pearson or sys_kendall_b)")
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
            if name != "accuracy" and np.all(v == v[0, 0]):
                undefined[m] = "metric system scores are all equal"
    else:
        rated = ~np.isnan(human_seg).all(axis=1)
        human, _, mask = rated_groups(human_seg[rated], human_seg[rated], by)
        grouped = {m: rated_groups(human_seg[rated], v[rated], by)[1] for m, v in segs.items()}
        for m, v in grouped.items():
            if np.isnan(v[mask]).any():
                raise ValueError(f"metric {m}: score missing for a rated segment")
            if correlation.constant_groups(v, mask).all():
                undefined[m] = "metric scores are constant within every group"
    score = scorer(name, human, mask)
    kept = {m: v for m, v in grouped.items() if m not in undefined}
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
