"""The HTML report's file and data (the page itself is checked in a browser in
test_report_html_browser.py): self-contained, safely embedded, and numbers that
agree with sacreBLEU and with the run's own significance clusters."""
from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from hypothesis import given
from hypothesis import strategies as st

from eval import stats
from eval.commands import report as report_command
from eval.errors import UserError
from eval.report.html import REPORT_FILE, embed_json, render_html, write_html_report
from eval.report.html_buckets import frequency_buckets, length_buckets, tokens
from eval.report.html_data import report_data
from eval.report.selection import Limits, extremes, select_rows

from conftest import CORPORA, WMT22, need
from tiled_run import es_en_run, tile_run

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
    run = es_en_run(tmp_path, "bleu, chrf", "{test: ar, n: 2000, seed: 7, baseline: literal}")
    ts = report_data(run)["testsets"][0]
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


# ---------- large test sets: the explorer's bounded selection (selection.py) ----------

LIMITS = Limits(full_rows=100, worst_best=5, sample=20, flagged_cap=4, seed=3)


def _arrays(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scores = {"bleu": {"a": rng.random(n) * 100, "b": rng.random(n) * 100},
              "ter": {"a": rng.random(n) * 100, "b": rng.random(n) * 100}}
    scores["bleu"]["a"][[7, 8]] = np.nan  # unscored segments are never "worst"
    flags = {"off-target": {"a": np.zeros(n, bool), "b": np.zeros(n, bool)}}
    flags["off-target"]["a"][[10, 20, 30]] = True  # under the cap: all kept
    flags["off-target"]["b"][::50] = True  # 20 flagged, over the cap of 4
    return scores, {"bleu": True, "ter": False}, flags


def test_selection_keeps_worst_best_sample_and_flagged_rows():
    n = 1000
    scores, hib, flags = _arrays(n)
    sel = select_rows(n, scores, hib, flags, LIMITS)
    rows = set(sel.rows.tolist())
    for system in ("a", "b"):
        bleu, ter = scores["bleu"][system], scores["ter"][system]
        finite = np.flatnonzero(np.isfinite(bleu))
        by_bleu = finite[np.argsort(bleu[finite])]
        assert set(by_bleu[:5]) <= rows and set(by_bleu[-5:]) <= rows  # worst and best BLEU (higher is better)
        by_ter = np.argsort(ter)
        assert set(by_ter[:5]) <= rows and set(by_ter[-5:]) <= rows  # best and worst TER (lower is better)
    assert not {7, 8} & set(extremes(scores["bleu"]["a"], 5, True)[0].tolist())
    assert extremes(np.array([3.0, 1.0, 1.0, 2.0]), 1, True)[0].tolist() == [1]  # ties: the earlier segment
    assert extremes(np.array([3.0, 1.0, 1.0, 2.0]), 1, False)[0].tolist() == [0]  # lower is better: the highest is worst
    assert len(sel.sample) == 20 and set(sel.sample.tolist()) <= rows
    assert {10, 20, 30} <= rows and sel.per_system["a"]["flagged"] == 3 == sel.per_system["a"]["flagged_total"]
    assert sel.per_system["b"]["flagged"] == 4 and sel.per_system["b"]["flagged_total"] == 20
    assert len(rows & set(range(0, n, 50))) >= 4
    # the documented bound: systems x (2 x metrics x worst_best + flagged_cap) + sample
    assert len(sel.rows) <= 2 * (2 * 2 * 5 + 4) + 20
    assert np.all(np.diff(sel.rows) > 0) and sel.rows.dtype.kind == "i"


def test_selection_is_deterministic_and_follows_its_seed():
    scores, hib, flags = _arrays(5000)
    first = select_rows(5000, scores, hib, flags, LIMITS)
    again = select_rows(5000, *_arrays(5000), LIMITS)
    assert np.array_equal(first.rows, again.rows) and np.array_equal(first.sample, again.sample)
    other = select_rows(5000, scores, hib, flags, Limits(**{**LIMITS.__dict__, "seed": 4}))
    assert not np.array_equal(first.sample, other.sample)


def test_small_test_sets_keep_every_row():
    scores, hib, flags = _arrays(100)
    sel = select_rows(100, scores, hib, flags, LIMITS)
    assert sel.complete and sel.rows.tolist() == list(range(100)) == sel.sample.tolist()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """es-en (34 segments, 3 systems, BLEU/chrF/TER)."""
    return es_en_run(tmp_path_factory.mktemp("small"), "bleu, chrf, ter")


@pytest.fixture(scope="module")
def large_run(small_run, tmp_path_factory) -> Path:
    """The small run repeated 1,500 times: 51,000 segments, 2% flagged off-target."""
    return tile_run(small_run, tmp_path_factory.mktemp("large") / "run", 1500, flag="off-target", flag_rate=0.02, seed=1)


def test_small_runs_show_every_row(small_run):
    ts = report_data(small_run)["testsets"][0]
    assert "selection" not in ts and "rows" not in ts
    assert len(ts["text"]["source"]) == ts["n"] == 34
    assert all(len(ts["scores"]["bleu"][s]) == 34 for s in ts["systems"])


class _Spy(Sequence):
    """A test set column that records which rows were read and refuses a full scan."""

    def __init__(self, column, reads: set):
        self.column, self.reads = column, reads

    def __len__(self):
        return len(self.column)

    def __getitem__(self, i):
        self.reads.add(i)
        return self.column[i]

    def take(self, rows):
        self.reads.update(int(i) for i in rows)
        return self.column.take(rows)

    def __iter__(self):
        raise AssertionError("the page builder iterated over every text of a stream")


@pytest.fixture(scope="module")
def large_data(large_run) -> tuple[dict, set]:
    """The large run's report data, built with its outputs and references
    behind spies that record the rows read: (data, rows read)."""
    from eval.report import html_data, run_texts

    reads: set = set()

    def spied(*args):
        ts = run_texts.run_testset(*args)
        ts.references = {k: _Spy(v, reads) for k, v in ts.references.items()}
        ts.systems = {k: _Spy(v, reads) for k, v in ts.systems.items()}
        return ts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(html_data, "run_testset", spied)
        return report_data(large_run), reads


def test_large_run_reads_texts_only_for_selected_rows(large_data):
    """Outputs and references are read row by row through the test set's
    sequences, only for the rows the page carries; only the source is scanned
    (length buckets need every source length)."""
    data, reads = large_data
    ts = data["testsets"][0]
    assert reads == set(ts["rows"]) and len(ts["rows"]) < 5000


def test_large_run_page_carries_a_bounded_selection_and_whole_test_set_charts(large_run, large_data, small_run):
    import pandas as pd

    data = large_data[0]
    assert len(render_html(data).encode("utf-8")) < 5 * 2**20
    ts = data["testsets"][0]
    n = ts["n"]
    assert n == 51_000 and len(ts["rows"]) == ts["selection"]["shown"] == len(ts["text"]["source"])
    limits = ts["selection"]["limits"]
    assert limits == {"full_rows": 10_000, "worst_best": 100, "sample": 1000, "flagged_cap": 500, "seed": 12345}
    assert len(ts["rows"]) <= 3 * (2 * 3 * 100 + 500) + 1000
    assert ts["selection"]["full_data"] == "segments.parquet"
    # texts and scores of the carried rows are the run's rows
    base = report_data(small_run)["testsets"][0]
    for k, row in enumerate(ts["rows"][:200]):
        assert ts["text"]["source"][k] == base["text"]["source"][row % 34]
        assert ts["text"]["sys"]["literal"][k] == base["text"]["sys"]["literal"][row % 34]
        assert ts["scores"]["chrf"]["strong"][k] == base["scores"]["chrf"]["strong"][row % 34]
    # flagged: per system every flagged row up to the cap, and how many were left out
    seg = pd.read_parquet(large_run / "segments.parquet")
    for system, info in ts["selection"]["per_system"].items():
        flagged = seg[(seg["system"] == system) & seg["flag:off-target"]]
        st = json.loads((large_run / f"systems/es-en/{system}.json").read_text(encoding="utf-8"))["statistics"]
        total = len(set(flagged["seg_id"]) | set(st["untranslated_lines"]) | set(st["empty_lines"]))
        assert info["flagged_total"] == total and info["flagged"] == min(total, 500)
        assert ts["flag_counts"]["off-target"][system] == len(flagged)
        carried = set(flagged["seg_id"] - 1)
        assert ts["flags"]["off-target"][system] == [k for k, row in enumerate(ts["rows"]) if row in carried]
    # charts from every segment: distributions, segment wins, buckets
    for system in ts["systems"]:
        values = seg[seg["system"] == system].sort_values("seg_id")["bleu"].to_numpy()
        assert ts["distribution"]["bleu"][system]["q"] == pytest.approx(np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]), abs=1e-4)
        assert ts["distribution"]["bleu"][system]["count"] == n
    a, b = ts["systems"][:2]
    xa = seg[seg["system"] == a].sort_values("seg_id")["ter"].to_numpy()
    xb = seg[seg["system"] == b].sort_values("seg_id")["ter"].to_numpy()
    assert ts["wins"]["ter"]["better"][0][1] == int((xa < xb).sum()) and ts["wins"]["ter"]["ties"][0][1] == int((xa == xb).sum())
    assert sum(ts["buckets"]["length"]["counts"]) == n
    assert ts["buckets"]["length"]["counts"] == [c * 1500 for c in base["buckets"]["length"]["counts"]]
    for system in ts["systems"]:  # repeating every segment leaves a bucket's chrF and TER (ratios of sums) unchanged
        for metric in ("chrf", "ter"):
            assert ts["buckets"]["length"]["scores"][metric][system] == pytest.approx(
                base["buckets"]["length"]["scores"][metric][system], abs=0.011)
    assert ts["buckets"]["frequency"]["segments"] == 1000


