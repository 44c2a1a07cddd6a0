"""eval.metrics.fast's contract beyond parity: clear errors for bad options
and bad input, prepared references usable after fork and after pickling."""
from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from eval.errors import UserError
from eval.metrics.fast import FastBLEU, FastCHRF, FastTER

HYPS = ["The cat sat on the mat .", "", "Das ist 1,000.5 &amp; gut!", "猫坐在垫子上。"]
REFS = [
    ["The cat is on the mat.", "nothing", "Das ist 1,000.5 & gut !", "猫在垫子上。"],
    ["A cat sat on a mat.", None, "", None],
]
FAST = {"bleu": FastBLEU, "chrf": FastCHRF, "ter": FastTER}


def _stats_in_child(name):
    metric, prepared = PREPARED[name]
    return metric.stats(HYPS, prepared)


PREPARED = {name: (cls(), cls().prepare(REFS)) for name, cls in FAST.items()}


def test_prepared_references_work_in_forked_workers():
    expected = {name: metric.stats(HYPS, prepared) for name, (metric, prepared) in PREPARED.items()}
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        for name, stats in zip(PREPARED, pool.map(_stats_in_child, PREPARED)):
            np.testing.assert_array_equal(stats, expected[name])


def test_prepared_references_survive_pickling():
    for metric, prepared in PREPARED.values():
        np.testing.assert_array_equal(metric.stats(HYPS, pickle.loads(pickle.dumps(prepared))),
                                      metric.stats(HYPS, prepared))


def test_missing_references_match_sacrebleu():
    """None marks a reference missing on a segment, as in sacreBLEU."""
    for sacre, name in ((BLEU(), "bleu"), (CHRF(), "chrf"), (TER(), "ter")):
        metric, prepared = PREPARED[name]
        theirs = np.array(sacre._extract_corpus_statistics(HYPS, REFS), dtype=np.float64)
        np.testing.assert_array_equal(metric.stats(HYPS, prepared), theirs)


@pytest.mark.parametrize("build", [
    lambda: FastBLEU(tokenize="nope"),
    lambda: FastBLEU(max_ngram_order=0),
    lambda: FastCHRF(char_order=0, word_order=0),
    lambda: FastCHRF(char_order=-1),
    lambda: FastCHRF(beta="2"),
])
def test_invalid_options_raise_user_errors(build):
    with pytest.raises(UserError):
        build()


@pytest.mark.parametrize("cls", list(FAST.values()))
def test_bad_input_raises_user_errors(cls):
    metric = cls()
    with pytest.raises(UserError, match="no reference"):
        metric.prepare([["a", None], [None, None]])
    with pytest.raises(UserError, match="differ in length"):
        metric.prepare([["a", "b"], ["c"]])
    prepared = metric.prepare([["a", "b"]])
    with pytest.raises(UserError, match="1 hypotheses for 2"):
        metric.stats(["a"], prepared)
    with pytest.raises(UserError, match="must be str"):
        metric.stats(["a", None], prepared)


def test_references_prepared_with_other_options_are_refused():
    prepared = FastCHRF(word_order=2).prepare([["a"]])
    with pytest.raises(ValueError, match="other chrF options"):
        FastCHRF().stats(["a"], prepared)


def test_sacrebleu_default_tokenizer_for_target_language():
    assert FastBLEU(tokenize=None, trg_lang="zh").tokenize == "zh"
    assert FastBLEU(tokenize=None).tokenize == "13a"
