"""The gate on a run that stopped early: results.json records whether the run
completed and which test sets it planned, and ``mteval check`` fails (exit 1)
listing the test sets the current run lacks, unless ``--allow-missing``."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import CORPORA, ROOT

ES = CORPORA / "es-en"
NAMES = ("t1", "t2", "t3", "t4")


def config(tmp_path, broken: str | None = None, name: str = "c.yaml"):
    """Four small es-en test sets; ``broken`` names one whose system file is one
    line short, so the run stops there with a user error."""
    short = tmp_path / "short.en"
    short.write_text("one line\n", encoding="utf-8")
    body = "name: x\nmetrics: [bleu, chrf]\ntestsets:\n"
    for ts in NAMES:
        systems = f"{{strong: {short}}}" if ts == broken else f"{{strong: {ES}/hyp.strong.en, literal: {ES}/hyp.literal.en}}"
        body += f"  - {{name: {ts}, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en, systems: {systems}}}\n"
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A complete run of the four test sets and one that stopped at the third."""
    from eval.cli import main

    tmp_path = tmp_path_factory.mktemp("runs")
    baseline, partial = tmp_path / "baseline", tmp_path / "partial"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MTEVAL_CACHE", str(tmp_path / "cache"))
        mp.setenv("MTEVAL_HISTORY", str(tmp_path / "history.sqlite"))
        assert main(["run", str(config(tmp_path)), "--out", str(baseline)]) == 0
        assert main(["run", str(config(tmp_path, broken="t3", name="broken.yaml")), "--out", str(partial)]) == 2
    return baseline, partial


def test_results_record_completion(runs):
    baseline, partial = runs
    done = json.loads((baseline / "results.json").read_text())
    assert done["complete"] is True and done["planned_testsets"] == list(NAMES)
    stopped = json.loads((partial / "results.json").read_text())
    assert stopped["complete"] is False and stopped["planned_testsets"] == list(NAMES)
    assert list(stopped["testsets"]) == ["t1", "t2"]


def test_gate_fails_on_a_partial_run(cli, runs, tmp_path):
    baseline, partial = runs
    junit = tmp_path / "j.xml"
    code, out, err = cli("check", partial, "--baseline", baseline, "--junit", junit)
    assert code == 1, (out, err)
    assert "2 test sets missing" in out and "t3, t4" in out and "No regression" not in out
    assert "did not complete" in out
    failures = ET.parse(junit).getroot().findall(".//failure[@type='missing']")
    assert len(failures) == 2


def test_allow_missing_downgrades_to_a_note(cli, runs):
    baseline, partial = runs
    code, out, _ = cli("check", partial, "--baseline", baseline, "--allow-missing")
    assert code == 0
    assert "No regression" in out and "not compared (--allow-missing): t3, t4" in out


def test_baseline_test_set_missing_from_a_complete_run(cli, runs, tmp_path):
    """A complete run of fewer test sets than the baseline still fails: the
    baseline's test sets are what the gate promises to check."""
    baseline, _ = runs
    small = tmp_path / "small.yaml"
    text = config(tmp_path).read_text().splitlines(keepends=True)
    small.write_text("".join(text[:3] + text[4:]), encoding="utf-8")  # without t1
    assert cli("run", small, "--out", tmp_path / "small")[0] == 0
    code, out, _ = cli("check", tmp_path / "small", "--baseline", baseline)
    assert code == 1 and "1 test set missing" in out and ": t1" in out


def test_complete_run_passes(cli, runs):
    baseline, _ = runs
    code, out, _ = cli("check", baseline, "--baseline", baseline)
    assert code == 0 and "missing" not in out


def test_gate_fails_on_a_killed_run(cli, tmp_path):
    """A real ``mteval run`` killed with SIGKILL once it has written test sets:
    whatever it finished is marked incomplete and the gate names what is missing."""
    baseline = tmp_path / "baseline"
    big = tmp_path / "big.yaml"
    body = "name: x\nmetrics: [bleu, chrf]\ntestsets:\n"
    for ts in NAMES:
        body += (f"  - {{name: {ts}, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en,"
                 f" systems: '{ES}/hyp.*.en'}}\n")
    body += "  - {name: last, langs: es-en, source: %s/source.es, references: %s/ref.A.en, systems: '%s/hyp.*.en'}\n" % (ES, ES, ES)
    big.write_text(body, encoding="utf-8")
    assert cli("run", big, "--out", baseline)[0] == 0
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MTEVAL_CACHE=str(tmp_path / "cold-cache"))
    proc = subprocess.Popen([sys.executable, "-m", "eval.cli", "run", str(big), "--out", str(out), "-j", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if len(json.loads((out / "results.json").read_text())["testsets"]) >= 1:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    results = json.loads((out / "results.json").read_text())
    scored = list(results["testsets"])
    if len(scored) == len(NAMES) + 1:
        pytest.skip("the run finished before it could be killed")
    assert results["complete"] is False
    code, summary, _ = cli("check", out, "--baseline", baseline)
    assert code == 1
    missing = [ts for ts in (*NAMES, "last") if ts not in scored]
    assert ", ".join(missing) in summary


def test_summary_unwritable(cli, runs):
    baseline, _ = runs
    code, _, err = cli("check", baseline, "--baseline", baseline, "--summary", "/proc/mteval/s.md")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "/proc/mteval" in err and "Traceback" not in err


def test_malformed_completion_fields(cli, runs, tmp_path):
    baseline, _ = runs
    for key, value, needle in (("complete", "yes", "complete: not true or false"),
                               ("planned_testsets", "t1", "planned_testsets: not a list")):
        results = json.loads((baseline / "results.json").read_text())
        results[key] = value
        bad = tmp_path / f"{key}.json"
        bad.write_text(json.dumps(results))
        code, _, err = cli("check", bad, "--baseline", baseline)
        assert code == 2 and needle in err and str(bad) in err, err


def test_summary_shows_names_as_text(cli, runs, tmp_path):
    """A system named like HTML stays text in the pull-request comment."""
    baseline, _ = runs
    results = json.loads((baseline / "results.json").read_text())
    for ts in results["testsets"].values():
        ts["systems"] = {"<img src=x onerror=alert(1)>": ts["systems"]["strong"]}
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(results))
    code, out, _ = cli("check", hostile, "--baseline", hostile)
    assert code == 0 and "\\<img src=x onerror=alert(1)\\>" in out
    assert "<img" not in out.replace("\\<img", ""), "no unescaped tag"
