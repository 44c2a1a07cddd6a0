"""The regression gate on real WMT22 output: a degraded system fails, an
unchanged copy passes, a tiny change passes when significance is required;
non-comparable runs and bad input exit 2 with one line."""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from eval.commands import check as check_command
from eval.commands import history as history_command
from eval.corpora.model import TestSet
from eval.errors import UserError
from eval.pipeline import evaluate
from eval.report.write import write_run
from eval.results import Run

WMT22 = Path(__file__).resolve().parents[2] / "shared" / "data" / "wmt22" / "txt"
pytestmark = pytest.mark.skipif(not WMT22.is_dir(), reason=f"WMT22 data not found at {WMT22}")
TESTSET = "wmt22-de-en"


def cli(argv: list[str]) -> int:
    """The two commands behind a parser, with the mteval CLI's error contract."""
    parser = argparse.ArgumentParser(prog="mteval")
    sub = parser.add_subparsers(dest="command", required=True)
    check_command.register(sub)
    history_command.register(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"mteval: error: {exc}", file=sys.stderr)
        return exc.exit_code


def read(name: str) -> list[str]:
    return (WMT22 / name).read_text(encoding="utf-8").splitlines()


def degrade(hyps: list[str], fraction: float, seed: int = 1) -> list[str]:
    """Drop a third of the words of a fraction of the segments."""
    rng = random.Random(seed)
    out = []
    for line in hyps:
        words = line.split()
        if words and rng.random() < fraction:
            words = [w for w in words if rng.random() > 1 / 3]
        out.append(" ".join(words))
    return out


def write_scored_run(folder: Path, systems: dict[str, list[str]], ref: str = "A",
                     metrics=("bleu", "chrf"), name: str = "run", testset: str = TESTSET) -> Path:
    """A run directory in the RUN_FORMAT layout, written by the real scorer."""
    ts = TestSet(testset, "de", "en", read("sources/generaltest2022.de-en.src.de"),
                 {ref: read(f"references/generaltest2022.de-en.ref.{ref}.en")}, systems)
    specs = [m if isinstance(m, dict) else {"name": m} for m in metrics]
    run = Run(name, {"name": name, "metrics": specs, "testsets": [{"name": testset, "langs": "de-en"}]})
    evaluate(run, ts, specs, "auto", None, 1)
    write_run(run, folder)
    return folder


@pytest.fixture(scope="module")
def hyps():
    return {s: read(f"system-outputs/generaltest2022.de-en.hyp.{s}.en") for s in ("Online-B", "LT22", "Online-W")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, hyps):
    root = tmp_path_factory.mktemp("runs")
    tiny = list(hyps["Online-B"])
    for k in range(0, len(tiny), 20):  # another good system's translation for 5% of segments
        tiny[k] = hyps["Online-W"][k]
    pair = {s: hyps[s] for s in ("Online-B", "LT22")}
    return {
        "baseline": write_scored_run(root / "baseline", dict(pair)),
        "same": write_scored_run(root / "same", {k: list(v) for k, v in pair.items()}),
        "degraded": write_scored_run(root / "degraded", {"Online-B": degrade(hyps["Online-B"], 0.3),
                                                         "LT22": hyps["LT22"]}),
        "tiny": write_scored_run(root / "tiny", {"Online-B": tiny, "LT22": hyps["LT22"]}),
    }


def test_unchanged_copy_passes(runs, tmp_path, capsys):
    summary, junit = tmp_path / "s.md", tmp_path / "j.xml"
    assert cli(["check", str(runs["same"]), "--baseline", str(runs["baseline"] / "results.json"),
                "--require-significance", "--summary", str(summary), "--junit", str(junit)]) == 0
    text = summary.read_text()
    assert "No regression" in text and text.count("| +0.00 | [+0.00, +0.00] | 1.0000 | 0.00 | unchanged |") == 4
    suite = ET.parse(junit).getroot()
    assert len(suite.findall(".//testcase")) == 4 and not suite.findall(".//failure")


def test_degraded_system_fails(runs, tmp_path, capsys):
    summary, junit = tmp_path / "s.md", tmp_path / "j.xml"
    code = cli(["check", str(runs["degraded"]), "--baseline", str(runs["baseline"]), "--require-significance",
                "--max-drop", "bleu=0.5", "--summary", str(summary), "--junit", str(junit)])
    assert code == 1
    text = summary.read_text()
    assert "2 regressions" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {TESTSET} | Online-B")]
    assert len(rows) == 2 and all("❌ regressed" in r for r in rows)
    assert all("| unchanged |" in line for line in text.splitlines() if "| LT22 |" in line)
    failures = ET.parse(junit).getroot().findall(".//testcase/failure/..")
    assert sorted((c.get("classname"), c.get("name")) for c in failures) == [
        (f"{TESTSET}.Online-B", "bleu"), (f"{TESTSET}.Online-B", "chrf")]
    # The interval of the delta lies below zero and the p-value is small.
    row = rows[0].split("|")
    low, high = (float(x) for x in row[7].strip(" []").split(","))
    assert low < high < -0.5 and float(row[8]) < 0.01


def test_tiny_change_passes_only_when_significance_is_required(runs, capsys):
    args = ["check", str(runs["tiny"]), "--baseline", str(runs["baseline"])]
    assert cli(args) == 1  # any drop fails without a significance test or tolerance
    assert cli(args + ["--require-significance"]) == 0
    out = capsys.readouterr().out
    assert "| not significant |" in out
    assert cli(args + ["--max-drop", "bleu=0.2", "--max-drop", "chrf=0.2"]) == 0


