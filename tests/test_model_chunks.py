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


def test_the_driver_plans_from_the_tokenizer_alone(tiny_bert, tmp_path):  # noqa: F811
    """Planning (on a Ray driver) reads no weights: only the tokenizer is loaded."""
    import shutil

    from eval.models.loading import load_encoder

    model = shutil.copytree(tiny_bert, tmp_path / "copy")  # a path no test has loaded yet
    sources, references, hypotheses = _rows()
    loads = load_encoder.cache_info().misses
    chunks = plan_chunks(BERTScore(model=str(model), layer=2, device="cpu"), "s", hypotheses, sources, [references])
    assert load_encoder.cache_info().misses == loads
    assert sorted(i for c in chunks for i in c.rows) == list(range(len(hypotheses)))


def test_a_chunk_names_its_rows():
    assert ModelChunk("s", (3, 4, 5), ["a", "b", "c"]).described == "chunk rows 4-6"
    assert ModelChunk("s", (0, 2, 7), ["a", "b", "c"]).described == "a chunk of 3 rows between rows 1 and 8"
    assert ModelChunk("s", (0, 1), ["a", "b"], ["x", "y"], [["r", "q"]]).described == "its 2 rows missing from the cache"
