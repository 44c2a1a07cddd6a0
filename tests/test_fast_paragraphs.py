"""eval.metrics.fast equals sacreBLEU 2.6 on paragraph-level segments built
from WMT22: each document's segments joined, and runs of 3-8 consecutive
segments (see fast_metrics_data.xml_paragraphs).

BLEU and chrF are checked on every system.  sacreBLEU's TER needs up to
seconds per paragraph, so TER is checked on a fixed sample: two systems'
first 40 runs (ru-en), 8 documents of 100-250 words for two systems
(ru-en), and two-reference runs built from de-en's txt for one system."""
from __future__ import annotations

import random

import pytest

from fast_metrics_data import SKIP_REASON, WMT22, txt_test_set, xml_paragraphs
from fast_parity import assert_parity

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (WMT22 / "xml").is_dir(), reason=SKIP_REASON)]


@pytest.mark.parametrize("pair,mode", [("ru-en", "runs"), ("ru-en", "doc"), ("de-fr", "doc"), ("en-zh", "runs")])
def test_bleu_and_chrf_equal_sacrebleu_on_paragraphs(pair, mode):
    data = xml_paragraphs(pair, mode)
    refs = list(data.references.values())
    tokenize = "zh" if pair.endswith("zh") else "13a"
    assert_parity("bleu", {"tokenize": tokenize}, data.systems, refs)
    assert_parity("chrf", {}, data.systems, refs)
    assert_parity("chrf", {"word_order": 2}, data.systems, refs)


def test_ter_equals_sacrebleu_on_paragraph_runs():
    data = xml_paragraphs("ru-en", "runs")
    systems = {name: hyps[:40] for name, hyps in list(data.systems.items())[:2]}
    assert_parity("ter", {}, systems, [data.references["A"][:40]])


def test_ter_equals_sacrebleu_on_documents():
    data = xml_paragraphs("ru-en", "doc")
    ref = data.references["A"]
    docs = [i for i, seg in enumerate(ref) if 100 <= len(seg.split()) <= 250][:8]
    systems = {name: [hyps[i] for i in docs] for name, hyps in list(data.systems.items())[2:4]}
    assert_parity("ter", {}, systems, [[ref[i] for i in docs]])


def test_ter_equals_sacrebleu_on_two_reference_paragraphs():
    data = txt_test_set("de-en")
    rng = random.Random(3)
    spans, start = [], 0
    while start < 400:
        spans.append((start, start + rng.randint(3, 8)))
        start = spans[-1][1]
    join = lambda segs: [" ".join(segs[a:b]) for a, b in spans[:30]]  # noqa: E731
    name, hyps = next(iter(data.systems.items()))
    assert_parity("ter", {}, {name: join(hyps)}, [join(stream) for stream in data.references.values()])
