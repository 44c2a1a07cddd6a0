"""The HTML report as a person uses it, in headless Chromium driven by
Playwright: loads without console errors or network, shows the leaderboard and
charts, sorts and filters segments, and runs nothing that corpora or systems
wrote (hostile texts render as text)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import CORPORA

from eval.report.html import write_html_report

CHROMIUM = os.environ.get("MTEVAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
XSS_HYP = '<script>alert(1)</script> and " onmouseover="alert(2)" <img src=x onerror="alert(3)">'
XSS_SYSTEM = '<img src=x onerror=alert(4)>'


def _playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set MTEVAL_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; never 'playwright install')")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A report opened in a fresh page, recording console errors, dialogs and requests."""

    def __init__(self, browser, path: Path):
        self.errors, self.dialogs, self.requests = [], [], []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready='1']", timeout=10_000)

    def scores(self) -> list[float]:
        return [float(v) for v in self.page.locator("#ex-list .seg").evaluate_all("els => els.map(e => e.dataset.score)") if v != ""]

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def demo_report(demo_run) -> Path:
    return write_html_report(demo_run.path)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """A run whose outputs hold script, attribute and tag injections, one empty line,
    and a system named like an HTML tag."""
    from eval.cli import main

    tmp = tmp_path_factory.mktemp("hostile")
    src = (CORPORA / "es-en" / "source.es").read_text(encoding="utf-8").splitlines()[:6]
    ref = (CORPORA / "es-en" / "ref.A.en").read_text(encoding="utf-8").splitlines()[:6]
    (tmp / "src.es").write_text("\n".join(src) + "\n", encoding="utf-8")
    (tmp / "ref.en").write_text("\n".join(ref[:5] + ['</script><script>alert(5)</script>']) + "\n", encoding="utf-8")
    (tmp / "hyp.good.en").write_text("\n".join(ref[:5] + ["fine"]) + "\n", encoding="utf-8")
    hostile = [XSS_HYP] + ref[1:3] + [""] + ref[4:6]
    (tmp / f"hyp.{XSS_SYSTEM}.en").write_text("\n".join(hostile) + "\n", encoding="utf-8")
    config = tmp / "c.yaml"
    config.write_text(
        "name: hostile\nmetrics: [bleu, chrf]\ncache: \"off\"\nhistory: \"off\"\ntestsets:\n"
        f"  - {{name: x, langs: es-en, source: {tmp}/src.es, references: {{A: {tmp}/ref.en}}, systems: '{tmp}/hyp.*.en'}}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--out", str(tmp / "run")]) == 0
    return write_html_report(tmp / "run")


def test_demo_loads_clean_with_leaderboard_and_charts(browser, demo_report, tmp_path):
    view = Page(browser, demo_report)
    page = view.page
    assert page.locator("#leaderboard-table tbody tr").count() == 3  # demo-es-en: 3 systems
    assert page.locator("#win-table tbody tr").count() == 3
    for chart in ("#chart-intervals", "#chart-distribution", "#chart-length", "#chart-frequency", "#cmp-scatter"):
        assert page.locator(f"{chart} svg").count() == 1, chart
    assert page.locator("#chart-intervals svg circle").count() == 3
    page.click("#leaderboard-table th[data-metric='ter']")  # sort by TER: lowest first
    ter = [float(t.split()[0]) for t in page.locator("#leaderboard-table td[data-metric='ter']").all_inner_texts()]
    assert ter == sorted(ter)
    assert page.locator("#leaderboard-table th.sorted").get_attribute("data-metric") == "ter"
    for chooser in ("#chart-metric", "#bucket-metric", "#wins-metric", "#ex-metric", "#cmp-metric"):  # every chart says
        assert page.locator(f"{chooser} option[value='ter']").inner_text() == "ter \u2193 lower is better"
        assert page.locator(f"{chooser} option[value='bleu']").inner_text() == "bleu \u2191 higher is better"
    page.wait_for_selector("#ngrams-a tr")
    assert page.locator("#ngrams-a tr").count() > 1
    page.select_option("#testset-select", "1")  # demo-en-zh: two references
    assert page.locator("#leaderboard-table tbody tr").count() == 3
    assert page.locator("#ex-list .seg").first.locator(".seg-row.ref").count() == 2
    shot = tmp_path / "demo.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert view.errors == [] and view.dialogs == []
    assert all(url.startswith("file://") for url in view.requests), view.requests
    view.close()


