"""Loaders of human judgments and outside metric scores (eval/human): the real
WMT files in ../shared/data, small files in each documented layout, and every
malformed line named by file and line."""
from __future__ import annotations

import gzip
import json
import math

import pytest

from conftest import SHARED, need
from eval.errors import UserError
from eval.human import load_human, load_metric_scores, match_systems
from eval.human.mqm import read_mqm_annotations
from eval.human.wmt20 import read_wmt20_metric

DA22 = SHARED / "wmt22" / "humaneval" / "DA" / "newstest2022-toen"
DA20 = SHARED / "wmt20-metrics" / "manual-evaluation" / "DA"
MQM21 = SHARED / "wmt21-ende-mqm" / "mqm" / "mqm_newstest2021_ende.avg_seg_scores.tsv"


def test_da_segment_scores_z_and_raw():
    path = need(DA22 / "ad-seg-scores-de-en.csv")
    z = load_human(path, "da")
    raw = load_human(path, "da", da_score="raw")
    assert len(z.seg) == 10 and len(z.seg["Online-Y.3"]) == 1656
    # first data row: Online-Y.3 1760 48 -0.610775103233249 2
    assert z.seg["Online-Y.3"][1760] == -0.610775103233249
    assert raw.seg["Online-Y.3"][1760] == 48.0
    assert z.lines[("Online-Y.3", 1760)] == 2
    assert z.sys is None


def test_da_system_scores_wmt20_header_and_wmt22_ranking():
    wmt20 = load_human(need(DA20 / "ad-sys-scores-de-en.csv"), "da-sys")
    assert wmt20.sys["OPPO.1360"] == 0.219925007273862 and len(wmt20.sys) == 13
    assert load_human(DA20 / "ad-sys-scores-de-en.csv", "da-sys", "raw").sys["OPPO.1360"] == 84.5966801256169
    wmt22 = load_human(need(DA22 / "ad-sys-ranking-de-en-z-names.csv"), "da-sys")
    assert wmt22.sys["Lan-Bridge.1"] == 0.004 and len(wmt22.sys) == 10
    assert load_human(DA22 / "ad-sys-ranking-de-en-z-names.csv", "da-sys", "raw").sys["Lan-Bridge.1"] == 68.8


def test_mqm_averages_none_is_not_rated():
    mqm = load_human(need(MQM21), "mqm")
    assert len(mqm.seg) == 17
    assert all(len(v) == 527 for v in mqm.seg.values())
    assert mqm.seg["Facebook-AI"][1] == -5.0


