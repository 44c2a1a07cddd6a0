"""Adds significance to a scored test set: 95% intervals, p-values against a
baseline and WMT-style clusters, for every metric from its cached statistics."""
from __future__ import annotations

from .config import SignificanceSpec
from .results import Run
from .scoring import ScoredTestSet
from .stats import significance_entries


def add_significance(run: Run, scored: ScoredTestSet, spec: SignificanceSpec) -> None:
    """Merge ``p_value``, ``mean``, ``ci`` and ``cluster`` into the run's entries."""
    if spec.test == "none" or not scored.testset.systems:
        return
    name = scored.testset.name
    for label, metric in scored.metrics.items():
        by_system = {system: scored.stats[label, system] for system in scored.testset.systems}
        extra = significance_entries(
            by_system,
            metric.score_from_sums,
            higher_is_better=metric.higher_is_better,
            test=spec.test,
            baseline=spec.baseline,
            n_samples=spec.n,
            seed=spec.seed,
            confidence=spec.confidence,
        )
        for system, fields in extra.items():
            run.entries[name][system][label].update(fields)


def significance_hook(spec: SignificanceSpec | None):
    """The pipeline's per-test-set callback for ``spec`` (None: no significance)."""
    if spec is None or spec.test == "none":
        return None
    return lambda run, scored: add_significance(run, scored, spec)