def test_explorer_sorts_and_filters(browser, demo_report):
    view = Page(browser, demo_report)
    page = view.page
    total = int(page.locator("#ex-list").get_attribute("data-total"))
    assert total == 34 and page.locator("#ex-list .seg").count() == 20  # first page of 20
    page.select_option("#ex-sort", "score-asc")
    scores = view.scores()
    assert scores == sorted(scores) and len(scores) == 20
    page.select_option("#ex-sort", "score-desc")
    assert view.scores() == sorted(view.scores(), reverse=True)
    page.select_option("#ex-system", "literal")
    rows = page.locator("#ex-list .seg-row.hyp")
    assert rows.count() == 20 and set(rows.evaluate_all("els => els.map(e => e.dataset.system)")) == {"literal"}
    page.fill("#ex-min", "20")
    page.fill("#ex-max", "40")
    scores = view.scores()
    assert scores and all(20 <= s <= 40 for s in scores)
    assert int(page.locator("#ex-list").get_attribute("data-total")) < total
    page.fill("#ex-min", "")
    page.fill("#ex-max", "")
    doc = page.locator("#ex-doc option").nth(1).get_attribute("value")
    page.select_option("#ex-doc", doc)
    heads = page.locator("#ex-list .seg-head").all_inner_texts()
    assert heads and all(f"document {doc}" in h for h in heads)
    page.select_option("#ex-doc", "")
    page.click("#ex-next")
    assert page.locator("#ex-list .seg").count() == 14
    assert view.errors == []
    view.close()


def test_hostile_texts_render_as_text_and_run_nothing(browser, hostile_report):
    view = Page(browser, hostile_report)
    page = view.page
    page.select_option("#ex-system", XSS_SYSTEM)
    first = page.locator("#ex-list .seg").first
    assert XSS_HYP in first.inner_text()  # shown literally, as typed
    first.locator(".seg-row.hyp").hover()
    page.select_option("#ex-flag", "empty")  # the system's empty fourth line
    assert page.locator("#ex-list .seg").count() == 1
    assert page.locator("#ex-list .seg").get_attribute("data-seg") == "4"
    page.select_option("#ex-flag", "")
    page.fill("#ex-text", "alert(5)")
    assert page.locator("#ex-list .seg").count() == 1
    assert "</script><script>alert(5)</script>" in page.locator("#ex-list .seg").inner_text()
    assert page.get_by_text(XSS_SYSTEM).first.is_visible()
    for section in ("#leaderboard", "#systems", "#compare"):
        page.locator(section).scroll_into_view_if_needed()
        page.locator(section).hover()
    page.wait_for_timeout(300)
    assert page.locator("script").count() == 2 and page.locator("#ex-list img, main img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('[onmouseover], [onerror]').length") == 0
    assert view.dialogs == [] and view.errors == []
    view.close()


