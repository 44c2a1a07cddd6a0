"""``mteval meta``: a run's metrics against human judgments. A small run is
built on the fly (5 systems of graded quality, 12 segments); its expected
numbers are recomputed here from results.json with plain numpy."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from eval.api import score

WORDS = "the quick brown fox jumps over the lazy dog while seven old men watch from a bench".split()
N_SEG = 12
SYSTEMS = ["exact.101", "minus-one.7", "half", "shuffled", "noise"]


def _reference() -> list[str]:
    rng = np.random.default_rng(1)
    return [" ".join(rng.choice(WORDS, size=8 + i % 5)) for i in range(N_SEG)]


def _outputs(refs: list[str]) -> dict[str, list[str]]:
    rng = np.random.default_rng(2)
    out = {"exact": list(refs), "minus-one": [" ".join(r.split()[:-1]) for r in refs],
           "half": [" ".join(r.split()[: len(r.split()) // 2]) for r in refs],
           "shuffled": [" ".join(rng.permutation(r.split())) for r in refs],
           "noise": [" ".join(rng.choice(WORDS, size=6)) for _ in refs]}
    return out


# Human scores: per system a level, plus per-segment noise; segment 12 never rated.
LEVELS = {"exact.101": 90.0, "minus-one.7": 80.0, "half": 50.0, "shuffled": 55.0, "noise": 10.0}


def human_rows() -> list[tuple[str, int, float]]:
    rng = np.random.default_rng(3)
    return [(s, i, round(LEVELS[s] + float(rng.normal(0, 8)), 3)) for s in SYSTEMS for i in range(1, N_SEG)]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from eval.report.write import write_run

    refs = _reference()
    run = score(_outputs(refs), [refs], "de-en", metrics=("bleu", "chrf", "ter"))
    return write_run(run, tmp_path_factory.mktemp("run") / "run")


def write_human(path, rows=None, header=True):
    lines = (["system\tseg_id\tscore"] if header else []) + [f"{s}\t{i}\t{v}" for s, i, v in (rows or human_rows())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def meta_json(cli, run_dir, human, *extra):
    fmt = "mtme" if str(human).endswith(".score") else "tsv"
    code, out, err = cli("meta", run_dir, "--human", human, "--human-format", fmt, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out), err


def test_json_shape_and_numbers_from_the_run(cli, run_dir, tmp_path):
    result, err = meta_json(cli, run_dir, write_human(tmp_path / "h.tsv"))
    block = result["testsets"]["api"]
    assert block["n_systems"] == 5 and block["n_rated_segments"] == N_SEG - 1 and block["n_ratings"] == 5 * (N_SEG - 1)
    assert block["systems"] == ["exact", "minus-one", "half", "shuffled", "noise"]  # '.101' suffixes matched
    assert block["negated"] == ["ter"]
    for stat in ("sys_pearson", "sys_spearman", "sys_kendall_b", "sys_accuracy", "sys_spa", "seg_pearson_none",
                 "seg_kendall_b_none", "seg_pearson_item", "seg_acc_eq_item", "seg_acc_eq_epsilon_item"):
        assert stat in block["metrics"]["bleu"]
    results = json.loads((run_dir / "results.json").read_text())["testsets"]["api"]["systems"]
    human = np.array([np.mean([v for s, _, v in human_rows() if s == name]) for name in SYSTEMS])
    for metric, sign in (("bleu", 1), ("chrf", 1), ("ter", -1)):
        corpus = sign * np.array([results[s.split(".")[0]][metric]["score"] for s in SYSTEMS])
        assert block["metrics"][metric]["sys_pearson"] == pytest.approx(np.corrcoef(human, corpus)[0, 1], abs=1e-12)
        assert block["scatter"]["metrics"][metric]["half"] == pytest.approx(sign * results["half"][metric]["score"], abs=1e-12)
    assert set(result["pooled"]["sys_accuracy"]) == {"bleu", "chrf", "ter"}
    assert err == ""


def test_constant_human_scores_are_null_with_a_reason(cli, run_dir, tmp_path):
    rows = [(s, i, 50.0) for s, i, _ in human_rows()]
    result, _ = meta_json(cli, run_dir, write_human(tmp_path / "flat.tsv", rows))
    block = result["testsets"]["api"]
    assert block["metrics"]["bleu"]["sys_pearson"] is None
    assert "constant" in block["reasons"]["bleu"]["sys_pearson"] or "equal" in block["reasons"]["bleu"]["sys_pearson"]


def test_unmatched_systems_in_one_warning_each_way(cli, run_dir, tmp_path):
    rows = [r for r in human_rows() if r[0] != "noise"] + [("ghost", 1, 3.0), ("HUMAN-B", 1, 99.0)]
    result, err = meta_json(cli, run_dir, write_human(tmp_path / "h.tsv", rows))
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert "1 system(s) not in the run, ignored: ghost" in lines[0]
    assert "no scores for 1 system(s) of the run, left out: noise" in lines[1]
    block = result["testsets"]["api"]
    assert block["n_systems"] == 4 and block["excluded"]["human"] == ["HUMAN-B"]


def test_outside_metric_scores_generic_and_mtme(cli, run_dir, tmp_path):
    ext = tmp_path / "cluster-comet.tsv"
    ext.write_text("".join(f"{s}\t{i}\t{LEVELS[s] / 100 + i / 1000}\n" for s in SYSTEMS for i in range(1, N_SEG + 1)))
    sys_file = tmp_path / "de-en.secret.sys.score"
    sys_file.write_text("".join(f"{s.split('.')[0]}\t{LEVELS[s]}\n" for s in SYSTEMS))
    result, _ = meta_json(cli, run_dir, write_human(tmp_path / "h.tsv"),
                          "--metric-scores", f"comet={ext}", "--metric-scores", f"secret={sys_file}")
    block = result["testsets"]["api"]
    human = np.array([np.mean([v for s, _, v in human_rows() if s == name]) for name in SYSTEMS])
    ext_sys = np.array([np.mean([LEVELS[s] / 100 + i / 1000 for i in range(1, N_SEG + 1)]) for s in SYSTEMS])
    assert block["metrics"]["comet"]["sys_pearson"] == pytest.approx(np.corrcoef(human, ext_sys)[0, 1], abs=1e-12)
    assert block["metrics"]["secret"]["sys_pearson"] == pytest.approx(
        np.corrcoef(human, [LEVELS[s] for s in SYSTEMS])[0, 1], abs=1e-12)
    assert block["metrics"]["secret"]["seg_pearson_none"] is None
    assert block["reasons"]["secret"]["seg_pearson_none"] == "secret has system-level scores only"


def test_significance_ranks_and_table(cli, run_dir, tmp_path):
    human = write_human(tmp_path / "h.tsv")
    result, _ = meta_json(cli, run_dir, human, "--significance", "--k", "50")
    ranks = result["testsets"]["api"]["ranks"]
    assert set(ranks) == {"sys_pearson", "sys_accuracy", "seg_pearson_none"}
    assert set(ranks["sys_pearson"]["ranks"]) == {"bleu", "chrf", "ter"} and min(ranks["sys_pearson"]["ranks"].values()) == 1
    again, _ = meta_json(cli, run_dir, human, "--significance", "--k", "50")
    assert again["testsets"]["api"]["ranks"] == ranks  # seeded
    code, out, _ = cli("meta", run_dir, "--human", human, "--human-format", "tsv")
    assert code == 0 and "sys_pearson" in out.splitlines()[1] and out.count("\n") >= 5


def test_outliers_and_renames(cli, run_dir, tmp_path):
    rows = [("Exact-Sys" if s == "exact.101" else s, i, v) for s, i, v in human_rows()]
    result, _ = meta_json(cli, run_dir, write_human(tmp_path / "h.tsv", rows),
                          "--rename", "Exact-Sys=exact", "--outliers", "noise")
    block = result["testsets"]["api"]
    assert block["systems"] == ["exact", "minus-one", "half", "shuffled"] and block["excluded"]["outliers"] == ["noise"]


def fails(cli, args, *needles):
    code, out, err = cli(*args)
    assert code == 2, (code, err)
    assert out == "" and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_bad_input_exits_2_with_one_line(cli, run_dir, tmp_path):
    good = write_human(tmp_path / "h.tsv")
    base = ["meta", run_dir, "--human-format", "tsv", "--human"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("system\tseg_id\tscore\nhalf\t1\t0.5\nhalf\ttwo\t0.5\n")
    fails(cli, base + [bad], "bad.tsv:3: segment id 'two'")
    beyond = tmp_path / "beyond.tsv"
    beyond.write_text("".join(f"{s}\t{i}\t1\n" for s in SYSTEMS for i in (1, 2)) + "half\t13\t1\n")
    fails(cli, base + [beyond], "beyond.tsv:11: segment id 13 is beyond test set 'api' (12 segments)")
    two = write_human(tmp_path / "two.tsv", [r for r in human_rows() if r[0] in ("half", "noise")])
    fails(cli, base + [two], "two.tsv", "2 system(s) with human scores", "3 are needed")
    none = tmp_path / "none.tsv"
    none.write_text("half\t1\tNone\nnoise\t2\tNone\n")
    fails(cli, base + [none], "none.tsv: no human scores for any system")
    fails(cli, ["meta", run_dir, "--human", good, "--human-format", "pairwise"], "invalid choice: 'pairwise'")
    fails(cli, base + [good, "--metric-scores", "comet"], "--metric-scores 'comet': expected NAME=VALUE")
    fails(cli, base + [good, "--metric-scores", f"bleu={good}"], "the run already has a metric named 'bleu'")
    fails(cli, base + [good, "--testset", "other"], "--testset 'other': the run has no such test set")
    fails(cli, base + [good, "--outliers", "nobody"], "outliers: the run has no system(s) nobody")
    fails(cli, ["meta", tmp_path, "--human", good, "--human-format", "tsv"], "not a run directory")
    partial = tmp_path / "partial.tsv"
    partial.write_text("".join(f"{s}\t1\t0.5\n" for s in SYSTEMS))
    fails(cli, base + [good, "--metric-scores", f"x={partial}"], "metric x: no score for system 'exact' segment 2")


def test_api_returns_a_tidy_frame(run_dir, tmp_path):
    import eval

    frame = eval.human_agreement(run_dir, write_human(tmp_path / "h.tsv"), "tsv")
    assert list(frame.columns) == ["testset", "human", "metric", "statistic", "value", "reason", "cluster"]
    row = frame[(frame.metric == "ter") & (frame.statistic == "sys_pearson")]
    assert len(row) == 1 and math.isfinite(row.value.iloc[0])


def test_da_darr_thresholds_the_raw_scores(cli, run_dir, tmp_path):
    """WMT20's DARR counts pairs whose raw DA differs by 25 or more; z scores
    (here raw / 100) never differ that much, so the raw column must be used."""
    path = tmp_path / "ad-seg-scores-de-en.csv"
    path.write_text("SYS SID RAW.SCR Z.SCR N\n" + "".join(f"{s} {i} {v} {v / 100} 1\n" for s, i, v in human_rows()))
    code, out, err = cli("meta", run_dir, "--human", path, "--human-format", "da", "--format", "json")
    assert code == 0, err
    block = json.loads(out)["testsets"]["api"]
    assert block["human"]["score"] == "z"
    assert block["metrics"]["bleu"]["seg_darr"] is not None
    from eval import meta as stats

    z = np.full((5, N_SEG), np.nan)
    raw = np.full((5, N_SEG), np.nan)
    for s, i, v in human_rows():
        z[SYSTEMS.index(s), i - 1], raw[SYSTEMS.index(s), i - 1] = v / 100, v
    import pandas as pd

    seg = pd.read_parquet(run_dir / "segments.parquet")
    bleu = np.array([seg[seg.system == s.split(".")[0]].sort_values("seg_id")["bleu"].to_numpy() for s in SYSTEMS])
    values, _ = stats.agreement(z, bleu, raw_human_seg=raw)
    assert block["metrics"]["bleu"]["seg_darr"] == pytest.approx(values["seg_darr"], abs=1e-12)


def test_system_level_human_scores_with_significance(cli, run_dir, tmp_path):
    path = tmp_path / "de-en.DA.sys.score"
    path.write_text("".join(f"{s}\t{LEVELS[s]}\n" for s in SYSTEMS))
    result, _ = meta_json(cli, run_dir, path, "--significance", "--k", "20")
    block = result["testsets"]["api"]
    assert block["n_rated_segments"] == 0 and block["metrics"]["chrf"]["sys_pearson"] is not None
    assert block["reasons"]["chrf"]["seg_pearson_none"] == "the human scores are system-level only"
    assert set(block["ranks"]["sys_pearson"]["ranks"]) == {"bleu", "chrf", "ter"}
    assert block["ranks"]["seg_pearson_none"]["ranks"] == {}


def test_a_file_for_other_systems_says_so(cli, run_dir, tmp_path):
    other = write_human(tmp_path / "other.tsv", [("a", 1, 1.0), ("b", 1, 2.0), ("c", 1, 3.0)])
    fails(cli, ["meta", run_dir, "--human", other, "--human-format", "tsv"],
          "other.tsv: none of its systems (a, b, c) is a system of test set 'api' (exact, minus-one")
    rows = [r for r in human_rows() if r[0] != "noise"] + [("noise", 1, "None")]
    result, err = meta_json(cli, run_dir, write_human(tmp_path / "h.tsv", rows))
    assert "no scores for 1 system(s) of the run, left out: noise" in err  # only None = not in the file
    assert result["testsets"]["api"]["n_systems"] == 4


@pytest.mark.parametrize("args, needle", [(["--k", "0"], "--k: expected a positive integer, got '0'"),
                                          (["--seed", "-2"], "--seed: expected a non-negative integer, got '-2'")])
def test_numeric_flags_are_checked(cli, tmp_path, args, needle):
    code, _, err = cli("meta", tmp_path, "--human", tmp_path / "h.csv", "--human-format", "da", *args)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("meta, needle", [({"significance": "off"}, "expected a boolean"),
                                          ({"k": "many"}, "expected a positive integer"),
                                          ({"seed": -1}, "expected a non-negative integer")])
def test_meta_config_values_are_typed_strictly(meta, needle):
    from pydantic import ValidationError

    from eval.config import MetaSpec

    with pytest.raises(ValidationError, match=needle):
        MetaSpec(**meta)
