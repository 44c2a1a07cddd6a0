"""Confidence intervals, paired significance tests and ranking clusters.

Definitions and defaults are sacreBLEU 2.6.0's (``sacrebleu/significance.py``),
so numbers agree with ``sacrebleu --confidence``, ``--paired-bs`` and
``--paired-ar`` for the same inputs and seed. Everything works on per-segment
sufficient-statistics matrices (rows = segments) and a metric's vectorised
``score_from_sums``; resampling a corpus is a weighted sum of rows, so all
resamples of all systems are scored with one matrix product per chunk.

Each resample's sums are computed the same way whatever the chunk size and
whichever BLAS runs (``_row_sums``), so results are bit-identical however the
resamples are chunked.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .errors import UserError

ScoreFromSums = Callable[[np.ndarray], np.ndarray]

DEFAULT_BOOTSTRAP_SAMPLES = 1000
DEFAULT_AR_TRIALS = 10000
DEFAULT_SEED = 12345
DEFAULT_ALPHA = 0.05
SEED_ENV = "SACREBLEU_SEED"
_CHUNK_BYTES = 64 * 2**20  # bound on the per-chunk resample weight matrix
_ROW_ALIGN = 32  # numpy's bool generator buffers 32 bits: keep chunks on its boundary


@dataclass(frozen=True)
class PairedResult:
    """One system's score, optional p-value against the baseline, and optional
    bootstrap estimate: ``mean`` of the resampled scores and ``ci`` = (low, high),
    the 2.5th/97.5th percentile resample scores. sacreBLEU prints the same
    interval as ``mean ± half_width``."""

    score: float
    p_value: float | None = None
    mean: float | None = None
    ci: tuple[float, float] | None = None

    @property
    def half_width(self) -> float | None:
        return None if self.ci is None else 0.5 * (self.ci[1] - self.ci[0])


def resolve_seed(seed: int | str | None = None) -> int | None:
    """The RNG seed as sacreBLEU chooses it: an explicit value wins, otherwise
    ``$SACREBLEU_SEED``, otherwise 12345; the string ``none`` means OS entropy."""
    from .values import SEED

    where = "seed"
    if seed is None:
        seed, where = os.environ.get(SEED_ENV, str(DEFAULT_SEED)), f"${SEED_ENV}"
    if isinstance(seed, str) and seed.strip().lower() == "none":
        return None
    try:
        return SEED.parse(seed)
    except ValueError as exc:
        raise UserError(f"{where}: {exc} (or 'none')") from None


def _stack(stats_by_system: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Systems' statistics as one (n_segments, n_systems, n_stats) float64 array."""
    names = list(stats_by_system)
    if not names:
        raise ValueError("no systems to compare")
    mats = [np.asarray(stats_by_system[n], dtype=np.float64) for n in names]
    shapes = {m.shape for m in mats}
    if len(shapes) != 1 or len(mats[0].shape) != 2:
        raise ValueError(f"statistics matrices differ in shape or are not 2-D: {sorted(shapes)}")
    if mats[0].shape[0] == 0:
        raise ValueError("statistics matrices have no segments")
    return names, np.stack(mats, axis=1)


