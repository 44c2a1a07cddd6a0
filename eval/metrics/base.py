"""The one interface every metric implements: segments -> sufficient statistics -> score.

Each segment becomes a row of sufficient statistics; a corpus score is a function
of the column sums. Because every metric has this shape, caching, bootstrap
resampling and paired tests work the same way for lexical and neural metrics:
they only ever add up rows of a statistics matrix.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np


class Metric(ABC):
    """A configured metric.

    Subclasses set ``name`` (registry name, e.g. ``"chrf++"``), ``stat_names``
    (the statistics columns) and implement the abstract methods.  ``options``
    holds every user option that changes the number; it is part of
    :meth:`signature`, which is also the cache key, so two metrics with equal
    signatures must produce equal statistics for equal inputs.
    """

    name: str = ""
    higher_is_better: bool = True
    needs_source: bool = False
    needs_references: bool = True
    # True when statistics can be computed in forked worker processes
    # (pure CPU work, no threads or devices held).
    parallel_safe: bool = False
    # False when a segment's statistics depend on other segments too (e.g.
    # idf weights from the whole reference set): the per-segment cache would
    # then return numbers from another test set.
    cacheable: bool = True
    # Name of a per-segment payload returned beside the statistics (xCOMET's
    # error "spans"): one JSON text per segment, cached with the statistics and
    # written to segments.parquet as column ``PAYLOAD:LABEL``. None: statistics only.
    payload: str | None = None
    # Each option the metric takes and its kind (eval.values): options are
    # checked and typed here, once, whether they came from -o, a config or Python.
    option_types: dict[str, Any] = {}

    def __init__(self, **options: Any) -> None:
        from .options import typed_options

        self.options = typed_options(self.name, self.option_types, options)

    @property
    @abstractmethod
    def stat_names(self) -> tuple[str, ...]:
        """Names of the statistic columns, in order."""

    @abstractmethod
    def signature(self, n_refs: int) -> str:
        """A string naming every option and version that changes the number."""

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        """Preprocess what all systems of a test set share (reference n-grams,
        source embeddings). ``references`` is one list of segments per reference.
        The result is passed back to :meth:`segment_stats` for every system."""
        return references

    def batch_plan(self, hypotheses: Sequence[str], sources: Sequence[str],
                   references: Sequence[Sequence[str]]) -> list[list[int]] | None:
        """The model batches (row indices) :meth:`segment_stats` forms for these
        hypotheses, such that any union of whole batches, scored on its own with
        :meth:`select_prepared` references, forms exactly those batches again: an
        executor may then spread a system's batches over workers with the local
        run's numbers. None (the default): the rows must be scored together."""
        return None

    def select_prepared(self, prepared: Any, rows: Sequence[int]) -> Any:
        """What :meth:`prepare` returned, cut to ``rows`` (needed where :meth:`batch_plan` is)."""
        raise NotImplementedError(f"metric {self.name!r} has no batch plan")

    @abstractmethod
    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        """One row of statistics per hypothesis segment: shape (n, len(stat_names))."""

    def segment_stats_and_payloads(self, hypotheses: Sequence[str], prepared: Any) -> tuple[np.ndarray, list[str] | None]:
        """Statistics and, for a metric with a ``payload``, one JSON text per segment
        (computed in the same model pass, so the payload costs no second run)."""
        return self.segment_stats(hypotheses, prepared), None

    @abstractmethod
    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        """Scores from summed statistics, vectorised over leading axes:
        ``sums`` has shape (..., n_stats) and the result shape (...)."""

    def corpus_score(self, stats: np.ndarray) -> float:
        """The corpus score of a statistics matrix."""
        return float(self.score_from_sums(np.asarray(stats, dtype=np.float64).sum(axis=0)))

    def segment_scores(self, stats: np.ndarray) -> np.ndarray:
        """Per-segment scores; by default each row scored as a one-segment corpus."""
        return self.score_from_sums(np.asarray(stats, dtype=np.float64))


class MeanScoreMetric(Metric):
    """Base for metrics whose segment statistic is the segment score itself
    (neural metrics, rates). Statistics are ``(score, 1)`` so the corpus score,
    sum/count, is the mean and resampling works unchanged."""

    stat_names = ("score", "count")

    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        sums = np.asarray(sums, dtype=np.float64)
        count = sums[..., 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, sums[..., 0] / np.where(count > 0, count, 1), 0.0)

    @staticmethod
    def stats_from_scores(scores: Sequence[float]) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        return np.stack([scores, np.ones_like(scores)], axis=1)
