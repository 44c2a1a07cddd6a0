"""Human judgments declared in a config: the run writes the ``meta`` block into
results.json, the API reads it as a DataFrame, the HTML report shows it (and
keeps hostile system names inert), and bad files stop the run before scoring."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_meta_command import N_SEG, SYSTEMS, _outputs, _reference, human_rows, write_human

HOSTILE = '<img src=x onerror=alert(7)>'


def make_config(tmp: Path, human_block: str, second: str = "", systems=None) -> Path:
    refs = _reference()
    outputs = _outputs(refs)
    (tmp / "src.de").write_text("\n".join(f"quelle {i}" for i in range(N_SEG)) + "\n", encoding="utf-8")
    (tmp / "ref.en").write_text("\n".join(refs) + "\n", encoding="utf-8")
    for name, lines in outputs.items():
        (tmp / f"hyp.{name}.en").write_text("\n".join(lines) + "\n", encoding="utf-8")
    testset = (f"  - name: graded\n    langs: de-en\n    source: {tmp}/src.de\n    references: {{A: {tmp}/ref.en}}\n"
               f"    systems: '{tmp}/hyp.*.en'\n{human_block}")
    config = tmp / "c.yaml"
    config.write_text("name: meta-run\nmetrics: [bleu, chrf, ter]\ncache: \"off\"\nhistory: \"off\"\n"
                      "meta: {k: 40}\ntestsets:\n" + testset + second, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def meta_run(tmp_path_factory):
    from eval.cli import main

    tmp = tmp_path_factory.mktemp("meta-run")
    write_human(tmp / "human.tsv")
    two = [r for r in human_rows() if r[0] in ("half", "noise")]
    write_human(tmp / "two.tsv", two)
    human = (f"    human:\n      - {{path: {tmp}/human.tsv, format: tsv, label: main}}\n"
             f"      - {{path: {tmp}/two.tsv, format: tsv, label: thin}}\n")
    assert main(["run", str(make_config(tmp, human)), "--out", str(tmp / "run")]) == 0
    return tmp / "run"


def test_results_json_meta_block(meta_run):
    results = json.loads((meta_run / "results.json").read_text(encoding="utf-8"))
    blocks = results["meta"]["testsets"]
    assert set(blocks) == {"graded:main", "graded:thin"}
    main = blocks["graded:main"]
    assert main["testset"] == "graded" and main["n_systems"] == 5 and main["negated"] == ["ter"]
    assert set(main["ranks"]) == {"sys_pearson", "sys_accuracy", "seg_pearson_none"}
    assert "2 system(s) with human scores" in blocks["graded:thin"]["error"]
    assert set(results["meta"]["pooled"]["sys_accuracy"]) == {"bleu", "chrf", "ter"}
    assert [h["label"] for h in results["config"]["testsets"][0]["human"]] == ["main", "thin"]


def test_read_run_meta_frame(meta_run):
    from eval.api import read_run

    frame = read_run(meta_run)["meta"]
    assert set(frame.human) == {"graded:main"}
    cell = frame[(frame.metric == "bleu") & (frame.statistic == "sys_pearson")]
    assert len(cell) == 1 and cell.cluster.iloc[0] >= 1
    results = json.loads((meta_run / "results.json").read_text())
    assert cell.value.iloc[0] == results["meta"]["testsets"]["graded:main"]["metrics"]["bleu"]["sys_pearson"]


def test_report_data_carries_meta(meta_run):
    from eval.report.html_data import report_data

    data = report_data(meta_run)
    assert data["meta"]["testsets"]["graded:main"]["scatter"]["human"].keys() == {s.split(".")[0] for s in SYSTEMS}


@pytest.mark.parametrize("human, needle", [
    ("    human: {path: missing.tsv, format: tsv}\n", "testsets.0.human.0: "),
    ("    human: {path: x.tsv, format: pairwise}\n", "testsets.0.human.0.format"),
])
def test_bad_human_entries_stop_before_scoring(cli, tmp_path, human, needle):
    config = make_config(tmp_path, human)
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_malformed_human_file_names_its_line(cli, tmp_path):
    (tmp_path / "bad.tsv").write_text("half\t1\t0.5\nhalf\t2\tgood\n", encoding="utf-8")
    config = make_config(tmp_path, f"    human: {{path: {tmp_path}/bad.tsv, format: tsv}}\n")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and "testsets.0.human.0: " in err and "bad.tsv:2: score 'good' is not a number" in err, err


def test_report_section_in_a_browser(tmp_path):
    from test_report_html_browser import Page, _playwright, ARGS, CHROMIUM
    from eval.cli import main
    from eval.report.html import write_html_report

    sync_playwright = _playwright()
    rows = human_rows() + [(HOSTILE, 1, 5.0)]  # not in the run: named in the section's warning
    write_human(tmp_path / "human.tsv", rows)
    config = make_config(tmp_path, f"    human: {{path: {tmp_path}/human.tsv, format: tsv}}\n")
    assert main(["run", str(config), "--out", str(tmp_path / "run")]) == 0
    report = write_html_report(tmp_path / "run")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        view = Page(browser, report)
        page = view.page
        assert page.locator("#human .human-rank tr").count() == 4  # header + 3 metrics
        assert page.locator("#human svg circle").count() == 5
        page.select_option("#human-stat", "seg_pearson_none")
        page.select_option("#human-metric", "ter")
        assert page.locator("#human .human-rank th").nth(2).inner_text() == "seg_pearson_none"
        assert page.locator("#human .human-rank .cluster").count() == 3
        assert HOSTILE in page.locator("#human .warning").first.inner_text()
        assert page.locator("#human img").count() == 0
        assert view.errors == [] and view.dialogs == []
        browser.close()