def test_run_texts_are_read_on_demand_in_segment_order(tmp_path):
    """texts.parquet rows in any order, a missing text and another test set: each
    column reads as the test set's segments, "" where the run has none."""
    import pandas as pd

    from eval.report.run_texts import run_doc_ids, run_testset

    rows = [("t", 3, "d2", "source", "three"), ("t", 1, "d1", "source", "one"), ("t", 2, "d1", "source", "two"),
            ("t", 2, "d1", "sys:a", "zwei"), ("t", 1, "d1", "sys:a", "eins"), ("t", 3, "d2", "ref:A", "drei"),
            ("u", 1, "x", "source", "other test set")]
    pd.DataFrame(rows, columns=["testset", "seg_id", "doc_id", "field", "text"]).to_parquet(tmp_path / "texts.parquet")
    ts = run_testset(tmp_path / "texts.parquet", "t", "de-en", 3, [], ["a"])
    assert list(ts.references) == ["A"] and (ts.src_lang, ts.tgt_lang) == ("de", "en")
    assert list(ts.source) == ["one", "two", "three"] and ts.source[2] == "three" and ts.source[-1] == "three"
    assert ts.systems["a"].take([2, 0, 1]) == ["", "eins", "zwei"]
    assert list(ts.references["A"]) == ["", "", "drei"]
    assert run_doc_ids(tmp_path / "texts.parquet", "t", 3) == ["d1", "d1", "d2"]
    with pytest.raises(IndexError):
        ts.source[3]
    missing = run_testset(tmp_path / "absent.parquet", "t", "de-en", 2, ["A"], ["a"])
    assert list(missing.source) == ["", ""] and missing.systems["a"].take([1]) == [""]