def test_mqm_raw_annotations_standard_weights(tmp_path):
    rows = [
        ("A", 1, "r1", "Accuracy/Mistranslation", "Major"),
        ("A", 1, "r1", "Fluency/Punctuation", "Minor"),
        ("A", 1, "r2", "No-error", "No-error"),
        ("A", 2, "r1", "Non-translation!", "Major"),
        ("A", 2, "r2", "Fluency/Grammar", "Minor"),
        ("A", 2, "r2", "Style/Awkward", "Neutral"),
        ("B", 1, "r1", "Fluency/Punctuation", "Minor"),
    ]
    path = tmp_path / "mqm.tsv"
    lines = ["system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity"]
    lines += [f"{s}\tdoc1\t1\t{i}\t{r}\tsrc\ttgt\t{c}\t{v}" for s, i, r, c, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mqm = read_mqm_annotations(path)
    assert mqm.seg["A"][1] == pytest.approx(-(5 + 0.1 + 0) / 2, abs=1e-12)
    assert mqm.seg["A"][2] == pytest.approx(-(25 + 1 + 0) / 2, abs=1e-12)
    assert mqm.seg["B"][1] == pytest.approx(-0.1, abs=1e-12)
    assert mqm.lines[("A", 2)] == 5


def test_esa_averages_annotators(tmp_path):
    path = tmp_path / "esa.csv"
    path.write_text(
        "annotator,system,seg_id,overall\n"
        "u1,A,1,80\nu2,A,1,60\nu1,A,2,\nu1,\"B,x\",1,55\n", encoding="utf-8")
    esa = load_human(path, "esa")
    assert esa.seg == {"A": {1: 70.0}, "B,x": {1: 55.0}}


# Rows in the layout of WMT24's published esa_generalMT2024_wave*.csv (no header):
# user, system, segment (0-based), item type, src, tgt, overall, doc, flag, spans, start, end.
ESA_WMT24 = """\
engjpn01,ende-tutorial1,1000001,TGT,eng,jpn,0,ende-tutorial1,False,[],1.0,1.0
engjpn01,SysA,0,TGT,eng,jpn,90,test-en-news_a,False,[],10.0,11.0
engjpn02,SysA,0,TGT,eng,jpn,70,test-en-news_a,False,"[{""start_i"":0,""end_i"":3,""severity"":""minor""}]",10.0,12.0
engjpn01,SysA,1,TGT,eng,jpn,40,test-en-news_a,False,[],20.0,21.0
engjpn01,SysA,1,TGT,eng,jpn,60,test-en-news_a,False,[],20.0,25.0
engjpn01,SysB,0,BAD,eng,jpn,10,test-en-news_a#bad,False,[],30.0,31.0
engjpn01,SysB,0,TGT,eng,jpn,50,test-en-news_a,False,[],30.0,32.0
engjpn01,SysB,2,TGT,eng,jpn,77,test-en-social_b#incomplete,False,[],40.0,41.0
engjpn01,SysB,3,TGT,eng,jpn,66,test-en-social_b#dup,False,[],40.0,42.0
engzho01,SysA,0,TGT,eng,zho,11,test-en-news_a,False,[],50.0,51.0
"""


def test_esa_published_wmt24_layout(tmp_path):
    """Quality-control items, tutorials, #incomplete/#dup documents and other pairs are
    left out; a revised rating counts once (the latest); annotators are averaged; ids
    are 0-based in the file and 1-based in mteval."""
    path = tmp_path / "esa_generalMT2024_wave2.csv"
    path.write_text(ESA_WMT24, encoding="utf-8")
    esa = load_human(path, "esa", langs="en-ja")
    assert esa.seg == {"SysA": {1: 80.0, 2: 60.0}, "SysB": {1: 50.0}}
    assert load_human(path, "esa", langs="en-zh").seg == {"SysA": {1: 11.0}}
    with pytest.raises(UserError, match=r"holds several language pairs \(en-ja, en-zh\)"):
        load_human(path, "esa")
    with pytest.raises(UserError, match="has no ratings for de-en"):
        load_human(path, "esa", langs="de-en")
    bad = tmp_path / "bad.csv"
    bad.write_text(ESA_WMT24.replace("SysA,1,TGT,eng,jpn,60", "SysA,x,TGT,eng,jpn,60"), encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.csv:5: segment id 'x' is not a whole number"):
        load_human(bad, "esa", langs="en-ja")


def test_mtme_segment_and_system_layouts(tmp_path):
    seg = tmp_path / "en-de.MQM.seg.score"
    seg.write_text("A\t-1\nA\tNone\nA\t-3\nB\t0\nB\t-2\nB\t-5\n", encoding="utf-8")
    j = load_human(seg, "mtme")
    assert j.seg == {"A": {1: -1.0, 3: -3.0}, "B": {1: 0.0, 2: -2.0, 3: -5.0}}
    sys_file = tmp_path / "en-de.MQM.sys.score"
    sys_file.write_text("A\t-2\nB\t-2.333\n", encoding="utf-8")
    assert load_human(sys_file, "mtme").sys == {"A": -2.0, "B": -2.333}
    unequal = tmp_path / "x.seg.score"
    unequal.write_text("A 1\nA 2\nB 1\n", encoding="utf-8")
    with pytest.raises(UserError, match="blocks of different lengths"):
        load_human(unequal, "mtme")


def test_generic_tsv_and_jsonl(tmp_path):
    tsv = tmp_path / "scores.tsv"
    tsv.write_text("system\tseg_id\tscore\nA\t1\t0.5\nA\t2\tNone\nB\t1\t0.25\n", encoding="utf-8")
    assert load_human(tsv, "tsv").seg == {"A": {1: 0.5}, "B": {1: 0.25}}
    jsonl = tmp_path / "scores.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in [
        {"system": "A", "seg_id": 1, "score": 0.5}, {"system": "B", "seg_id": 2, "score": None}]) + "\n")
    assert load_human(jsonl, "jsonl").seg == {"A": {1: 0.5}}
    assert load_metric_scores(jsonl).seg == {"A": {1: 0.5}}
    assert load_metric_scores(tsv).seg == {"A": {1: 0.5}, "B": {1: 0.25}}


def test_wmt20_official_metric_file():
    path = need(SHARED / "wmt20-metrics" / "final-metric-scores" / "baselines" / "sentBLEU.sys.score.gz")
    scores = read_wmt20_metric(path, "cs-en")
    assert scores.sys["CUNI-DocTransformer.1457"] == 27.934903162650595 and len(scores.sys) == 12


