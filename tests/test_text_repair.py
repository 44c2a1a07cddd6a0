"""Repair: each broken form is fixed, legitimate text is untouched, counts are kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from eval.text.repair import RepairOptions, fix_entities, repair_lines, repair_text

SEED = Path(__file__).resolve().parents[1].parent / "shared/data/seed-article/mt-rendering.en.txt"


@pytest.mark.parametrize(
    "broken, fixed",
    [
        ("humanitarian catastrophe & # 039; in Syria", "humanitarian catastrophe ' in Syria"),
        ("& # 39; Humanitarian catastrophe & # 39;", "' Humanitarian catastrophe '"),
        ("He said & quot ;no& quot ;.", 'He said "no".'),
        ("Tom & amp ; Jerry", "Tom & Jerry"),
        ("it&amp;#39;s", "it's"),
        ("it&amp;amp;#39;s", "it's"),
        ("&amp;quot;Hi&amp;quot;", '"Hi"'),
        ("don&#39;t", "don't"),
        ("don&#x27;t", "don't"),
        ("don& # x27 ;t", "don't"),
        ("AT&amp;T", "AT&T"),
        ("5 &lt; 6", "5 < 6"),
    ],
)
def test_broken_entities_are_decoded(broken, fixed):
    text, counts = repair_text(broken)
    assert text == fixed
    assert counts["entity"] >= 1


@pytest.mark.parametrize(
    "legit",
    ["AT & T", "Q & A", "R&D", "a lone & here", "&", "Tom & Jerry; then", "fish & chips & # things",
     "H&M; M&S", "x &# y", "& #1 seed"],
)
def test_legitimate_ampersands_are_left_alone(legit):
    text, counts = repair_text(legit)
    assert text == legit
    assert counts["entity"] == 0


def test_invalid_code_point_is_left_alone():
    assert fix_entities("&#0; &#xD800; &#99999999;")[0] == "&#0; &#xD800; &#99999999;"


@pytest.mark.parametrize(
    "broken, fixed, kind",
    [
        ("cafÃ© au lait", "café au lait", "mojibake"),
        ("Ã¼ber â€œquotedâ€\x9d", "über \u201cquoted\u201d", "mojibake"),
        ("cafe\u0301 Cre\u0300me", "café Crème", "nfc"),
        ("10\u00a0km and 5\u202fkg", "10 km and 5 kg", "odd_space"),
        ("zero\u200bwidth\ufeff soft\u00adhyphen", "zerowidth softhyphen", "zero_width"),
    ],
)
def test_encoding_and_unicode_repairs(broken, fixed, kind):
    text, counts = repair_text(broken)
    assert text == fixed
    assert counts[kind] >= 1


@pytest.mark.parametrize(
    "legit",
    ["café, naïve, Ärger, Øre, ñandú", "São Paulo e Ãgua", "北京\u3000東京", "می\u200cخواهم", "Привет, мир!",
     "plain ASCII text, 100% normal"],
)
def test_clean_text_is_unchanged(legit):
    text, counts = repair_text(legit)
    assert text == legit
    assert not counts


@pytest.mark.parametrize("kind", ["entity", "mojibake", "zero_width", "odd_space", "nfc"])
def test_each_kind_can_be_switched_off(kind):
    sample = "x & # 039; cafÃ© \u200b\u00a0e\u0301"
    on, counts_on = repair_text(sample)
    assert counts_on[kind] >= 1
    off, counts_off = repair_text(sample, RepairOptions(**{kind: False}))
    assert kind not in counts_off
    assert off != on
    assert repair_text(sample, RepairOptions.none()) == (sample, {})


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown repair kind"):
        RepairOptions.only("html")


def test_report_counts_per_kind_and_lines():
    lines, report = repair_lines(["a & # 39;b& # 39;", "clean", "cafÃ©"])
    assert lines == ["a 'b'", "clean", "café"]
    assert report.counts["entity"] == 2
    assert report.counts["mojibake"] == 1
    assert report.lines_changed == 2
    assert report.as_dict()["odd_space"] == 0


def test_seed_article():
    if not SEED.exists():
        pytest.skip(f"shared data absent: {SEED}")
    original = SEED.read_text(encoding="utf-8").splitlines()
    repaired, report = repair_lines(original)
    assert report.counts["entity"] == 3
    joined = "\n".join(repaired)
    for broken in ("& #", "&#", "&amp;", "& quot", "&quot;"):
        assert broken not in joined
    assert "humanitarian catastrophe ' in Syria Idlib" in repaired[0]
    # every ampersand that was not part of an entity survives unchanged
    kept = [line.count("&") - line.count("& #") for line in original]
    assert [line.count("&") for line in repaired] == kept