def _chunk_rows(n_rows: int, row_width: int) -> int:
    """Resamples per chunk so one chunk's float64 rows stay near _CHUNK_BYTES."""
    rows = max(_ROW_ALIGN, _CHUNK_BYTES // (8 * row_width) // _ROW_ALIGN * _ROW_ALIGN)
    return min(rows, n_rows)


def _row_sums(flat: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``weights -> weights @ flat`` (weights: resample rows of non-negative
    integer weights summing to at most ``len(flat)``), with each row's sums
    independent of the other rows and of the BLAS library.

    Integer-valued columns (lexical counts) whose largest possible sum stays
    below 2**53 go through the matrix product: every partial sum is an exact
    integer, so the order of additions cannot matter. Other columns (neural
    scores) are summed per row by numpy's fixed pairwise order, which a BLAS
    kernel's blocking (chosen by the chunk's shape and the CPU) would not keep.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        exact = np.all(flat == np.round(flat), axis=0) & (np.abs(flat).max(axis=0) * len(flat) < 2.0**53)
    integral = np.ascontiguousarray(flat[:, exact])
    fractional = [(j, np.ascontiguousarray(flat[:, j])) for j in np.flatnonzero(~exact)]

    def sums(weights: np.ndarray) -> np.ndarray:
        out = np.empty((weights.shape[0], flat.shape[1]), dtype=np.float64)
        out[:, exact] = weights @ integral
        for j, column in fractional:
            out[:, j] = (weights * column).sum(axis=1)
        return out

    return sums


def _scores(stacked: np.ndarray, score_from_sums: ScoreFromSums) -> np.ndarray:
    """Corpus score of each system: shape (n_systems,)."""
    return np.asarray(score_from_sums(stacked.sum(axis=0)), dtype=np.float64)


def bootstrap_scores(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
                     n_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
                     seed: int | str | None = None) -> tuple[list[str], np.ndarray]:
    """Scores of every system on ``n_samples`` bootstrap resamples of the segments,
    shape (n_samples, n_systems). All systems share each resample (paired), and
    the indices are sacreBLEU's: ``default_rng(seed).choice(N, (n_samples, N))``.
    A resample's sums are its segment counts times the statistics matrix."""
    names, stacked = _stack(stats_by_system)
    n_seg, n_sys, n_stats = stacked.shape
    row_sums = _row_sums(stacked.reshape(n_seg, n_sys * n_stats))
    rng = np.random.default_rng(resolve_seed(seed))
    out = np.empty((n_samples, n_sys), dtype=np.float64)
    step = _chunk_rows(n_samples, max(n_seg, n_sys * n_stats))
    for start in range(0, n_samples, step):
        rows = min(step, n_samples - start)
        idx = rng.choice(n_seg, size=(rows, n_seg), replace=True)
        offsets = (np.arange(rows) * n_seg)[:, None]
        counts = np.bincount((idx + offsets).ravel(), minlength=rows * n_seg)
        sums = row_sums(counts.reshape(rows, n_seg).astype(np.float64))
        out[start:start + rows] = score_from_sums(sums.reshape(rows, n_sys, n_stats))
    return names, out


def _interval(samples: np.ndarray) -> tuple[float, tuple[float, float]]:
    """sacreBLEU's ``estimate_ci``: mean of the resample scores and the scores at
    sorted positions n//40 and n - n//40 - 1 (95%)."""
    ordered = np.sort(samples)
    lower = len(ordered) // 40
    upper = len(ordered) - lower - 1
    return float(ordered.mean()), (float(ordered[lower]), float(ordered[upper]))


def _p_value(null_stats: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """sacreBLEU's (after multeval) ``(#{null > observed} + 1) / (n + 1)``, over axis 0."""
    return ((null_stats > observed).sum(axis=0) + 1) / (null_stats.shape[0] + 1)


def confidence_intervals(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
                         n_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
                         seed: int | str | None = None) -> dict[str, PairedResult]:
    """95% bootstrap interval of each system's score (``sacrebleu --confidence``)."""
    names, stacked = _stack(stats_by_system)
    scores = _scores(stacked, score_from_sums)
    _, samples = bootstrap_scores(stats_by_system, score_from_sums, n_samples, seed)
    results = {}
    for k, name in enumerate(names):
        mean, ci = _interval(samples[:, k])
        results[name] = PairedResult(float(scores[k]), None, mean, ci)
    return results


def _bootstrap_pair_p_values(samples: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """All-pairs paired-bootstrap p-values (n_systems, n_systems): sacreBLEU centres
    the resampled absolute differences on their mean and counts those above the
    observed absolute difference."""
    diffs = np.abs(samples[:, :, None] - samples[:, None, :])
    null_stats = diffs - diffs.mean(axis=0)
    observed = np.abs(scores[:, None] - scores[None, :])
    return _p_value(null_stats, observed)


def _ar_pair_p_values(stacked: np.ndarray, score_from_sums: ScoreFromSums,
                      n_trials: int, seed: int | None,
                      pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Approximate-randomisation p-values for the given (i, j) pairs.

    As sacreBLEU: each trial swaps the two systems' outputs on a random half of
    the segments (``default_rng(seed).integers(2, (n_trials, N), bool)``), and
    counts trials whose absolute score difference exceeds the observed one.
    With P = mask @ stats of every system, the swapped sums of (i, j) are
    P_i + total_j - P_j and its complement, so one product serves all pairs."""
    n_seg, n_sys, n_stats = stacked.shape
    row_sums = _row_sums(stacked.reshape(n_seg, n_sys * n_stats))
    totals = stacked.sum(axis=0)
    scores = np.asarray(score_from_sums(totals), dtype=np.float64)
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    observed = np.abs(scores[first] - scores[second])
    rng = np.random.default_rng(seed)
    exceed = np.zeros(len(pairs), dtype=np.int64)
    step = _chunk_rows(n_trials, max(n_seg, 4 * len(pairs) * n_stats))
    for start in range(0, n_trials, step):
        rows = min(step, n_trials - start)
        mask = rng.integers(2, size=(rows, n_seg), dtype=bool)
        picked = row_sums(mask.astype(np.float64)).reshape(rows, n_sys, n_stats)
        shuf_a = picked[:, first] + totals[second] - picked[:, second]
        shuf_b = totals[first] + totals[second] - shuf_a
        diff = np.abs(score_from_sums(shuf_a) - score_from_sums(shuf_b))
        exceed += (diff > observed).sum(axis=0)
    return (exceed + 1) / (n_trials + 1)


def paired_bootstrap(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
                     baseline: str, n_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
                     seed: int | str | None = None) -> dict[str, PairedResult]:
    """Paired bootstrap resampling of every system against ``baseline``
    (``sacrebleu --paired-bs``): p-value, bootstrap mean and 95% interval.
    The baseline's own entry has ``p_value`` None."""
    names, stacked = _stack(stats_by_system)
    base = _index(names, baseline)
    scores = _scores(stacked, score_from_sums)
    _, samples = bootstrap_scores(stats_by_system, score_from_sums, n_samples, seed)
    p_values = _bootstrap_pair_p_values(samples, scores)[base]
    results = {}
    for k, name in enumerate(names):
        mean, ci = _interval(samples[:, k])
        p = None if k == base else float(p_values[k])
        results[name] = PairedResult(float(scores[k]), p, mean, ci)
    return results


def paired_ar(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
              baseline: str, n_trials: int = DEFAULT_AR_TRIALS,
              seed: int | str | None = None) -> dict[str, PairedResult]:
    """Paired approximate randomisation of every system against ``baseline``
    (``sacrebleu --paired-ar``): score and p-value; no interval, as sacreBLEU's
    command line (use :func:`confidence_intervals` for one)."""
    names, stacked = _stack(stats_by_system)
    base = _index(names, baseline)
    scores = _scores(stacked, score_from_sums)
    others = [k for k in range(len(names)) if k != base]
    p_values = _ar_pair_p_values(stacked, score_from_sums, n_trials, resolve_seed(seed),
                                 [(base, k) for k in others])
    results = {names[base]: PairedResult(float(scores[base]))}
    for k, p in zip(others, p_values):
        results[names[k]] = PairedResult(float(scores[k]), float(p))
    return {name: results[name] for name in names}


@dataclass(frozen=True)
class Delta:
    """Change of one system between two runs on the same segments: ``delta`` =
    current - baseline, its 95% bootstrap interval and paired-bootstrap p-value."""

    baseline: float
    current: float
    p_value: float
    ci: tuple[float, float]

    @property
    def delta(self) -> float:
        return self.current - self.baseline


def paired_delta(baseline_stats: np.ndarray, current_stats: np.ndarray, score_from_sums: ScoreFromSums,
                 n_samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int | str | None = None) -> Delta:
    """Paired bootstrap of two versions of one system (the regression gate's test):
    p-value as :func:`paired_bootstrap`, interval of the resampled differences."""
    pair = {"baseline": baseline_stats, "current": current_stats}
    _, stacked = _stack(pair)
    scores = _scores(stacked, score_from_sums)
    _, samples = bootstrap_scores(pair, score_from_sums, n_samples, seed)
    p_value = float(_bootstrap_pair_p_values(samples, scores)[0, 1])
    _, ci = _interval(samples[:, 1] - samples[:, 0])
    return Delta(float(scores[0]), float(scores[1]), p_value, ci)


def pairwise_p_values(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
                      test: str = "bs", n_samples: int | None = None,
                      seed: int | str | None = None) -> tuple[list[str], np.ndarray]:
    """p-values of every pair of systems, symmetric (n_systems, n_systems) with
    NaN on the diagonal; ``test`` is ``"bs"`` (paired bootstrap) or ``"ar"``.
    Entry (i, j) equals sacreBLEU's p-value for j with baseline i."""
    names, stacked = _stack(stats_by_system)
    n_sys = len(names)
    if test == "bs":
        scores = _scores(stacked, score_from_sums)
        _, samples = bootstrap_scores(stats_by_system, score_from_sums,
                                      n_samples or DEFAULT_BOOTSTRAP_SAMPLES, seed)
        matrix = _bootstrap_pair_p_values(samples, scores).astype(np.float64)
    elif test == "ar":
        pairs = [(i, j) for i in range(n_sys) for j in range(i + 1, n_sys)]
        matrix = np.full((n_sys, n_sys), np.nan)
        if pairs:
            p = _ar_pair_p_values(stacked, score_from_sums, n_samples or DEFAULT_AR_TRIALS,
                                  resolve_seed(seed), pairs)
            for (i, j), value in zip(pairs, p):
                matrix[i, j] = matrix[j, i] = value
    else:
        raise ValueError(f"unknown test {test!r}: expected 'bs' or 'ar'")
    np.fill_diagonal(matrix, np.nan)
    return names, matrix


def significance_entries(stats_by_system: Mapping[str, np.ndarray], score_from_sums: ScoreFromSums,
                         higher_is_better: bool = True, test: str = "bs", baseline: str | None = None,
                         n_samples: int | None = None, seed: int | str | None = None,
                         confidence: bool = True, alpha: float = DEFAULT_ALPHA) -> dict[str, dict]:
    """The significance fields of each system's results.json metric entry:
    ``p_value`` against ``baseline`` (absent for the baseline itself or when no
    baseline is named), ``mean`` and ``ci`` (95% bootstrap, when ``confidence``)
    and ``cluster`` (1 = top, from all-pairs tests with the same ``test``).
    With ``test="bs"`` one set of resamples serves intervals, p-values and clusters."""
    names, stacked = _stack(stats_by_system)
    scores = _scores(stacked, score_from_sums)
    if test not in ("bs", "ar"):
        raise ValueError(f"unknown test {test!r}: expected 'bs' or 'ar'")
    base = None if baseline is None else _index(names, baseline)
    samples = None
    if test == "bs" or confidence:
        bs_n = n_samples if test == "bs" and n_samples else DEFAULT_BOOTSTRAP_SAMPLES
        _, samples = bootstrap_scores(stats_by_system, score_from_sums, bs_n, seed)
    if test == "bs":
        pairwise = _bootstrap_pair_p_values(samples, scores).astype(np.float64)
        np.fill_diagonal(pairwise, np.nan)
    else:
        _, pairwise = pairwise_p_values(stats_by_system, score_from_sums, "ar", n_samples, seed)
    ranks = clusters(dict(zip(names, scores.tolist())), names, pairwise, alpha, higher_is_better)
    entries: dict[str, dict] = {}
    for k, name in enumerate(names):
        entry: dict = {}
        if base is not None and k != base:
            entry["p_value"] = float(pairwise[base, k])
        if confidence:
            mean, ci = _interval(samples[:, k])
            entry["mean"], entry["ci"] = mean, [ci[0], ci[1]]
        entry["cluster"] = ranks[name]
        entries[name] = entry
    return entries


def clusters(scores: Mapping[str, float], names: Sequence[str], p_values: np.ndarray,
             alpha: float = DEFAULT_ALPHA, higher_is_better: bool = True) -> dict[str, int]:
    """Significance clusters as in the WMT findings (1 = top), ordered best first.

    Systems are sorted by score. A boundary is drawn between ranks k and k+1 only
    when every system ranked 1..k is significantly better (p < alpha, better
    score) than every system ranked k+1..; so a system starts a new cluster only
    when it is significantly worse than every system above it, and so is every
    system below it. Ties in score keep the order of ``names``."""
    position = {name: k for k, name in enumerate(names)}
    sign = -1.0 if higher_is_better else 1.0
    order = sorted(scores, key=lambda name: (sign * scores[name], position[name]))
    result: dict[str, int] = {}
    cluster = 1
    for k, name in enumerate(order):
        if k > 0 and _separates(order[:k], order[k:], scores, position, p_values, alpha):
            cluster += 1
        result[name] = cluster
    return result


def _separates(above: Sequence[str], below: Sequence[str], scores: Mapping[str, float],
               position: Mapping[str, int], p_values: np.ndarray, alpha: float) -> bool:
    return all(scores[a] != scores[b] and p_values[position[a], position[b]] < alpha
               for a in above for b in below)


def _index(names: list[str], name: str) -> int:
    try:
        return names.index(name)
    except ValueError:
        raise UserError(f"unknown baseline system {name!r}; systems are {', '.join(names)}") from None
