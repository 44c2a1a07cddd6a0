"""Re-segmentation: cuts follow the reference, reproduce correct segments, keep scores."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sacrebleu

from eval.align.resegment import resegment, resegment_documents
from eval.errors import UserError
from eval.text.segment import split_sentences

WMT22_RU_EN = Path(__file__).resolve().parents[1].parent / "shared/data/wmt22/xml/wmttest2022.ru-en.all.xml"


def test_raw_text_is_cut_at_its_own_sentence_breaks():
    refs = ["The cat sat on the mat.", "It was happy there.", "Then it left."]
    hyp = "A cat sat on a mat. It was very happy there. Then it went away."
    assert resegment(hyp, refs) == ["A cat sat on a mat.", "It was very happy there.", "Then it went away."]


def test_segments_split_differently_are_regrouped():
    refs = ["One two three four.", "Five six seven eight."]
    hyp = ["One two", "three four. Five six", "seven eight."]
    assert resegment(hyp, refs) == ["One two three four.", "Five six seven eight."]


def test_cut_without_any_break_follows_the_edit_path():
    refs = ["alpha beta gamma delta epsilon", "zeta eta theta iota kappa lambda"]
    hyp = ["alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"]
    assert resegment(hyp, refs) == refs


def test_extra_and_missing_text():
    refs = ["First sentence here.", "Second sentence here.", "Third one."]
    hyp = ["First sentence here.", "Third one."]
    out = resegment(hyp, refs)
    assert len(out) == 3
    assert out[0] == "First sentence here."
    assert out[2] == "Third one."
    assert resegment("", refs) == ["", "", ""]
    assert resegment(["x"], []) == []


def test_chinese_is_tokenised_by_character_and_joined_without_spaces():
    refs = ["我今天去了北京。", "天气很好。"]
    assert resegment("我昨天去了北京。天气非常好。", refs, "zh") == ["我昨天去了北京。", "天气非常好。"]


def test_banded_search_matches_full_search():
    refs = [f"Sentence number {k} says something about topic {k % 7}." for k in range(60)]
    hyp = " ".join(r.replace("says", "tells") for r in refs)
    assert resegment(hyp, refs, band=40) == resegment(hyp, refs) == [r.replace("says", "tells") for r in refs]


def test_documents_are_resegmented_separately_and_ids_checked():
    refs = ["Doc one first.", "Doc one second.", "Doc two only."]
    ids = ["d1", "d1", "d2"]
    hyps = {"d2": "Doc two only.", "d1": "Doc one first. Doc one second."}
    assert resegment_documents(hyps, refs, ids) == refs
    with pytest.raises(UserError, match=r"missing \['d2'\].*unexpected \['d3'\]"):
        resegment_documents({"d1": "x", "d3": "y"}, refs, ids, name="sys:A")
    with pytest.raises(UserError, match="2 doc ids for 3"):
        resegment_documents(hyps, refs, ids[:2])


def _wmt22_ru_en():
    root = ET.parse(WMT22_RU_EN).getroot()
    refs, ids, systems = [], [], {}
    for doc in root.iter("doc"):
        doc_id = doc.get("id")
        segs = [s.text or "" for s in doc.find("ref[@translator='A']").iter("seg")]
        refs += segs
        ids += [doc_id] * len(segs)
        for hyp in doc.findall("hyp"):
            systems.setdefault(hyp.get("system"), {})[doc_id] = [s.text or "" for s in hyp.iter("seg")]
    return refs, ids, systems


@pytest.mark.slow
def test_wmt22_ru_en_joined_resplit_and_resegmented():
    """Join each system's documents, re-split, re-segment: segments and scores survive."""
    if not WMT22_RU_EN.exists():
        pytest.skip(f"shared data absent: {WMT22_RU_EN}")
    refs, ids, systems = _wmt22_ru_en()
    assert len(refs) == 2016 and len(set(ids)) == 227 and len(systems) == 10
    same = total = 0
    for name, docs in systems.items():
        original = [seg for doc in dict.fromkeys(ids) for seg in docs[doc]]
        joined = {doc: split_sentences(" ".join(segs), "en") for doc, segs in docs.items()}
        out = resegment_documents(joined, refs, ids, "en", name=name)
        same += sum(a == b for a, b in zip(out, original))
        total += len(original)
        for metric in (sacrebleu.corpus_bleu, sacrebleu.corpus_chrf):
            before, after = metric(original, [refs]).score, metric(out, [refs]).score
            assert abs(before - after) <= 0.2, (name, metric.__name__, before, after)
    assert same / total >= 0.98