@pytest.fixture(scope="module")
def xcomet_report(tmp_path_factory) -> Path:
    """A run scored by a tiny random xCOMET checkpoint: error spans in the outputs,
    one of which is a script injection."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from test_neural_xcomet import HYP, REF, SRC, build_tiny_xcomet

    from eval.cli import main

    tmp = tmp_path_factory.mktemp("xcomet-browser")
    model = build_tiny_xcomet(tmp / "model")
    hostile = HYP[:4] + [XSS_HYP] + HYP[5:]
    for key, lines in (("src", SRC), ("ref", REF), ("hyp.plain", HYP), ("hyp.hostile", hostile)):
        (tmp / f"{key}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["score", "--src", str(tmp / "src.txt"), "--refs", str(tmp / "ref.txt"), "--hyps",
                 str(tmp / "hyp.plain.txt"), str(tmp / "hyp.hostile.txt"), "--names", "plain", "hostile",
                 "--langs", "de-en", "-m", "comet,bleu", "--model", str(model), "--cache", "off",
                 "--out", str(tmp / "run")]) == 0
    return write_html_report(tmp / "run")


def test_error_spans_are_marked_by_severity_and_stay_inert(browser, xcomet_report):
    view = Page(browser, xcomet_report)
    page = view.page
    assert page.locator("#ex-metric").input_value() == "comet"
    page.select_option("#ex-system", "plain")
    marks = page.locator("#ex-list .seg[data-seg='6'] mark.err")
    assert marks.evaluate_all("els => els.map(e => [e.dataset.severity, e.textContent])") == [["critical", "s"], ["major", "\U0001F600"]]
    assert page.locator("#ex-list .seg[data-seg='6'] .seg-row.hyp .txt").inner_text() == "The house is groß – \U0001F600 and old."
    assert "critical error" in marks.first.get_attribute("title")
    color = marks.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color != page.locator("#ex-list .seg[data-seg='6'] mark.err").nth(1).evaluate("e => getComputedStyle(e).backgroundColor")
    page.select_option("#ex-system", "hostile")
    row = page.locator("#ex-list .seg[data-seg='5'] .seg-row.hyp .txt")
    assert row.inner_text() == XSS_HYP  # marks split the text, which stays text
    assert row.locator("mark.err").count() >= 1
    row.hover()
    counts = page.locator("#error-counts tr[data-system='plain'] td[data-severity]").all_inner_texts()
    assert counts == ["3", "6", "1"]  # critical, major, minor
    assert "error spans by comet: critical 3" in page.locator("#systems-body").inner_text()
    page.select_option("#ex-metric", "bleu")  # a metric without spans: the reference diff again
    assert page.locator("#ex-list mark.err").count() == 0
    page.wait_for_timeout(200)
    assert page.locator("script").count() == 2 and page.locator("main img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('[onmouseover], [onerror]').length") == 0
    assert view.dialogs == [] and view.errors == []
    view.close()


@pytest.fixture(scope="module")
def large_report(tmp_path_factory) -> Path:
    """A 51,000-segment run (the es-en corpus repeated 1,500 times, 2% flagged)."""
    from tiled_run import es_en_run, tile_run

    tmp = tmp_path_factory.mktemp("large-browser")
    small = es_en_run(tmp, "bleu, chrf")
    run = tile_run(small, tmp / "large", 1500, flag="off-target", flag_rate=0.02, seed=1)
    return write_html_report(run)


def test_large_run_explorer_shows_its_selection_and_says_so(browser, large_report):
    view = Page(browser, large_report)
    page = view.page
    notice = page.locator("#ex-notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "This test set has 51000 segments" in text and "100 worst and the 100 best" in text
    assert "random sample of 1000 segments (seed 12345" in text and "segments.parquet" in text
    assert "Flagged segments left out:" in text
    shown = page.evaluate("() => JSON.parse(document.getElementById('report-data').textContent).testsets[0].rows.length")
    assert int(page.locator("#ex-list").get_attribute("data-total")) == shown < 51_000
    assert f"of {shown} selected segments (the test set has 51000)" in page.locator("#ex-status").inner_text()
    page.select_option("#ex-system", "literal")
    page.select_option("#ex-sort", "score-asc")
    first = page.locator("#ex-list .seg").first
    assert float(first.get_attribute("data-score")) == min(view.scores())
    numbers = [int(v) for v in page.locator("#ex-list .seg").evaluate_all("els => els.map(e => e.dataset.seg)")]
    page.click("#ex-next")
    numbers += [int(v) for v in page.locator("#ex-list .seg").evaluate_all("els => els.map(e => e.dataset.seg)")]
    assert max(numbers) > 34  # segment numbers of the whole test set, not positions in the selection
    page.select_option("#ex-flag", "off-target")
    assert int(page.locator("#ex-list").get_attribute("data-total")) <= 500 + 1000 + 2 * 2 * 100
    rate = page.locator("#output-stats tr").nth(1).inner_text()
    assert "(2.0%)" in rate or "(1.9%)" in rate or "(2.1%)" in rate  # counted over all 51,000 segments
    page.wait_for_selector("#ngrams-a tr")
    assert "From the random sample of 1000 of 51000 segments." in page.locator("#chart-frequency").inner_text()
    wins = page.locator("#cmp-table").inner_text()
    assert sum(int(v) for v in page.locator("#cmp-table tr").nth(2).locator("td").all_inner_texts()[1:]) > 30_000, wins
    assert view.errors == []
    view.close()
