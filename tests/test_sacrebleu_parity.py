"""BLEU, chrF, chrF++ and TER equal sacreBLEU's numbers and signatures at corpus
and segment level, with one and several references, for both engines."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER

from conftest import SHARED, need, wmt22_txt
from eval.corpora.files import read_lines
from eval.metrics import build_metric

N_SEGMENTS = 300  # sacreBLEU's TER is slow; a slice of real data is plenty here


def _reference_metric(name: str, trg_lang: str, sentence: bool = False, **options):
    if name == "bleu":
        return BLEU(trg_lang=trg_lang, effective_order=sentence, **options)
    if name == "chrf":
        return CHRF(**options)
    if name == "chrf++":
        return CHRF(word_order=2, **options)
    return TER(**options)


def _data(pair: str, n_refs: int):
    files = wmt22_txt(pair)
    refs = [read_lines(p)[:N_SEGMENTS] for p in list(files["references"].values())[:n_refs]]
    hyps = {name: read_lines(p)[:N_SEGMENTS] for name, p in list(files["systems"].items())[:2]}
    return refs, hyps


CASES = [
    ("bleu", {}), ("bleu", {"tokenize": "intl", "lowercase": True}), ("bleu", {"smooth_method": "floor"}),
    ("chrf", {}), ("chrf", {"eps_smoothing": True, "whitespace": True}), ("chrf++", {}),
    ("ter", {}), ("ter", {"normalized": True, "no_punct": True, "case_sensitive": True}),
]


@pytest.mark.parametrize("engine", ["sacrebleu", "auto"])
@pytest.mark.parametrize("n_refs", [1, 2])
@pytest.mark.parametrize("name,options", CASES)
def test_corpus_and_segment_scores(name, options, n_refs, engine):
    refs, hyps = _data("de-en", n_refs)
    ours = build_metric(name, trg_lang="en", engine=engine, **options)
    prepared = ours.prepare([""] * len(refs[0]), refs)
    for hyp in hyps.values():
        stats = ours.segment_stats(hyp, prepared)
        reference = _reference_metric(name, "en", **options)
        expected = reference.corpus_score(hyp, refs)
        assert ours.corpus_score(stats) == pytest.approx(expected.score, abs=1e-9)
        assert ours.signature(n_refs) == reference.get_signature().format()
        sentence = _reference_metric(name, "en", sentence=True, **options)
        seg_expected = [sentence.sentence_score(h, [r[i] for r in refs]).score for i, h in enumerate(hyp[:60])]
        np.testing.assert_allclose(ours.segment_scores(stats)[:60], seg_expected, atol=1e-9)


@pytest.mark.parametrize(
    "lang,tokenizer", [("zh", "zh"), ("ja", "ja-mecab-0.996-IPA"), ("ko", "ko-mecab-0.996/ko-0.9.2-KO"), ("de", "13a")]
)
def test_language_aware_bleu_tokenizer(lang, tokenizer):
    ours = build_metric("bleu", trg_lang=lang)
    assert f"tok:{tokenizer}|" in ours.signature(1)
    hyp, ref = {"zh": ("我们今天去公园散步。", "今天我们去公园散步了。"), "ja": ("今日は公園を散歩します。", "今日は公園で散歩をします。"),
                "ko": ("오늘 공원에서 산책합니다.", "오늘은 공원을 산책합니다."), "de": ("Wir gehen heute spazieren.", "Heute gehen wir spazieren.")}[lang]
    stats = ours.segment_stats([hyp], ours.prepare([""], [[ref]]))
    assert ours.corpus_score(stats) == pytest.approx(BLEU(trg_lang=lang).corpus_score([hyp], [[ref]]).score, abs=1e-9)


def test_sacrebleu_fixture_mteval_v13a_and_chrf():
    """sacreBLEU's own regression fixture: BLEU of 16 WMT17 systems as the
    mteval-v13a.pl reference scorer computes it, and chrF/chrF++ (eps smoothing)."""
    root = need(SHARED / "sacrebleu-wmt17-en-de")
    ref = read_lines(root / "ref.de")
    bleu = build_metric("bleu", trg_lang="de")
    chrf = build_metric("chrf", eps_smoothing=True)
    chrfpp = build_metric("chrf++", eps_smoothing=True)
    prepared = {m: m.prepare([], [ref]) for m in (bleu, chrf, chrfpp)}
    rows = list(csv.DictReader(open(root / "expected.tsv", encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 16
    checked_chrf = 0
    for row in rows:
        hyp = read_lines(root / "hyps" / f"{row['system']}.de")
        score = bleu.corpus_score(bleu.segment_stats(hyp, prepared[bleu]))
        assert abs(score - float(row["mteval13a_bleu"])) <= 0.01, (row["system"], score)
        if row["chrf_eps"]:
            for metric, column in ((chrf, "chrf_eps"), (chrfpp, "chrfpp_eps")):
                value = metric.corpus_score(metric.segment_stats(hyp, prepared[metric]))
                assert abs(value - float(row[column])) <= 1e-4, (row["system"], column, value)
            checked_chrf += 1
    assert checked_chrf == 2


def test_sacrebleu_version_is_the_reference():
    assert sacrebleu.__version__ == "2.6.0"
