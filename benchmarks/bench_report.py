"""The HTML report on all systems of a WMT22 pair (en-zh: 13 systems x 2,037
segments): build time, file size, and time until the page is interactive in
headless Chromium; and compare-mt (the peer tool, when installed) building its
HTML report for the same systems in the same run.

    python benchmarks/bench_report.py [--pair en-zh] [--repeat 3] [--no-peer]

Targets: builds in under 10 s, under 15 MB, interactive in under 3 s.

At scale (the explorer carries a selection of rows, docs/REPORT.md):

    python benchmarks/bench_report.py --scale 200000 1000000 [--before /work/main]

scores WMT22 de-en with two systems, repeats the run to at least each size (real
text, real statistics: tests/tiled_run.py; 2% of segments flagged), and reports
size, build time, CPU seconds and peak RSS of a fresh process, and time until the
page is interactive; ``--before CHECKOUT`` builds the same report with another
mteval checkout (the previous version) in the same run. Targets: under 20 MB and
under 5 s to open at 200k and 1M segments. Results: benchmarks/results/report_scale.md.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WMT22 = ROOT.parent / "shared" / "data" / "wmt22"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def make_run(pair: str, folder: Path) -> Path:
    """Score the pair's WMT XML (all systems, BLEU/chrF/TER, significance): not timed."""
    xml = WMT22 / "xml" / f"wmttest2022.{pair}.all.xml"
    if not xml.exists():
        sys.exit(f"{xml} is absent: this benchmark needs ../shared/data")
    return run_config(folder / "bench.yaml", folder / "run",
                      f"name: wmt22-{pair}\nmetrics: [bleu, chrf, ter]\nhistory: \"off\"\n"
                      f"testsets:\n  - {{name: wmt22-{pair}, langs: {pair}, format: wmt-xml, path: {xml}}}\n")


def run_config(config: Path, out: Path, text: str) -> Path:
    """Write ``text`` as the config and ``mteval run`` it into ``out`` (not timed)."""
    config.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "eval.cli", "run", str(config), "--out", str(out)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out


def time_build(run_dir: Path, checkout: Path = ROOT) -> float:
    """Wall time of a fresh process writing the report (imports included)."""
    return measure_build(run_dir, checkout)["wall_s"]


