"""Property-based parity of eval.metrics.fast with sacreBLEU 2.6: random
segments (empty strings, punctuation runs, repeated words that invite TER
shifts, long segments, mixed scripts, Chinese/Japanese text, odd whitespace),
random options, one to three references with some missing (None)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

from eval.metrics.fast import FastBLEU, FastCHRF, FastTER
from eval.metrics.fast.tokenizers import _tokenize_13a, _tokenize_zh

WORDS = [
    "the", "The", "cat", "sat", "on", "mat", "a", "A", "and", "of", "it's", "John's", "don't",
    "3.14", "1,000", "2-3", "10-", "U.S.", "e.g.", "etc.", "Mr.", "--", "...", "?!", "«", "»", "(hi)",
    "&amp;", "&quot;", "&lt;b&gt;", "<skipped>", "-", ",", ".", ":", ";", "!", "?", "'", '"', "/", "\\",
    "Straße", "İstanbul", "ΣΊΣΥΦΟΣ", "Москва", "москва", "café", "naïve", "ﬁ", "Ⅻ", "½", "٣",
    "中国", "北京", "的", "了", "。", "，", "、", "「", "」", "（", "）", "日本語", "です", "ます", "カタカナ", "ｶﾀｶﾅ",
    "한국어", "입니다", "😀", "👍🏽", "—", "…", "€", "’", "“", "”", "\u2028", "\x85",
]
SEPARATORS = [" ", " ", " ", "  ", "", "\t", "\n", "\u3000", "\xa0", " \n", "-\n"]

word = st.sampled_from(WORDS)
small_vocab = st.sampled_from(["a", "b", "c", "d", "e", "the", "cat", ".", ","])


def segments_from(words, max_words: int):
    return st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), max_size=max_words).map(
        lambda pairs: "".join(w + s for w, s in pairs)
    )


segment = st.one_of(
    segments_from(word, 30),
    segments_from(small_vocab, 40),
    st.text(max_size=40),
    st.sampled_from(["", " ", "\n", ".", "...", "!!!???", "中", "a"]),
)


@st.composite
def corpus(draw, seg=segment, max_segments: int = 5):
    """Hypotheses and 1-3 reference streams; every segment keeps one reference."""
    n = draw(st.integers(1, max_segments))
    n_refs = draw(st.integers(1, 3))
    hyps = [draw(seg) for _ in range(n)]
    refs = [[draw(seg) for _ in range(n)] for _ in range(n_refs)]
    if n_refs > 1:
        for i in range(n):
            keep = draw(st.integers(0, n_refs - 1))
            for k in range(n_refs):
                if k != keep and draw(st.booleans()):
                    refs[k][i] = None
    return hyps, refs


def shifted_variant(words: list[str], data) -> str:
    """A permutation of ``words`` with some words replaced: a hypothesis that
    TER's shift search has work to do on."""
    words = list(words)
    for _ in range(data.draw(st.integers(0, 4))):
        if len(words) < 2:
            break
        a = data.draw(st.integers(0, len(words) - 1))
        length = data.draw(st.integers(1, min(6, len(words) - a)))
        block, rest = words[a:a + length], words[:a] + words[a + length:]
        b = data.draw(st.integers(0, len(rest)))
        words = rest[:b] + block + rest[b:]
    for _ in range(data.draw(st.integers(0, 3))):
        if words:
            words[data.draw(st.integers(0, len(words) - 1))] = data.draw(small_vocab)
    return " ".join(words)


def sacre_stats(metric, hyps, refs) -> np.ndarray:
    return np.array(metric._extract_corpus_statistics(hyps, refs), dtype=np.float64).reshape(len(hyps), -1)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(max_size=60) | segments_from(word, 25))
def test_13a_tokenizer_equals_sacrebleu(line):
    assert _tokenize_13a([line]) == [Tokenizer13a()(line).split()]


@SETTINGS
@given(st.text(max_size=60) | segments_from(word, 25))
def test_zh_tokenizer_equals_sacrebleu(line):
    assert _tokenize_zh([line]) == [TokenizerZh()(line).split()]


def test_zh_character_classes_equal_sacrebleu_for_every_code_point():
    """TokenizerZh's range table (with its two quirky ranges) on every code
    point up to U+2FFFF, where all its ranges lie."""
    chars = [chr(c) for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF]
    lines = [f"a{c}b" for c in chars]
    ours = _tokenize_zh(lines)
    zh = TokenizerZh()
    theirs = [zh(line).split() for line in lines]
    assert ours == theirs


@SETTINGS
@given(
    corpus(),
    st.sampled_from(["13a", "intl", "zh", "char", "none", "ja-mecab", "ko-mecab"]),
    st.booleans(),
    st.integers(1, 6),
)
def test_bleu_stats_equal_sacrebleu(data, tokenize, lowercase, order):
    hyps, refs = data
    ours = FastBLEU(lowercase=lowercase, tokenize=tokenize, max_ngram_order=order)
    theirs = BLEU(lowercase=lowercase, tokenize=tokenize, max_ngram_order=order)
    np.testing.assert_array_equal(ours.stats(hyps, ours.prepare(refs)), sacre_stats(theirs, hyps, refs))


@SETTINGS
@given(corpus(), st.integers(0, 7), st.integers(0, 3), st.sampled_from([1, 2, 3, 0.5]),
       st.booleans(), st.booleans(), st.booleans())
def test_chrf_stats_equal_sacrebleu(data, char_order, word_order, beta, lowercase, whitespace, eps):
    if char_order + word_order == 0:
        char_order = 6
    hyps, refs = data
    kwargs = dict(char_order=char_order, word_order=word_order, beta=beta,
                  lowercase=lowercase, whitespace=whitespace, eps_smoothing=eps)
    ours = FastCHRF(**kwargs)
    np.testing.assert_array_equal(ours.stats(hyps, ours.prepare(refs)), sacre_stats(CHRF(**kwargs), hyps, refs))


TER_OPTIONS = st.fixed_dictionaries({
    "case_sensitive": st.booleans(), "normalized": st.booleans(),
    "no_punct": st.booleans(), "asian_support": st.booleans(),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus(), TER_OPTIONS)
def test_ter_stats_equal_sacrebleu(data, options):
    hyps, refs = data
    ours = FastTER(**options)
    np.testing.assert_array_equal(ours.stats(hyps, ours.prepare(refs)), sacre_stats(TER(**options), hyps, refs))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(small_vocab | word, min_size=0, max_size=60), st.data())
def test_ter_on_shifted_hypotheses_equals_sacrebleu(ref_words, data):
    """References with repeated words and hypotheses that are block-shuffled
    copies of them: many shift candidates, several shift rounds."""
    ref = " ".join(ref_words)
    hyps = [shifted_variant(ref_words, data) for _ in range(3)]
    refs = [[ref] * 3]
    ours = FastTER()
    np.testing.assert_array_equal(ours.stats(hyps, ours.prepare(refs)), sacre_stats(TER(), hyps, refs))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(small_vocab | word, min_size=150, max_size=260), st.data())
def test_ter_on_long_segments_equals_sacrebleu(ref_words, data):
    """Paragraph-length segments: the shift-candidate cap and the beam matter."""
    ref = " ".join(ref_words)
    hyp = shifted_variant(ref_words, data)
    if data.draw(st.booleans()):
        hyp = hyp + " " + " ".join(data.draw(st.lists(word, max_size=80)))
    ours = FastTER()
    np.testing.assert_array_equal(ours.stats([hyp], ours.prepare([[ref]])), sacre_stats(TER(), [hyp], [[ref]]))
