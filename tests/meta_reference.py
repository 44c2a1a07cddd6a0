"""MTME's own implementation (../shared/reference/mt-metrics-eval), imported only
by tests; they skip when it is absent. Also None/NaN conversions for it."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT

MTME = ROOT.parent / "shared" / "reference" / "mt-metrics-eval"


def mtme():
    """(stats, tau_optimization) modules of the reference copy, or skip."""
    if not (MTME / "mt_metrics_eval" / "stats.py").exists():
        pytest.skip(f"{MTME} is absent (the MTME reference copy is not beside this checkout)")
    pytest.importorskip("scipy", reason="the MTME reference needs scipy")
    if str(MTME) not in sys.path:
        sys.path.insert(0, str(MTME))
    from mt_metrics_eval import stats, tau_optimization

    return stats, tau_optimization


def packed(matrix: np.ndarray) -> list:
    """MTME's packed vector: system-major, None for a missing score."""
    return [None if np.isnan(v) else float(v) for v in np.asarray(matrix, float).reshape(-1)]


def accuracy_fn(sizes: list[int]):
    """MTME data.py's _Accuracy closure of CompareMetricsWithGlobalAccuracy: pairwise
    agreement summed over consecutive blocks of systems (one per test set)."""
    stats, _ = mtme()

    def accuracy(gold, metric):
        agree, pairs, b = 0, 0, 0
        for n in sizes:
            a, p = stats.Agreement(gold[b : b + n], metric[b : b + n])
            agree, pairs, b = agree + a, pairs + p, b + n
        return agree / pairs, pairs

    return accuracy


def assign_ranks(sig: np.ndarray, pval: float) -> list[int]:
    """MTME data.py's AssignRanks rule, restated for the comparison."""
    ranks, rank, start = [], 1, 0
    for i in range(sig.shape[0]):
        if any(sig[:, i][start:i] <= pval):
            rank, start = rank + 1, i
        ranks.append(rank)
    return ranks
