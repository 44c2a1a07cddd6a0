"""Segment matrices regrouped as MTME groups them before correlating.

MTME packs a (systems x segments) matrix and correlates either the whole of it
(``none``), each system's row (``sys``) or each segment's column across systems
(``item``), dropping the entries whose human score is missing. Here a grouping is
a padded 2-D array, one group per row, with a mask of the entries that count;
read row by row, the masked entries are in MTME's order.
"""
from __future__ import annotations

import numpy as np

GROUPINGS = ("none", "item", "sys")


def regroup(matrix: np.ndarray, by: str) -> np.ndarray:
    """(n_groups, group_length) view of a (n_systems, n_segments) matrix."""
    if by == "none":
        return matrix.reshape(1, -1)
    if by == "sys":
        return matrix
    if by == "item":
        return matrix.T
    raise ValueError(f"unknown grouping {by!r}: expected one of {', '.join(GROUPINGS)}")


def rated_groups(human: np.ndarray, metric: np.ndarray, by: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(human, metric, mask) regrouped; mask = human score present. Unrated
    entries are zeroed in both, so sums over a group ignore them."""
    h = np.ascontiguousarray(regroup(human, by), dtype=float)
    m = np.ascontiguousarray(regroup(metric, by), dtype=float)
    mask = ~np.isnan(h)
    return np.where(mask, h, 0.0), np.where(mask, m, 0.0), mask
