"""Agreement of metrics with human judgments: the statistics of the WMT metrics
task, numerically identical to google-research/mt-metrics-eval (MTME).

Pure functions on (n_systems, n_segments) arrays with NaN for unrated entries;
no file I/O and no knowledge of runs (eval/human and the `meta` command build
the arrays). See docs/META.md for definitions and what differs from MTME.
"""
from .agreement import KEYS, agreement, pooled_accuracy
from .significance import (
    STATISTICS as SIGNIFICANCE_STATISTICS,
    EarlyStop,
    MetricComparison,
    assign_ranks,
    compare_metrics,
    compare_pooled_accuracy,
    perm_both,
)

__all__ = [
    "KEYS",
    "SIGNIFICANCE_STATISTICS",
    "EarlyStop",
    "MetricComparison",
    "agreement",
    "assign_ranks",
    "compare_metrics",
    "compare_pooled_accuracy",
    "perm_both",
    "pooled_accuracy",
]
