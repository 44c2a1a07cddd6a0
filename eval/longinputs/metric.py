"""A model metric with the long-input strategy: ``long_inputs=split`` (default) or ``truncate``.

What a metric declares to take part (BERTScore, COMET/CometKiwi and xsim do):

- ``token_limit``: the most tokens one model input may hold;
- ``joins_inputs``: True when hypothesis, source and reference are read as one
  joined input (the limit then applies to the sum of their token counts), False
  when each text is encoded on its own (the limit applies to each);
- ``count_tokens(texts)``: each text's token count as the model sees it, special
  tokens included, without truncation;
- and, as every mean-score metric, ``prepare``/``segment_stats`` whose first
  statistics column is the segment score: a piece triple is scored by calling
  them on the pieces as if they were segments.

Rows of segments within the limit are exactly the wrapped metric's rows (it
scores every segment as before; a long segment's row is then replaced by the
weighted mean of its pieces). Two statistics columns are appended and summed
like any other: ``split`` (the segment was scored in pieces) and ``truncated``
(some input was still cut at the limit), so the counts survive the cache. A
metric's payload of error spans (xCOMET) for a split segment is the union of
its pieces' spans, their character offsets moved to the whole hypothesis.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from eval.errors import UserError
from eval.longinputs.pieces import LongSegment, Pieces, initial_budget, split_segment
from eval.metrics.base import Metric

MODES = ("split", "truncate")
COUNTED = ("split", "truncated")


def parse_mode(metric: str, value: Any) -> str:
    """The ``long_inputs`` option: exactly ``split`` or ``truncate``; anything else is an error."""
    if value is None:
        return "split"
    if isinstance(value, str) and value in MODES:
        return value
    raise UserError(f"option 'long_inputs' of metric {metric!r} must be 'split' or 'truncate', got {value!r}")


def takes_part(cls: type) -> bool:
    return all(hasattr(cls, name) for name in ("token_limit", "joins_inputs", "count_tokens"))


@dataclass
class _Prepared:
    inner: Any
    sources: list[str]
    references: list[list[str]]
    source_tokens: list[int]
    reference_tokens: list[list[int]]


class LongInputMetric(Metric):
    """Wraps a model metric; everything but long segments is the metric's own."""

    counted_stats = COUNTED

    def __init__(self, inner: Metric, mode: str, src_lang: str = "", tgt_lang: str = "") -> None:
        self.options = {**inner.options, "long_inputs": mode}  # typed by the inner metric already
        self.inner, self.mode, self.src_lang, self.tgt_lang = inner, mode, src_lang, tgt_lang
        self.name = inner.name
        self.higher_is_better = inner.higher_is_better
        self.needs_source = inner.needs_source
        self.needs_references = inner.needs_references
        self.parallel_safe = inner.parallel_safe
        self.cacheable = inner.cacheable

    @property
    def payload(self) -> str | None:
        return self.inner.payload

    @property
    def counts(self) -> dict:
        return self.inner.counts

    @property
    def stat_names(self) -> tuple[str, ...]:
        return (*self.inner.stat_names, *COUNTED)

    def signature(self, n_refs: int) -> str:
        return f"{self.inner.signature(n_refs)}|long:{self.mode}"

    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        return self.inner.score_from_sums(np.asarray(sums)[..., :len(self.inner.stat_names)])

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> _Prepared:
        sources, references = list(sources), [list(r) for r in references]
        src_tokens = self.inner.count_tokens(sources) if self.needs_source else []
        ref_tokens = [self.inner.count_tokens(r) for r in references] if self.needs_references else []
        return _Prepared(self.inner.prepare(sources, references), sources, references, src_tokens, ref_tokens)

    def _input_tokens(self, hyp: Sequence[int], src: Sequence[int], refs: Sequence[Sequence[int]]) -> np.ndarray:
        """Per segment, the tokens of its longest model input."""
        hyp = np.asarray(hyp, dtype=np.int64)
        src = np.asarray(src, dtype=np.int64) if self.needs_source else np.zeros_like(hyp)
        refs = [np.asarray(r, dtype=np.int64) for r in refs] if self.needs_references else []
        if self.inner.joins_inputs:
            return np.max([hyp + src + r for r in refs], axis=0) if refs else hyp + src
        return np.max([hyp, src, *refs], axis=0)

    def batch_plan(self, hypotheses, sources, references) -> list[list[int]] | None:
        """The wrapped metric's batches, except that every batch holding a long
        segment is joined into one: all pieces are scored in one call, so they must
        travel together to be batched as the whole system's pieces are."""
        plan = self.inner.batch_plan(hypotheses, sources, references)
        if plan is None or self.mode != "split" or not len(hypotheses):
            return plan
        sources, references = list(sources), [list(r) for r in references]
        lengths = self._input_tokens(
            self.inner.count_tokens(list(hypotheses)), self.inner.count_tokens(sources) if self.needs_source else [],
            [self.inner.count_tokens(r) for r in references] if self.needs_references else [])
        long = set(np.flatnonzero(lengths > self.inner.token_limit).tolist())
        together = [i for batch in plan if long.intersection(batch) for i in batch]
        rest = [batch for batch in plan if not long.intersection(batch)]
        return [together, *rest] if together else rest

    def select_prepared(self, prepared: _Prepared, rows) -> _Prepared:
        return _Prepared(self.inner.select_prepared(prepared.inner, rows), [prepared.sources[i] for i in rows],
                         [[r[i] for i in rows] for r in prepared.references],
                         [prepared.source_tokens[i] for i in rows] if prepared.source_tokens else [],
                         [[r[i] for i in rows] for r in prepared.reference_tokens])

    def segment_stats(self, hypotheses: Sequence[str], prepared: _Prepared) -> np.ndarray:
        return self.segment_stats_and_payloads(hypotheses, prepared)[0]

    def segment_stats_and_payloads(self, hypotheses: Sequence[str], prepared: _Prepared
                                   ) -> tuple[np.ndarray, list[str] | None]:
        stats, payloads = self.inner.segment_stats_and_payloads(hypotheses, prepared.inner)
        stats = np.asarray(stats, dtype=np.float64)
        hyp_tokens = self.inner.count_tokens(list(hypotheses)) if len(hypotheses) else []
        lengths = self._input_tokens(hyp_tokens, prepared.source_tokens, prepared.reference_tokens)
        long = lengths > self.inner.token_limit
        split, truncated = np.zeros(len(hypotheses)), long.astype(np.float64)
        if self.mode == "split" and long.any():
            rows = [int(i) for i in np.flatnonzero(long)]
            plans = self._plans(hypotheses, prepared, rows, lengths, hyp_tokens)
            self._score_pieces(stats, payloads, plans, split, truncated)
        rows = np.column_stack([stats, split, truncated]) if len(stats) else np.zeros((0, len(self.stat_names)))
        return rows, payloads

    def _plans(self, hypotheses, prepared, rows, lengths, hyp_tokens) -> dict[int, Pieces]:
        plans = {}
        for i in rows:
            segment = LongSegment(hypotheses[i], prepared.sources[i] if self.needs_source else None,
                                  [r[i] for r in prepared.references] if self.needs_references else [])
            budget = initial_budget(self.inner.token_limit, int(lengths[i]), int(hyp_tokens[i]))
            pieces = split_segment(segment, self.src_lang, self.tgt_lang, self.inner.count_tokens,
                                   self._fits, budget)
            if pieces is not None and len(pieces.hypotheses) > 1:
                plans[i] = pieces
        return plans

    def _fits(self, pieces: Pieces) -> list[bool]:
        count = self.inner.count_tokens
        lengths = self._input_tokens(count(pieces.hypotheses), count(pieces.sources) if self.needs_source else [],
                                     [count(r) for r in pieces.references])
        return list(lengths <= self.inner.token_limit)

    def _score_pieces(self, stats, payloads: list[str] | None, plans: dict[int, Pieces], split, truncated) -> None:
        """Every piece of every long segment scored in one call of the metric; a
        payload of spans (xCOMET) is the pieces' spans moved to hypothesis offsets."""
        if not plans:
            return
        hyps = [h for p in plans.values() for h in p.hypotheses]
        srcs = [s for p in plans.values() for s in p.sources]
        n_refs = len(next(iter(plans.values())).references)
        refs = [[r for p in plans.values() for r in p.references[k]] for k in range(n_refs)]
        piece_stats, piece_payloads = self.inner.segment_stats_and_payloads(hyps, self.inner.prepare(srcs, refs))
        fits = self._fits(Pieces(hyps, srcs, refs, []))
        start = 0
        for i, pieces in plans.items():
            end = start + len(pieces.hypotheses)
            weights = np.asarray(pieces.weights, dtype=np.float64)
            scores = np.asarray(piece_stats[start:end, 0], dtype=np.float64)
            stats[i, 0] = float((scores * weights).sum() / weights.sum()) if weights.sum() > 0 else float(scores.mean())
            split[i] = 1.0
            truncated[i] = float(not all(fits[start:end]))
            if payloads is not None and piece_payloads is not None:
                payloads[i] = _shifted_spans(piece_payloads[start:end], pieces.offsets)
            start = end


def _shifted_spans(payloads: Sequence[str], offsets: Sequence[int]) -> str:
    """One JSON list of spans from the pieces' lists, ``start``/``end`` made offsets
    into the whole hypothesis."""
    spans = []
    for text, offset in zip(payloads, offsets):
        for span in json.loads(text):
            spans.append({**span, "start": span["start"] + offset, "end": span["end"] + offset})
    return json.dumps(spans, ensure_ascii=False)
