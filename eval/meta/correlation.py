"""Pearson and Spearman per group, vectorised over groups and resamples.

Definitions are scipy's as MTME calls them; like MTME, a group with fewer than
two rated entries or with a constant side has no correlation (NaN), and an
average over groups is the plain mean of the groups that have one.
"""
from __future__ import annotations

import numpy as np


def group_mean(values: np.ndarray) -> float:
    """MTME's macro average: mean over the groups whose statistic is defined."""
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")


def constant_groups(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True where a group's rated entries are all equal (or there are none)."""
    hi = np.where(mask, x, -np.inf).max(axis=-1, initial=-np.inf)
    lo = np.where(mask, x, np.inf).min(axis=-1, initial=np.inf)
    return ~(hi > lo)


def centred(x: np.ndarray, mask: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Each group minus its mean over rated entries; unrated entries 0."""
    mean = np.where(mask, x, 0.0).sum(axis=-1) / np.maximum(n, 1)
    return np.where(mask, x - mean[..., None], 0.0)


def pearson_groups(human: np.ndarray, metric: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Pearson r of each group. human, mask: (G, L); metric: (..., G, L)."""
    n = mask.sum(axis=-1)
    hc = centred(human, mask, n)
    mc = centred(metric, mask, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (hc * mc).sum(axis=-1) / np.sqrt((hc * hc).sum(axis=-1) * (mc * mc).sum(axis=-1))
    r = np.clip(r, -1.0, 1.0)
    r = np.where(n == 2, np.round(r), r)  # scipy returns exactly +-1 for two points
    undefined = (n < 2) | constant_groups(human, mask) | constant_groups(metric, mask)
    return np.where(undefined, np.nan, r)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a vector, ties sharing their mean rank (scipy's 'average')."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], xs.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def pearson(human: np.ndarray, metric: np.ndarray) -> float:
    """Pearson r of two complete vectors (NaN if fewer than 2 or constant)."""
    mask = np.ones((1, human.size), bool)
    return float(pearson_groups(human.reshape(1, -1), metric.reshape(1, -1), mask)[0])


def spearman(human: np.ndarray, metric: np.ndarray) -> float:
    """Spearman rho = Pearson r of the average ranks."""
    return pearson(average_ranks(human), average_ranks(metric))
