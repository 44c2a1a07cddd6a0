"""eval.metrics.fast equals sacreBLEU 2.6 on every WMT22 pair (txt): per-segment
statistics and corpus scores of every system, with each reference alone and
with all references together.

sacreBLEU's TER costs seconds per system, so the English-target TER checks on
all systems are marked slow (they still run in CI); de-en's two-reference TER
uses every fourth segment to stay within a CI budget of a few minutes."""
from __future__ import annotations

import pytest

from fast_metrics_data import SKIP_REASON, WMT22, txt_pairs, txt_test_set
from fast_parity import assert_parity

pytestmark = pytest.mark.skipif(not (WMT22 / "txt").is_dir(), reason=SKIP_REASON)

PAIRS = txt_pairs() if (WMT22 / "txt").is_dir() else []
# BLEU tokenizers per target language: the official WMT22 choice, plus
# sacreBLEU's own language default where it differs.
BLEU_TOKENIZERS = {"zh": ["zh"], "ja": ["char", "ja-mecab"]}


def reference_sets(refs: dict[str, list[str]]) -> list[list[list[str]]]:
    """Each reference alone, then all together when there are several."""
    sets = [[stream] for stream in refs.values()]
    if len(refs) > 1:
        sets.append(list(refs.values()))
    return sets


@pytest.mark.parametrize("pair", PAIRS)
def test_bleu_equals_sacrebleu_on_wmt22(pair):
    data = txt_test_set(pair)
    for tokenize in BLEU_TOKENIZERS.get(pair.split("-")[1], ["13a"]):
        for refs in reference_sets(data.references):
            assert_parity("bleu", {"tokenize": tokenize}, data.systems, refs)


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("word_order", [0, 2])
def test_chrf_equals_sacrebleu_on_wmt22(pair, word_order):
    data = txt_test_set(pair)
    for refs in reference_sets(data.references):
        assert_parity("chrf", {"word_order": word_order}, data.systems, refs)


def _english_like(pair: str) -> bool:
    return pair.split("-")[1] not in ("zh", "ja")


@pytest.mark.parametrize("pair", [p for p in PAIRS if not _english_like(p)])
def test_ter_equals_sacrebleu_on_wmt22_cjk(pair):
    data = txt_test_set(pair)
    for refs in reference_sets(data.references):
        assert_parity("ter", {}, data.systems, refs)


@pytest.mark.parametrize("pair", [p for p in PAIRS if _english_like(p)])
def test_ter_equals_sacrebleu_on_two_systems(pair):
    data = txt_test_set(pair)
    systems = dict(list(data.systems.items())[:2])
    refs = [next(iter(data.references.values()))]
    assert_parity("ter", {}, {name: hyps[:300] for name, hyps in systems.items()}, [refs[0][:300]])


@pytest.mark.slow
@pytest.mark.parametrize("pair", [p for p in PAIRS if _english_like(p)])
def test_ter_equals_sacrebleu_on_all_systems(pair):
    data = txt_test_set(pair)
    if len(data.references) == 1:
        assert_parity("ter", {}, data.systems, reference_sets(data.references)[0])
    else:
        every_fourth = {name: hyps[::4] for name, hyps in data.systems.items()}
        for refs in reference_sets({k: v[::4] for k, v in data.references.items()}):
            assert_parity("ter", {}, every_fourth, refs)


@pytest.mark.parametrize("options", [
    {"case_sensitive": True}, {"normalized": True}, {"no_punct": True},
    {"normalized": True, "asian_support": True, "no_punct": True},
])
def test_ter_options_equal_sacrebleu_on_wmt22(options):
    """TER's tokeniser options on real text (100 segments of two pairs)."""
    for pair in [p for p in ("de-en", "en-zh") if p in PAIRS]:
        data = txt_test_set(pair)
        systems = {name: hyps[:100] for name, hyps in list(data.systems.items())[:2]}
        assert_parity("ter", options, systems, [stream[:100] for stream in data.references.values()])


@pytest.mark.parametrize("options", [
    {"lowercase": True}, {"whitespace": True}, {"eps_smoothing": True, "word_order": 2}, {"beta": 1, "char_order": 4},
])
def test_chrf_options_equal_sacrebleu_on_wmt22(options):
    data = txt_test_set("de-en")
    systems = dict(list(data.systems.items())[:3])
    assert_parity("chrf", options, systems, list(data.references.values()))


def test_bleu_lowercase_and_orders_equal_sacrebleu_on_wmt22():
    data = txt_test_set("de-en")
    systems = dict(list(data.systems.items())[:3])
    for kwargs in ({"lowercase": True}, {"max_ngram_order": 2}, {"max_ngram_order": 6}, {"tokenize": "intl"}):
        assert_parity("bleu", kwargs, systems, list(data.references.values()))
