"""Statistics over pairs of systems: pairwise accuracy, WMT20's Kendall-like
DARR statistic, and soft pairwise accuracy (SPA)."""
from __future__ import annotations

import numpy as np

DARR_THRESHOLD = 25.0
SPA_PERMUTATIONS = 1000
SPA_SEED = 4  # MTME's pce.compute_pairwise_p_values default


def agreements(human: np.ndarray, metric: np.ndarray) -> tuple[np.ndarray, int]:
    """(pairs ordered alike, pairs) over all pairs of a complete vector; a pair
    agrees when sign(human difference) == sign(metric difference), so a tie
    agrees only with a tie. metric may carry leading resample axes."""
    n = human.shape[-1]
    i, j = np.triu_indices(n, 1)
    agree = np.sign(human[..., i] - human[..., j]) == np.sign(metric[..., i] - metric[..., j])
    return agree.sum(axis=-1), i.size


def darr(human: np.ndarray, metric: np.ndarray, mask: np.ndarray, threshold: float = DARR_THRESHOLD) -> tuple[int, int]:
    """(concordant, discordant) over pairs of rated systems within each group
    whose human scores differ by at least `threshold`; a metric tie counts as
    discordant (WMT20's convention, kept by MTME)."""
    i, j = np.triu_indices(mask.shape[-1], 1)
    valid = mask[:, i] & mask[:, j]
    diff = human[:, i] - human[:, j]
    counted = valid & (np.abs(diff) >= threshold)
    mi, mj = metric[:, i], metric[:, j]
    concordant = counted & (((diff > 0) & (mi > mj)) | ((diff < 0) & (mi < mj)))
    c = int(concordant.sum())
    return c, int(counted.sum()) - c


def spa_signs(n_segments: int, permutations: int = SPA_PERMUTATIONS, seed: int = SPA_SEED) -> np.ndarray:
    """MTME's +-1 float32 permutation matrix (permutations, n_segments) for SPA,
    drawn exactly as pce.compute_pairwise_p_values draws it."""
    signs = np.random.default_rng(seed).random(size=(permutations, n_segments), dtype=np.float32)
    np.rint(signs, out=signs, casting="same_kind")
    signs *= 2.0
    signs -= 1.0
    return signs


def pairwise_p_values(segments: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """p-values that system i beats system j (upper triangle; NaN elsewhere) from
    a paired permutation test on (n_systems, n_segments) scores, in float32 as
    MTME computes them."""
    seg = np.ascontiguousarray(segments).astype(np.float32)
    totals = np.sum(seg, axis=1)
    partial = np.matmul(signs, seg.T)
    null = partial[:, :, None] - partial[:, None, :]
    observed = totals[:, None] - totals[None, :]
    p = (null >= observed).sum(axis=0) / signs.shape[0]
    n = seg.shape[0]
    return np.where(np.triu(np.ones((n, n), bool), 1), p, np.nan)


def soft_pairwise_accuracy(human_p: np.ndarray, metric_p: np.ndarray) -> float:
    """1 - mean |p_human - p_metric| over system pairs (MTME's 1 - PCE)."""
    iu = np.triu_indices(human_p.shape[0], 1)
    return float(1.0 - np.mean(np.abs(human_p - metric_p)[iu]))
