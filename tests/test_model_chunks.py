"""Model chunks smaller than a system: a chunk is a set of whole batches of the
metric's batch plan, scored against the prepared references cut to its rows; the
chunks' rows put back in order equal scoring the whole system, bit for bit
(eval/execution/models.py). No cluster needed: this is what each actor does."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")

from test_long_inputs import _lines, _test_set  # noqa: E402
from test_neural_bertscore import tiny_bert  # noqa: E402,F401  (fixture)

from eval.execution.chunks import Chunk, assemble  # noqa: E402
from eval.execution.models import ModelChunk, plan_chunks  # noqa: E402
from eval.metrics import build_metric  # noqa: E402
from eval.metrics.neural.bertscore import BERTScore  # noqa: E402


def _rows():
    """Every line of the three es-en systems (short) and the long-input set
    (paragraphs over the 64-token limit), twice: four batches of at most 64 rows."""
    sources, references, hypotheses = _test_set()
    for name in ("hyp.literal.en", "hyp.scraped.en", "hyp.strong.en") * 2:
        sources += _lines("source.es")
        references += _lines("ref.A.en")
        hypotheses += _lines(name)
    return sources, references, hypotheses


def _metrics(model: str):
    yield BERTScore(model=model, layer=2, device="cpu")
    for mode in ("split", "truncate"):
        yield build_metric("bertscore", trg_lang="en", src_lang="es", model=model, layer=2, device="cpu",
                           long_inputs=mode)


def _by_chunks(metric, chunks: list[ModelChunk], prepared) -> np.ndarray:
    done = []
    for chunk in reversed(chunks):  # any order of arrival
        stats, payloads = metric.segment_stats_and_payloads(chunk.hypotheses, metric.select_prepared(prepared, chunk.rows))
        done.append(Chunk("m", chunk.system, chunk.rows[0], chunk.rows[-1] + 1, np.asarray(stats), payloads, chunk.rows))
    return assemble(done)[0]


def test_chunks_of_whole_batches_score_as_the_whole_system(tiny_bert):  # noqa: F811
    sources, references, hypotheses = _rows()
    for metric in _metrics(tiny_bert):
        prepared = metric.prepare(sources, [references])
        whole = np.asarray(metric.segment_stats(hypotheses, prepared))
        chunks = plan_chunks(metric, "s", hypotheses, sources, [references], batches=1)
        assert len(chunks) >= 2, (metric.options, [len(c.rows) for c in chunks])
        rows = sorted(i for c in chunks for i in c.rows)
        assert rows == list(range(len(hypotheses)))  # each row in exactly one chunk
        assert np.array_equal(_by_chunks(metric, chunks, prepared), whole), metric.options
        if metric.options.get("long_inputs") == "split":
            assert whole[:, -2].sum() > 0  # segments scored in pieces


def test_long_segments_travel_in_one_chunk(tiny_bert):  # noqa: F811
    """All pieces are scored in one call, so every batch holding a long segment is in one chunk."""
    sources, references, hypotheses = _rows()
    metric = build_metric("bertscore", trg_lang="en", src_lang="es", model=tiny_bert, layer=2, device="cpu")
    stats = metric.segment_stats(hypotheses, metric.prepare(sources, [references]))
    split = set(np.flatnonzero(stats[:, -2]).tolist())
    chunks = plan_chunks(metric, "s", hypotheses, sources, [references], batches=1)
    assert [c for c in chunks if split & set(c.rows)] == [chunks[0]] and split <= set(chunks[0].rows)


def test_a_metric_without_a_plan_is_one_chunk_per_system():
    bleu = build_metric("bleu", trg_lang="en")
    hyps = _lines("hyp.strong.en")
    assert plan_chunks(bleu, "s", hyps, _lines("source.es"), [_lines("ref.A.en")]) == [
        ModelChunk("s", tuple(range(len(hyps))), hyps)]