@pytest.mark.parametrize(
    "fmt, text, message",
    [
        ("da", "SYS SID RAW.SCR Z.SCR N\nA 1 50 0.1 1\nA x 50 0.1 1\n", r"x.txt:3: segment id 'x' is not a whole number"),
        ("da", "SYS SID RAW.SCR Z.SCR N\nA 1 50 zero 1\n", r"x.txt:2: Z.SCR 'zero' is not a number"),
        ("da", "SYS SID RAW.SCR Z.SCR N\nA 1 50 0.1 1\nA 1 50 0.2 1\n", r"x.txt:3: second score for system 'A' segment 1 \(first on line 2\)"),
        ("da", "SYS SID RAW.SCR\nA 1 50\n", r"x.txt:1: header has no score column"),
        ("da", "SYS SID RAW.SCR Z.SCR N\nA 1\n", r"x.txt:2: expected 4 fields"),
        ("da-sys", "RAW.SCR Z.SCR N SYS N.ALL\n1 0.1 3 A 4\n1 0.2 3 A 4\n", r"x.txt:3: second score for system 'A'"),
        ("mqm", "system mqm_avg_score seg_id\nA -1 0\n", r"x.txt:2: segment id 0 \(ids start at 1\)"),
        ("mqm-raw", "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"
                    "A\td\t1\t1\tr\ts\tt\tAccuracy\tCritical\n", r"x.txt:2: unknown MQM severity 'Critical'"),
        ("esa", "system,seg_id,overall\nA,1,great\n", r"x.txt:2: overall score 'great' is not a number"),
        ("mtme", "A 1\nlonely\n", r"x.txt:2: expected 'SYSTEM SCORE'"),
        ("tsv", "A\t1\n", r"x.txt:1: expected 3 tab-separated fields"),
        ("tsv", "A\t1\tinf\n", r"x.txt:1: score 'inf' is not a finite number"),
        ("jsonl", '{"system": "A", "seg_id": 1}\n', r"x.txt:1: expected an object with keys system, seg_id, score"),
        ("jsonl", "{not json\n", r"x.txt:1: invalid JSON"),
        ("pairwise", "A 1\n", r"x.txt: unknown human-score format 'pairwise'"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, fmt, text, message):
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_human(path, fmt)


def test_empty_missing_and_bad_gzip_files(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load_human(tmp_path / "absent.csv", "da")
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(UserError, match="empty.csv: file is empty"):
        load_human(tmp_path / "empty.csv", "da")
    (tmp_path / "x.tsv.gz").write_bytes(b"not gzip")
    with pytest.raises(UserError, match="not a gzip file"):
        load_metric_scores(tmp_path / "x.tsv.gz")
    (tmp_path / "ok.tsv.gz").write_bytes(gzip.compress(b"A\t1\t0.5\n"))
    assert load_metric_scores(tmp_path / "ok.tsv.gz").seg == {"A": {1: 0.5}}


def test_name_matching_exact_then_normalised():
    match = match_systems(
        ["OPPO.1360", "Facebook_AI.729", "Human-B.0", "HUMAN", "ref-A", "Nemo", "Online-W"],
        ["OPPO", "Facebook-AI", "NVIDIA-NeMo", "Online-W", "UEdin"],
        rename={"Nemo": "NVIDIA-NeMo"},
    )
    assert match.mapping == {"OPPO.1360": "OPPO", "Facebook_AI.729": "Facebook-AI", "Nemo": "NVIDIA-NeMo",
                             "Online-W": "Online-W"}
    assert match.humans == ["Human-B.0", "HUMAN", "ref-A"]
    assert match.unmatched_run == ["UEdin"]
    assert match.warnings("h.tsv") == ["h.tsv: no scores for 1 system(s) of the run, left out: UEdin"]
    with_humans = match_systems(["Human-B.0", "X"], ["HUMAN-B", "Y"], include_human=True)
    assert with_humans.mapping == {"Human-B.0": "HUMAN-B"} and with_humans.unmatched_file == ["X"]


def test_name_matching_refuses_two_names_for_one_system():
    with pytest.raises(UserError, match="both match the run's system 'OPPO'"):
        match_systems(["OPPO.1", "OPPO.2"], ["OPPO"])
    with pytest.raises(UserError, match="rename a=b: the run has no system 'b'"):
        match_systems(["a"], ["c"], rename={"a": "b"})


def test_not_rated_is_absent_not_nan(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("A\t1\tnan\nA\t2\t1\n", encoding="utf-8")
    scores = load_human(path, "tsv")
    assert scores.seg == {"A": {2: 1.0}} and not any(math.isnan(v) for v in scores.seg["A"].values())
