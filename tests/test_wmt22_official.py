"""The official WMT22 automatic scores, reproduced for every system of every
pair in ../shared/data/wmt22, loading the txt files and, where present, the XML."""
from __future__ import annotations

import pytest

from conftest import WMT22, need, wmt22_official, wmt22_txt
from eval.config import metric_specs
from eval.corpora.text import load_text
from eval.corpora.wmtxml import load_wmt_xml
from eval.scoring import build_metrics, score_testset

PAIRS = ["de-en", "ru-en", "en-zh", "en-ja", "de-fr", "liv-en"]
XML_PAIRS = ["ru-en", "en-zh", "de-fr", "liv-en"]
TOL = 1e-4


def _bleu_options(pair: str) -> dict:
    # en-ja's official BLEU used the char tokenizer (see ../shared/data/README.md).
    return {"tokenize": "char"} if pair == "en-ja" else {}


def _score(ts, refs: list[str], pair: str, with_chrf: bool = True):
    ts.references = {r: ts.references[r] for r in refs}
    specs = [{"name": "bleu", **_bleu_options(pair)}] + ([{"name": "chrf"}] if with_chrf else [])
    metrics = build_metrics(metric_specs(specs), ts.tgt_lang)
    return score_testset(ts, metrics)


def _check(scored, pair: str, suffix: str, metrics=("bleu", "chrf")) -> int:
    official = wmt22_official()
    checked = 0
    for system in scored.testset.systems:
        for metric in metrics:
            expected = official.get((pair, system, f"{metric}-{suffix}"))
            if expected is None:
                continue
            got = scored.corpus_score(metric, system)
            assert abs(got - expected) < TOL, (pair, system, metric, suffix, got, expected)
            checked += 1
    return checked


@pytest.mark.parametrize("pair", PAIRS)
def test_single_reference_txt(pair):
    files = wmt22_txt(pair)
    src, tgt = pair.split("-")
    ts = load_text(pair, src, tgt, files["source"], files["references"], files["systems"])
    checked = _check(_score(ts, ["A"], pair), pair, "A")
    assert checked == 2 * len(files["systems"]), "every system has official bleu-A and chrf-A"


@pytest.mark.parametrize("pair", ["de-en", "en-zh"])
def test_multi_reference_bleu_txt(pair):
    files = wmt22_txt(pair)
    src, tgt = pair.split("-")
    ts = load_text(pair, src, tgt, files["source"], files["references"], files["systems"])
    scored = _score(ts, ["A", "B"], pair, with_chrf=False)
    assert _check(scored, pair, "all", metrics=("bleu",)) == len(files["systems"])


@pytest.mark.parametrize("pair", XML_PAIRS)
def test_xml_matches_official_and_txt(pair):
    src, tgt = pair.split("-")
    ts = load_wmt_xml(pair, src, tgt, need(WMT22 / "xml" / f"wmttest2022.{pair}.all.xml"))
    files = wmt22_txt(pair)
    txt = load_text(pair, src, tgt, files["source"], files["references"], files["systems"])
    assert ts.source == txt.source
    assert ts.references["A"] == txt.references["A"]
    assert set(ts.systems) == set(txt.systems)
    assert ts.doc_ids is not None and len(set(ts.doc_ids)) > 1
    assert _check(_score(ts, ["A"], pair), pair, "A") > 0
