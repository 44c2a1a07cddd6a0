"""The files a run writes: folders, caches and histories that cannot be written
are one line and exit 2 without losing finished work; a run owns its folder;
file names are distinct for every system name; the umask decides file modes;
names never break the HTML report or put raw HTML into Markdown."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from markdown_it import MarkdownIt

from conftest import CORPORA, ROOT
from eval.corpora.model import TestSet
from eval.pipeline import evaluate
from eval.report.html import render_html, write_html_report
from eval.report.html_data import report_data
from eval.report.write import write_run
from eval.results import Run

ES = CORPORA / "es-en"
LINES = {name: (ES / name).read_text(encoding="utf-8").splitlines()
         for name in ("source.es", "ref.A.en", "hyp.strong.en", "hyp.literal.en", "hyp.scraped.en")}


def config(tmp_path, name="x", testsets=("t",), extra=""):
    """A config of small es-en test sets (bleu only), one per name."""
    body = f"name: '{name}'\nmetrics: [bleu]\n{extra}testsets:\n"
    for ts in testsets:
        body += (f"  - {{name: '{ts}', langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en,"
                 f" systems: '{ES}/hyp.*.en'}}\n")
    path = tmp_path / "c.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def one_line(code, err, *needles):
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("mteval: error: ")
    for needle in needles:
        assert str(needle) in err, (needle, err)


def scored_run(systems: dict[str, list[str]], testset: str = "t", name: str = "r") -> Run:
    ts = TestSet(testset, "es", "en", LINES["source.es"], {"A": LINES["ref.A.en"]}, systems)
    run = Run(name, {"name": name, "metrics": ["bleu", "chrf"]})
    evaluate(run, ts, ["bleu", "chrf"], "auto", None, 1)
    return run


# --- folders, caches and histories that cannot be written (issue 13, item 6) ---

def test_out_is_a_file_or_under_a_file(cli, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    path = config(tmp_path)
    one_line(*cli("run", path, "--out", afile)[::2], afile, "cannot write the run directory", "in the way")
    one_line(*cli("run", path, "--out", afile / "sub")[::2], afile / "sub", "in the way")
    assert afile.read_text() == "mine\n"


def test_out_under_proc(cli, tmp_path):
    one_line(*cli("run", config(tmp_path), "--out", "/proc/mteval-out")[::2], "/proc/mteval-out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only(cli, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    one_line(*cli("run", config(tmp_path), "--out", folder / "out")[::2], folder / "out", "Permission denied")


def test_score_out_unwritable_still_shows_the_scores(cli, tmp_path):
    code, out, err = cli("score", "--refs", ES / "ref.A.en", "--hyps", ES / "hyp.strong.en", "-l", "es-en",
                         "-m", "bleu", "--out", "/proc/mteval-out")
    one_line(code, err, "/proc/mteval-out")
    assert "hyp.strong.en" in out and "nrefs:1" in out, "the finished scores are not lost"


def _damaged_database(path):
    """A real SQLite file whose pages after the 100-byte header were overwritten."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(os.urandom(16), os.urandom(200)) for _ in range(500)])
    conn.commit()
    conn.close()
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(100)
        fh.write(bytes(range(256)) * ((size - 100) // 256))
    return path


@pytest.mark.parametrize("kind", ["text file", "damaged database", "under /proc", "under a file"])
def test_unusable_cache(cli, tmp_path, kind):
    if kind == "text file":
        cache = tmp_path / "notes.txt"
        cache.write_text("not a database\n")
        needle = "not a readable SQLite database"
    elif kind == "damaged database":
        cache = _damaged_database(tmp_path / "stats.sqlite")
        needle = "malformed"
    elif kind == "under /proc":
        cache = "/proc/mteval-cache/stats.sqlite"
        needle = "--cache"
    else:
        (tmp_path / "afile").write_text("x")
        cache = tmp_path / "afile" / "stats.sqlite"
        needle = "a file is in the way"
    code, _, err = cli("score", "--refs", ES / "ref.A.en", "--hyps", ES / "hyp.strong.en", "-l", "es-en",
                       "--cache", cache)
    one_line(code, err, needle)
    assert str(cache) in err or str(cache.parent if hasattr(cache, "parent") else "/proc/mteval-cache") in err


def test_config_cache_unwritable(cli, tmp_path):
    path = config(tmp_path, extra="cache: /proc/mteval-cache/stats.sqlite\n")
    one_line(*cli("run", path, "--out", tmp_path / "out")[::2], "/proc/mteval-cache", "statistics cache")


@pytest.mark.parametrize("command", ["score", "run"])
def test_home_that_cannot_hold_a_cache(tmp_path, command):
    """The default cache and history live under $HOME; a HOME where nothing can
    be created is one line, not a traceback (a subprocess: HOME is read at
    start). ``run`` turns the cache off, so the history fails, after the report."""
    home = tmp_path / "home"
    home.write_text("a file, not a folder")
    env = {k: v for k, v in os.environ.items() if k not in ("MTEVAL_CACHE", "MTEVAL_HISTORY", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    if command == "score":
        argv = ["score", "--refs", str(ES / "ref.A.en"), "--hyps", str(ES / "hyp.strong.en"), "-l", "es-en", "-m", "bleu"]
        needle = "statistics cache"
    else:
        argv = ["run", str(config(tmp_path, extra="cache: 'off'\n")), "--out", str(tmp_path / "out")]
        needle = "run history"
    done = subprocess.run([sys.executable, "-m", "eval.cli", *argv],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    one_line(done.returncode, done.stderr, home, needle)
    if command == "run":
        assert (tmp_path / "out" / "report.html").exists() and (tmp_path / "out" / "results.json").exists()


@pytest.mark.parametrize("damage", ["text file", "damaged database"])
def test_corrupt_history_keeps_results_and_report(cli, tmp_path, monkeypatch, damage):
    history = tmp_path / "history.sqlite"
    if damage == "text file":
        history.write_text("not a database\n")
    else:
        _damaged_database(history)
    monkeypatch.setenv("MTEVAL_HISTORY", str(history))
    out = tmp_path / "out"
    code, _, err = cli("run", config(tmp_path), "--out", out)
    one_line(code, err, history, "run history", out)
    results = json.loads((out / "results.json").read_text())
    assert results["complete"] and list(results["testsets"]) == ["t"]
    assert (out / "report.html").stat().st_size > 10_000, "a broken history costs no report"


def test_report_on_corrupt_texts(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("run", config(tmp_path), "--out", out)[0] == 0
    (out / "texts.parquet").write_bytes(b"PAR1 this is not parquet")
    one_line(*cli("report", out)[::2], out / "texts.parquet", "unreadable")


def test_report_out_unwritable(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("run", config(tmp_path), "--out", out)[0] == 0
    one_line(*cli("report", out, "--out", "/proc/mteval/report.html")[::2], "/proc/mteval")


def test_testset_without_systems(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(f"name: x\nmetrics: [bleu]\ntestsets:\n"
                    f"  - {{name: t, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en}}\n")
    one_line(*cli("run", path, "--out", tmp_path / "out")[::2], path, "testsets.0", "'systems'")


# --- file modes (item 9) ---

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_run_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_run(scored_run({"s": LINES["hyp.strong.en"]}), tmp_path / "out")
        write_html_report(tmp_path / "out")
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) == 9
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}, [(p.name, oct(p.stat().st_mode)) for p in files]


# --- distinct file names (item 8) ---

def test_colliding_system_names_keep_their_own_reports(tmp_path):
    """``sys/a`` and ``sys a`` (and ``SYS_A`` on a case-insensitive disk) once
    shared ``sys_a.json``: the report showed one system's statistics under the
    other's name."""
    systems = {"sys/a": LINES["hyp.strong.en"], "sys a": LINES["hyp.scraped.en"], "SYS_A": LINES["hyp.literal.en"]}
    out = write_run(scored_run(systems), tmp_path / "out")
    results = json.loads((out / "results.json").read_text())
    paths = results["testsets"]["t"]["system_reports"]
    assert len({p.casefold() for p in paths.values()}) == 3
    for system, stem in paths.items():
        assert json.loads((out / f"{stem}.json").read_text())["system"] == system
        assert (out / f"{stem}.md").exists()
    data = report_data(out)["testsets"][0]
    for system, hyps in systems.items():
        empty = [i + 1 for i, h in enumerate(hyps) if not h.strip()]
        assert data["statistics"][system]["empty_lines"] == empty, system
    assert data["statistics"]["sys a"]["empty_lines"] != data["statistics"]["sys/a"]["empty_lines"]


def test_colliding_testset_names_get_their_own_folders(tmp_path):
    run = scored_run({"s": LINES["hyp.strong.en"]}, testset="a/b")
    other = scored_run({"s": LINES["hyp.scraped.en"]}, testset="a b")
    run.add(other.scored[0])
    out = write_run(run, tmp_path / "out")
    paths = json.loads((out / "results.json").read_text())["testsets"]
    assert paths["a/b"]["system_reports"]["s"] != paths["a b"]["system_reports"]["s"]
    data = {ts["name"]: ts for ts in report_data(out)["testsets"]}
    assert data["a/b"]["statistics"]["s"]["empty_lines"] == []
    assert data["a b"]["statistics"]["s"]["empty_lines"] != []


# --- a run owns its folder (item 11) ---

def test_rerun_leaves_no_stale_artefacts(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("run", config(tmp_path, testsets=("old-a", "old-b")), "--out", out)[0] == 0
    (out / "notes.txt").write_text("my own notes\n")
    assert (out / "systems" / "old-a").is_dir()
    assert cli("run", config(tmp_path, testsets=("new",)), "--out", out)[0] == 0
    assert sorted(p.name for p in (out / "systems").iterdir()) == ["new"]
    assert (out / "notes.txt").read_text() == "my own notes\n", "files the run did not write stay"
    results = json.loads((out / "results.json").read_text())
    assert list(results["testsets"]) == ["new"]
    assert "old-a" not in (out / "report.html").read_text() and "old-a" not in (out / "leaderboard.md").read_text()


def test_failing_rerun_removes_the_old_report(cli, tmp_path):
    """The new run fails on its second test set: its first is kept and marked
    incomplete, and no report of the old run sits beside it."""
    out = tmp_path / "out"
    assert cli("run", config(tmp_path, testsets=("old",)), "--out", out)[0] == 0
    assert (out / "report.html").exists()
    short = tmp_path / "short.en"
    short.write_text("one line\n")
    path = config(tmp_path, testsets=("new",))
    path.write_text(path.read_text() + f"  - {{name: broken, langs: es-en, source: {ES}/source.es,"
                    f" references: {ES}/ref.A.en, systems: {{s: {short}}}}}\n")
    one_line(*cli("run", path, "--out", out)[::2], short)
    results = json.loads((out / "results.json").read_text())
    assert list(results["testsets"]) == ["new"] and results["complete"] is False
    assert results["planned_testsets"] == ["new", "broken"]
    assert not (out / "report.html").exists() and not (out / "systems" / "old").exists()


# --- names in the HTML report and in Markdown (items 10 and 13) ---

@pytest.mark.parametrize("name", ["{{data}}", "{{script}}", "{{style}}", "{{title}}"])
def test_template_markers_in_names(tmp_path, name):
    run = scored_run({name: LINES["hyp.strong.en"]}, testset=name, name=name)
    out = write_run(run, tmp_path / "out")
    page = render_html(report_data(out))
    start = page.index('<script type="application/json" id="report-data">') + len('<script type="application/json" id="report-data">')
    data = json.loads(page[start:page.index("</script>", start)])
    assert data["name"] == name and data["testsets"][0]["systems"] == [name]
    assert f"<title>mteval report: {name}</title>" in page
    assert "<script>{{" not in page and "<style>{{" not in page, "the script and styles are in their elements"


def test_markdown_has_no_raw_html(tmp_path):
    hostile = '<img src=x onerror="alert(1)">'
    hyps = list(LINES["hyp.strong.en"])
    hyps[0] = "<script>alert('segment')</script> & more"
    run = scored_run({hostile: hyps, "a|b": LINES["hyp.literal.en"]}, testset="<b>t</b>", name="<i>run</i>")
    out = write_run(run, tmp_path / "out")
    report = next(p for p in (out / "systems").rglob("*.md") if "onerror" in p.read_text())
    for path in (out / "leaderboard.md", report):
        tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
        kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
        assert not kinds & {"html_inline", "html_block"}, path
        rendered = MarkdownIt("commonmark").render(path.read_text(encoding="utf-8"))
        assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in rendered, "the name is shown as text"
    board = MarkdownIt("commonmark").enable("table").render((out / "leaderboard.md").read_text())
    assert "<td>a|b</td>" in board, "a pipe in a name stays in its cell"