def test_lower_is_better_metric_direction(tmp_path, hyps):
    base = write_scored_run(tmp_path / "b", {"m": hyps["Online-B"][:]}, metrics=("ter",))
    worse = write_scored_run(tmp_path / "w", {"m": degrade(hyps["Online-B"], 0.3)}, metrics=("ter",))
    assert cli(["check", str(worse), "--baseline", str(base), "--require-significance"]) == 1
    assert cli(["check", str(base), "--baseline", str(worse), "--require-significance"]) == 0


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("mteval: error: ") and "\n" not in err
    return err


def test_baseline_missing(runs, tmp_path, capsys):
    assert cli(["check", str(runs["same"]), "--baseline", str(tmp_path / "nope")]) == 2
    assert "baseline run not found" in one_error_line(capsys)


def test_baseline_from_another_test_set(runs, tmp_path, hyps, capsys):
    other_refs = write_scored_run(tmp_path / "refB", {"Online-B": hyps["Online-B"]}, ref="B")
    assert cli(["check", str(runs["same"]), "--baseline", str(other_refs)]) == 2
    assert "differs between the runs" in one_error_line(capsys)
    renamed = write_scored_run(tmp_path / "named", {"Online-B": hyps["Online-B"]}, testset="wmt22-other")
    assert cli(["check", str(runs["same"]), "--baseline", str(renamed)]) == 2
    assert "another test set: it has no 'wmt22-de-en'" in one_error_line(capsys)


def test_content_compared_through_texts_without_a_hash(runs, tmp_path, capsys):
    copies = {}
    for name in ("baseline", "same"):
        copies[name] = shutil.copytree(runs[name], tmp_path / name)
        data = json.loads((copies[name] / "results.json").read_text())
        del data["testsets"][TESTSET]["content_hash"]
        (copies[name] / "results.json").write_text(json.dumps(data))
    assert cli(["check", str(copies["same"]), "--baseline", str(copies["baseline"])]) == 0
    texts = pd.read_parquet(copies["baseline"] / "texts.parquet")
    texts.loc[(texts["field"] == "ref:A") & (texts["seg_id"] == 7), "text"] = "something else"
    texts.to_parquet(copies["baseline"] / "texts.parquet", index=False)
    assert cli(["check", str(copies["same"]), "--baseline", str(copies["baseline"])]) == 2
    assert "ref:A of segment 7 differs" in one_error_line(capsys)


def test_signature_mismatch_refused_unless_allowed(runs, tmp_path, hyps, capsys):
    intl = write_scored_run(tmp_path / "intl", {"Online-B": hyps["Online-B"]}, metrics=({"name": "bleu", "tokenize": "intl"}, "chrf"))
    assert cli(["check", str(intl), "--baseline", str(runs["baseline"])]) == 2
    assert "tok: intl (current) vs 13a (baseline)" in one_error_line(capsys)
    code = cli(["check", str(intl), "--baseline", str(runs["baseline"]), "--allow-signature-mismatch"])
    assert code in (0, 1)
    assert "compared anyway" in capsys.readouterr().out


def test_metric_the_run_lacks(runs, capsys):
    assert cli(["check", str(runs["same"]), "--baseline", str(runs["baseline"]), "--metrics", "ter"]) == 2
    assert "metric 'ter' is not in the current run" in one_error_line(capsys)
    assert cli(["check", str(runs["same"]), "--baseline", str(runs["baseline"]), "--max-drop", "ter=1"]) == 2
    assert "--max-drop names metric 'ter'" in one_error_line(capsys)
    assert cli(["check", str(runs["same"]), "--baseline", str(runs["baseline"]), "--max-drop", "bleu"]) == 2
    assert "expected METRIC=DELTA" in one_error_line(capsys)


@pytest.mark.parametrize("content, message", [
    ("{not json", "malformed results.json (Expecting"),
    ('{"testsets": []}', "malformed results.json: testsets"),
    ('{"testsets": {"t": {"n_segments": 3, "systems": {"s": {"bleu": {"score": "high"}}}}}}',
     "testsets.t.systems.s.bleu: no numeric 'score'"),
])
def test_malformed_results(runs, tmp_path, capsys, content, message):
    bad = tmp_path / "results.json"
    bad.write_text(content)
    assert cli(["check", str(bad), "--baseline", str(runs["baseline"])]) == 2
    assert message in one_error_line(capsys)


def test_significance_needs_statistics(runs, tmp_path, capsys):
    copy = shutil.copytree(runs["same"], tmp_path / "nostats")
    (copy / "stats.npz").unlink()
    assert cli(["check", str(copy), "--baseline", str(runs["baseline"])]) == 0
    assert cli(["check", str(copy), "--baseline", str(runs["baseline"]), "--require-significance"]) == 2
    assert "needs segment statistics" in one_error_line(capsys)


def test_history_command_lists_scores_over_time(runs, tmp_path, capsys):
    from eval.history import History

    db = tmp_path / "h.sqlite"
    for name in ("baseline", "same", "degraded"):  # the order the runs were created
        History(db).record(json.loads((runs[name] / "results.json").read_text()), run_dir=runs[name])
    assert cli(["history", "--db", str(db), "--system", "Online-B", "--metric", "bleu", "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and rows[2]["score"] < rows[0]["score"] == rows[1]["score"]
    assert cli(["history", "--db", str(db), "--system", "Online-B"]) == 0
    assert capsys.readouterr().out.count("Online-B") == 6
    assert cli(["history", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no run history" in one_error_line(capsys)
