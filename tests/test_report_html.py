"""The HTML report's file and data (the page itself is checked in a browser in
test_report_html_browser.py): self-contained, safely embedded, and numbers that
agree with sacreBLEU and with the run's own significance clusters."""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from hypothesis import given
from hypothesis import strategies as st

from eval import stats
from eval.commands import report as report_command
from eval.errors import UserError
from eval.report.html import REPORT_FILE, embed_json, write_html_report
from eval.report.html_buckets import frequency_buckets, length_buckets, tokens
from eval.report.html_data import report_data

from conftest import CORPORA, WMT22, need

HOSTILE = '</script><script>alert(1)</script> " onmouseover="alert(2)" <!-- \u2028 &amp;'


@pytest.fixture
def demo_dir(demo_run) -> Path:
    return demo_run.path


def test_embedded_json_cannot_end_the_script_element():
    data = {"text": HOSTILE, "nested": [HOSTILE, {"k": HOSTILE}], "nan": float("nan")}
    text = embed_json(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    back = json.loads(text)
    assert back["text"] == HOSTILE and back["nested"][1]["k"] == HOSTILE and back["nan"] is None


@given(st.recursive(st.text() | st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.none(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20))
def test_any_embedded_data_round_trips_and_stays_inside_the_element(value):
    text = embed_json(value)
    assert "<" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_page_is_one_self_contained_file(demo_dir):
    path = write_html_report(demo_dir)
    assert path == demo_dir / REPORT_FILE
    page = path.read_text(encoding="utf-8")
    assert page.count('<script type="application/json" id="report-data">') == 1
    assert page.count("</script>") == 2  # the data block and the inline script, nothing else
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|https?://(?!www\.w3\.org/2000/svg)", page)
    assert "{{" not in page  # every template marker filled
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    assert [t["name"] for t in data["testsets"]] == ["demo-es-en", "demo-en-zh", "demo-en-ja", "demo-es-en-scraped-article",
                                                        "demo-es-en-reference-article", "demo-es-en-articles"]
    assert data["leaderboard_md"] == (demo_dir / "leaderboard.md").read_text(encoding="utf-8")


def test_report_command_writes_where_asked(demo_dir, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    report_command.register(parser.add_subparsers())
    target = tmp_path / "elsewhere" / "r.html"
    args = parser.parse_args(["report", str(demo_dir), "--out", str(target)])
    assert args.func(args) == 0
    assert target.exists() and f"wrote {target}" in capsys.readouterr().out


def test_missing_run_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        write_html_report(tmp_path / "nothing-here")


def test_texts_scores_and_flags_come_from_the_run(demo_dir):
    data = report_data(demo_dir)
    ts = data["testsets"][1]
    assert ts["name"] == "demo-en-zh" and ts["refs"] == ["A", "B"]
    source = (CORPORA / "en-zh" / "source.en").read_text(encoding="utf-8").splitlines()
    assert ts["text"]["source"] == source
    assert ts["text"]["sys"]["good"] == (CORPORA / "en-zh" / "hyp.good.zh").read_text(encoding="utf-8").splitlines()
    bleu = sacrebleu.BLEU(tokenize="zh")
    refs = [ts["text"]["refs"]["A"], ts["text"]["refs"]["B"]]
    for k in (0, 5):
        hyp = ts["text"]["sys"]["poor"][k]
        expected = bleu.sentence_score(hyp, [r[k] for r in refs]).score
        assert ts["scores"]["bleu"]["poor"][k] == pytest.approx(expected, abs=0.006)
    assert set(ts["flags"]) >= {"empty", "untranslated"}


def test_flags_and_notes_other_stages_add(demo_dir, tmp_path):
    """``flag:NAME`` columns of segments.parquet become flags; ``repairs`` and
    ``alignment`` in results.json become notes."""
    import shutil

    import pandas as pd

    run = tmp_path / "run"
    shutil.copytree(demo_dir, run)
    seg = pd.read_parquet(run / "segments.parquet")
    seg["flag:off-target"] = (seg["system"] == "scraped") & seg["seg_id"].isin([2, 7])
    seg.to_parquet(run / "segments.parquet", index=False)
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    results["repairs"] = {"html_entities": 12}
    results["testsets"]["demo-es-en"]["alignment"] = {"low_confidence": [3]}
    (run / "results.json").write_text(json.dumps(results), encoding="utf-8")
    data = report_data(run)
    ts = data["testsets"][0]
    assert ts["flags"]["off-target"] == {"strong": [], "literal": [], "scraped": [1, 6]}
    assert data["notes"] == {"repairs": {"html_entities": 12}}
    assert ts["extra"]["alignment"] == {"low_confidence": [3]}
    assert "off-target" not in data["testsets"][1]["flags"] or not any(data["testsets"][1]["flags"]["off-target"].values())


def test_clusters_from_the_pairwise_p_values_match_the_run(demo_dir):
    """The win matrix's p-values come from the same seeded bootstrap as the run's
    clusters, so clustering them reproduces results.json."""
    for ts in report_data(demo_dir)["testsets"]:
        if len(ts["systems"]) < 2:
            continue  # a single system has no pairs to test
        for metric in ts["metrics"]:
            name = metric["name"]
            p = np.array([[np.nan if v is None else v for v in row] for row in ts["significance"][name]])
            scores = {s: ts["entries"][s][name]["score"] for s in ts["systems"]}
            ranks = stats.clusters(scores, ts["systems"], p, higher_is_better=metric["higher_is_better"])
            assert ranks == {s: ts["entries"][s][name]["cluster"] for s in ts["systems"]}


def test_approximate_randomisation_runs_keep_their_test(tmp_path):
    """A run tested with approximate randomisation gets AR p-values in its win
    matrix: the baseline's row equals the run's p-values against the baseline."""
    from eval.cli import main

    config = tmp_path / "ar.yaml"
    config.write_text(
        "name: ar\nmetrics: [bleu, chrf]\ncache: \"off\"\nhistory: \"off\"\n"
        "significance: {test: ar, n: 2000, seed: 7, baseline: literal}\ntestsets:\n"
        f"  - {{name: es-en, langs: es-en, source: {CORPORA}/es-en/source.es, references: {{A: {CORPORA}/es-en/ref.A.en}},"
        f" systems: '{CORPORA}/es-en/hyp.*.en'}}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--out", str(tmp_path / "run")]) == 0
    ts = report_data(tmp_path / "run")["testsets"][0]
    assert ts["test"] == "ar"
    for name in ("bleu", "chrf"):
        p = np.array([[np.nan if v is None else v for v in row] for row in ts["significance"][name]])
        base = ts["systems"].index("literal")
        for k, system in enumerate(ts["systems"]):
            if k != base:
                assert p[base, k] == pytest.approx(ts["entries"][system][name]["p_value"], abs=1e-4)
        scores = {s: ts["entries"][s][name]["score"] for s in ts["systems"]}
        assert stats.clusters(scores, ts["systems"], p) == {s: ts["entries"][s][name]["cluster"] for s in ts["systems"]}


def test_length_bucket_scores_are_corpus_bleu_of_the_bucket(demo_dir):
    ts = report_data(demo_dir)["testsets"][0]  # demo-es-en, one reference
    labels, index = length_buckets(ts["text"]["source"], "es")
    bucket = ts["buckets"]["length"]
    assert bucket["labels"] == labels and sum(bucket["counts"]) == ts["n"]
    ref = ts["text"]["refs"]["A"]
    for system in ts["systems"]:
        for k, label in enumerate(labels):
            rows = np.flatnonzero(index == k)
            got = bucket["scores"]["bleu"][system][k]
            if not len(rows):
                assert got is None
                continue
            hyps = [ts["text"]["sys"][system][i] for i in rows]
            expected = sacrebleu.corpus_bleu(hyps, [[ref[i] for i in rows]]).score
            assert got == pytest.approx(expected, abs=0.006), (system, label)


def test_frequency_buckets_by_hand():
    refs = ["the cat sat", "the dog ran"]  # the: 2; cat, sat, dog, ran: 1
    result = frequency_buckets(refs, {"s": ["the cat ran", "a dog ran"]}, "en")
    assert result["labels"][:2] == ["1", "2"] and result["counts"][:2] == [4, 2]
    # frequency 1: hypothesis words cat, ran, dog, ran; the first "ran" is not in its
    # segment's reference -> 3 matches: P = 3/4, R = 3/4; "a" is in no reference
    # frequency 2: "the" produced once, referenced twice -> P = 1, R = 1/2, F = 2/3
    assert result["scores"]["s"][:2] == [75.0, pytest.approx(66.67)]
    assert result["scores"]["s"][2:] == [None] * (len(result["labels"]) - 2)


def test_unspaced_tokens_keep_latin_words_whole():
    assert tokens("我们用BBC 2022年", "zh") == ["我", "们", "用", "bbc", "2022", "年"]
    assert tokens("Hello, world!", "en") == ["hello", "world"]


@pytest.mark.slow
def test_wmt22_en_zh_all_systems(tmp_path):
    """13 systems x 2,037 segments: every system and segment reaches the page."""
    from eval.cli import main

    xml = need(WMT22 / "xml" / "wmttest2022.en-zh.all.xml")
    config = tmp_path / "c.yaml"
    config.write_text(
        "name: wmt22-en-zh\nmetrics: [bleu, chrf]\ncache: \"off\"\nhistory: \"off\"\n"
        f"testsets:\n  - {{name: en-zh, langs: en-zh, format: wmt-xml, path: {xml}}}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--out", str(tmp_path / "run")]) == 0
    path = write_html_report(tmp_path / "run")
    assert path.stat().st_size < 15 * 2**20
    page = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    ts = data["testsets"][0]
    assert len(ts["systems"]) == 13 and ts["n"] == 2037
    assert all(len(ts["text"]["sys"][s]) == 2037 and len(ts["scores"]["bleu"][s]) == 2037 for s in ts["systems"])
    assert len(ts["significance"]["bleu"]) == 13 and len(ts["buckets"]["docs"]["labels"]) > 100
