"""The HTML report on all systems of a WMT22 pair (en-zh: 13 systems x 2,037
segments): build time, file size, and time until the page is interactive in
headless Chromium; and compare-mt (the peer tool, when installed) building its
HTML report for the same systems in the same run.

    python benchmarks/bench_report.py [--pair en-zh] [--repeat 3] [--no-peer]

Targets: builds in under 10 s, under 15 MB, interactive in under 3 s.
"""
from __future__ import annotations

import argparse
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
    config = folder / "bench.yaml"
    config.write_text(
        f"name: wmt22-{pair}\nmetrics: [bleu, chrf, ter]\nhistory: \"off\"\n"
        f"testsets:\n  - {{name: wmt22-{pair}, langs: {pair}, format: wmt-xml, path: {xml}}}\n",
        encoding="utf-8",
    )
    out = folder / "run"
    subprocess.run([sys.executable, "-m", "eval.cli", "run", str(config), "--out", str(out)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out


def time_build(run_dir: Path) -> float:
    """Wall time of a fresh process writing the report (imports included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from eval.report.html import write_html_report; "
                    "write_html_report(sys.argv[1])", str(run_dir)], check=True, cwd=ROOT)
    return time.perf_counter() - start


def time_page(path: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from navigation until every section is drawn, and for
    one explorer interaction (pick a system, sort by score) to redraw."""
    from playwright.sync_api import sync_playwright

    loads, clicks = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            page.wait_for_selector("#ngrams-a tr", timeout=60_000)  # the deferred two-system comparison too
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
    return loads, clicks


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="en-zh")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip compare-mt")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = make_run(args.pair, Path(tmp))
        builds = [time_build(run_dir) for _ in range(args.repeat)]
        report = run_dir / "report.html"
        size_mb = report.stat().st_size / 2**20
        loads, clicks = time_page(report, args.repeat) if Path(CHROMIUM).exists() else ([], [])
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
