"""Significance for acc_eq: MTME's permutation test over pairs
(stats.PairwisePermutationSigDiff, `perm_test='pairs'` of CompareMetrics).

Each metric keeps its own calibrated epsilon; a resample swaps, for each pair of
systems in a group independently, which metric's verdict on that pair
(ordered like the human scores, or tied in both) is used. A group's acc_eq is
then linear in the swaps, so all resamples are one weighted sum per group.

MTME draws, per resample and per group of n rated entries, an n x n matrix of
coin flips and uses its strict upper triangle; the same stream is drawn here
from RandomState(seed), once for every pair of metrics, and kept as bits.
Like MTME, the early-stopping check only runs at a block boundary whose own
resample reached the observed difference.
"""
from __future__ import annotations

import numpy as np

from . import ties


def verdicts(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, epsilon: float) -> np.ndarray:
    """Per rated pair (MTME's order), 1 where the metric, with differences up to
    epsilon as ties, orders the pair as the human scores do or ties both."""
    _, dh, dm = ties.rated_pairs(human, metric, mask)
    metric_tie = np.abs(dm) <= epsilon
    return np.where(dh == 0, metric_tie, ~metric_tie & (np.sign(dh) == np.sign(dm))).astype(np.int64)


class PairSwaps:
    """The swap bits of k resamples for the rated pairs of every group."""

    def __init__(self, mask: np.ndarray, k: int, seed: int, chunk: int = 10):
        n = mask.sum(axis=-1)
        sizes = n[n > 0]
        # position of each strict-upper (i < j) rated pair inside its group's n x n draw
        offsets = np.r_[0, np.cumsum(sizes * sizes)[:-1]]
        picks = []
        for size, offset in zip(sizes, offsets):
            i, j = np.triu_indices(int(size), 1)
            picks.append(offset + i * size + j)
        self.picks = np.concatenate(picks) if picks else np.zeros(0, np.int64)
        self.draws_per_resample = int((sizes * sizes).sum())
        rng = np.random.RandomState(seed)
        packed = []
        for start in range(0, k, chunk):
            b = min(chunk, k - start)
            packed.append(np.packbits(rng.binomial(1, 0.5, (b, self.draws_per_resample))[:, self.picks].astype(bool), axis=1))
        self.packed = np.concatenate(packed) if packed else np.zeros((0, 0), np.uint8)
        self.n_pairs = self.picks.size

    def rows(self, start: int, stop: int) -> np.ndarray:
        return np.unpackbits(self.packed[start:stop], axis=1, count=self.n_pairs)


def acc_eq_difference(human: np.ndarray, mask: np.ndarray, metric1: np.ndarray, metric2: np.ndarray,
                      epsilon1: float, epsilon2: float, swaps: PairSwaps, k: int, block_size: int,
                      low: float, high: float) -> tuple[float, float, int]:
    """(p-value that metric2's acc_eq beats metric1's, delta, resamples used)."""
    group, _, _ = ties.rated_pairs(human, metric1, mask)
    good1 = verdicts(human, metric1, mask, epsilon1)
    good2 = verdicts(human, metric2, mask, epsilon2)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if group.size else np.zeros(0, np.int64)
    n_pairs = np.diff(np.r_[starts, group.size])
    base1, base2 = np.add.reduceat(good1, starts), np.add.reduceat(good2, starts)
    delta = (base2 / n_pairs).mean() - (base1 / n_pairs).mean()
    gain = good1 - good2  # hybrid 1 takes metric1's verdict where the swap bit is 1
    count, used = 0, 0
    while used < k:
        stop = min(k, used + 50)
        w = swaps.rows(used, stop).astype(np.int64)
        shift = np.add.reduceat(w * gain, starts, axis=1)
        c1 = ((base2 + shift) / n_pairs).mean(axis=-1)
        c2 = ((base1 - shift) / n_pairs).mean(axis=-1)
        for hit in (c2 - c1) >= delta:
            used += 1
            if hit:
                count += 1
                if used % block_size == 0 and not low <= count / used <= high:
                    return count / used, float(delta), used
        # (MTME checks the boundary only when its own resample counted)
    return count / used, float(delta), used
