"""The Python API gives tidy DataFrames equal to the CLI's numbers."""
from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU

import eval
from conftest import CORPORA, demo_config
from eval.config import SignificanceSpec
from eval.corpora.files import read_lines

ES = CORPORA / "es-en"


def test_score_returns_tidy_tables():
    refs = read_lines(ES / "ref.A.en")
    hyps = {s: read_lines(ES / f"hyp.{s}.en") for s in ("strong", "scraped")}
    run = eval.score(hyps, [refs], "es-en", sources=read_lines(ES / "source.es"), metrics=["bleu", "ter"],
                     significance=SignificanceSpec(confidence=True))
    table = run.system_table()
    assert set(table.columns) >= {"testset", "system", "metric", "score", "signature", "ci", "cluster"}
    assert len(table) == 4
    bleu = table[(table.system == "strong") & (table.metric == "bleu")].score.item()
    assert bleu == pytest.approx(BLEU().corpus_score(hyps["strong"], [refs]).score, abs=1e-9)
    segments = run.segment_table()
    assert len(segments) == 2 * 34 and {"seg_id", "bleu", "ter"} <= set(segments.columns)


def test_run_config_and_read_run(tmp_path):
    run = eval.run_config_file(demo_config(tmp_path, model_metrics=False, private=False), tmp_path / "demo")
    tables = eval.read_run(tmp_path / "demo")
    assert len(tables["systems"]) == len(run.system_table())
    assert set(tables["segments"].testset) == {"demo-es-en", "demo-en-zh", "demo-en-ja", "demo-es-en-scraped-article",
                                                  "demo-es-en-reference-article", "demo-es-en-articles"}
    assert "sys:strong" in set(tables["texts"].field)