def measure_build(run_dir: Path, checkout: Path = ROOT) -> dict[str, float]:
    """A fresh process (of ``checkout``'s mteval) writing the report: wall and CPU
    seconds, peak RSS, and the load average when it ended."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from eval.report.html import write_html_report; "
                             "write_html_report(sys.argv[1])", str(run_dir)], cwd=checkout, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"report build failed ({checkout})")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "load": os.getloadavg()[0]}


def time_page(path: Path, repeat: int, limit_s: float = 60) -> tuple[list[float], list[float], list[float]]:
    """Seconds from navigation until every section is drawn, the deferred
    two-system comparison included (a page that has not drawn it within
    ``limit_s`` counts as ``math.inf``, and is not timed further); until the
    page's own script has run (``data-ready``); and for one explorer interaction
    (pick a system, sort by score) to redraw."""
    from playwright.sync_api import TimeoutError as PageTimeout
    from playwright.sync_api import sync_playwright

    loads, readies, clicks = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            start = time.perf_counter()
            page.goto(path.as_uri(), timeout=limit_s * 1000)
            page.wait_for_selector("body[data-ready='1']", timeout=limit_s * 1000)
            readies.append(time.perf_counter() - start)
            try:
                page.wait_for_selector("#ngrams-a tr", timeout=limit_s * 1000)  # the deferred two-system comparison too
            except PageTimeout:
                loads.append(math.inf)
                page.close()
                break
            loads.append(time.perf_counter() - start)
            system = page.locator("#ex-system option").nth(1).get_attribute("value")
            start = time.perf_counter()
            page.select_option("#ex-system", system)
            page.select_option("#ex-sort", "score-asc")
            page.wait_for_selector("#ex-list .seg")
            clicks.append(time.perf_counter() - start)
            if errors:
                sys.exit(f"page errors: {errors}")
            page.close()
        browser.close()
    return loads, readies, clicks


def time_compare_mt(pair: str, out: Path, systems: list[str] | None) -> float | str | None:
    """compare-mt's default analyses and HTML report (reference A) on ``systems``
    (None: all): seconds, or why it failed; None when it is not installed."""
    exe = shutil.which("compare-mt")
    if exe is None:
        return None
    src, tgt = pair.split("-")
    txt = WMT22 / "txt"
    hyps = sorted((txt / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))
    if systems is not None:
        hyps = [h for h in hyps if h.name.split(".hyp.")[1][: -len(tgt) - 1] in systems]
    cmd = [exe, str(txt / "references" / f"generaltest2022.{pair}.ref.A.{tgt}"), *map(str, hyps),
           "--src_file", str(txt / "sources" / f"generaltest2022.{pair}.src.{src}"), "--output_directory", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        return f"failed: {proc.stderr.strip().splitlines()[-1]}"
    return time.perf_counter() - start


def top_two(run_dir: Path) -> list[str]:
    import json

    ts = next(iter(json.loads((run_dir / "results.json").read_text(encoding="utf-8"))["testsets"].values()))
    return sorted(ts["systems"], key=lambda s: -ts["systems"][s]["bleu"]["score"])[:2]


def make_base_run(folder: Path) -> Path:
    """WMT22 de-en, two systems, BLEU/chrF/TER: the run that is repeated (not timed)."""
    txt = WMT22 / "txt"
    src = txt / "sources" / "generaltest2022.de-en.src.de"
    if not src.exists():
        sys.exit(f"{src} is absent: this benchmark needs ../shared/data")
    hyps = {s: txt / "system-outputs" / f"generaltest2022.de-en.hyp.{s}.en" for s in ("JDExploreAcademy", "LT22")}
    return run_config(folder / "base.yaml", folder / "base",
                      "name: wmt22-de-en-repeated\nmetrics: [bleu, chrf, ter]\nhistory: \"off\"\ncache: \"off\"\n"
                      f"testsets:\n  - {{name: wmt22-de-en, langs: de-en, source: {src}, "
                      f"references: {{A: {txt / 'references' / 'generaltest2022.de-en.ref.A.en'}}}, "
                      f"systems: {{{', '.join(f'{k}: {v}' for k, v in hyps.items())}}}}}\n")


def scale(sizes: list[int], repeat: int, before: Path | None) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from tiled_run import tile_run

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = make_base_run(Path(tmp))
        n_base = __import__("json").loads((base / "results.json").read_text())["testsets"]["wmt22-de-en"]["n_segments"]
        for size in sizes:
            copies = math.ceil(size / n_base)
            run_dir = tile_run(base, Path(tmp) / f"run-{size}", copies, flag="low-confidence-alignment",
                               flag_rate=0.02, seed=0)
            for label, checkout in [("this branch", ROOT)] + ([("before", before)] if before else []):
                build = measure_build(run_dir, checkout)
                report = run_dir / "report.html"
                size_mb = report.stat().st_size / 2**20
                times = time_page(report, repeat) if Path(CHROMIUM).exists() else ([], [], [])
                rows.append((n_base * copies, label, size_mb, build, *times, os.getloadavg()[0]))
                report.unlink()
            shutil.rmtree(run_dir)
    print(f"WMT22 de-en, 2 systems, repeated; BLEU/chrF/TER; page times: median of {repeat}")
    print("| segments | mteval | report.html | build: wall / CPU / peak RSS (load) | script run (data-ready) "
          "| every section drawn | pick system + sort | load average |")
    print("|---|---|---|---|---|---|---|---|")
    for n, label, size_mb, build, loads, readies, clicks, load in rows:
        ready = f"{statistics.median(readies):.2f} s" if readies else "skipped"
        page = ("not within 60 s" if math.inf in loads else f"{statistics.median(loads):.2f} s") if loads else "skipped"
        click = f"{statistics.median(clicks) * 1000:.0f} ms" if clicks else "\u2013"
        print(f"| {n:,} | {label} | {size_mb:.1f} MB | {build['wall_s']:.1f} s / {build['cpu_s']:.1f} s / "
              f"{build['rss_mb']:.0f} MB ({build['load']:.1f}) | {ready} | {page} | {click} | {load:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="en-zh")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip compare-mt")
    parser.add_argument("--scale", type=int, nargs="+", metavar="SEGMENTS", help="WMT22 de-en repeated to these sizes")
    parser.add_argument("--before", type=Path, metavar="CHECKOUT", help="with --scale: also build with this mteval checkout")
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.repeat, args.before)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = make_run(args.pair, Path(tmp))
        builds = [time_build(run_dir) for _ in range(args.repeat)]
        report = run_dir / "report.html"
        size_mb = report.stat().st_size / 2**20
        loads, _, clicks = time_page(report, args.repeat) if Path(CHROMIUM).exists() else ([], [], [])
        pair_systems = top_two(run_dir)
        peers = {} if args.no_peer else {
            "all systems": time_compare_mt(args.pair, Path(tmp) / "cmt-all", None),
            f"2 systems ({' vs '.join(pair_systems)})": time_compare_mt(args.pair, Path(tmp) / "cmt-2", pair_systems),
        }
    print(f"WMT22 {args.pair}, all systems; median of {args.repeat}")
    print(f"mteval report build (fresh process): {statistics.median(builds):.2f} s   (target < 10 s)")
    print(f"report.html size: {size_mb:.2f} MB   (target < 15 MB)")
    if loads:
        print(f"page interactive in Chromium: {statistics.median(loads):.2f} s   (target < 3 s)")
        print(f"explorer: pick a system + sort by score: {statistics.median(clicks) * 1000:.0f} ms")
    else:
        print(f"page timing skipped: no Chromium at {CHROMIUM}")
    for what, result in peers.items():
        if result is None:
            print("compare-mt (peer) not installed: pip install compare-mt")
            break
        shown = f"{result:.2f} s" if isinstance(result, float) else result
        print(f"compare-mt (peer), default analyses + HTML report, {what}: {shown}")


if __name__ == "__main__":
    main()
