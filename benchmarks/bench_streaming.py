"""`mteval score --stream` over 100k / 1M / 5M segments x 2 systems (BLEU+chrF+TER),
cache off and with a fresh cache, against the in-memory path and the sacreBLEU
CLI (BLEU+chrF) on the sizes they run, in the same session.

Inputs are real WMT22 de-en rows (source, reference A, two systems) repeated in
seeded shuffles to N lines under /tmp; they are deleted afterwards.
Usage: python benchmarks/bench_streaming.py [--sizes 100000,1000000,5000000]
       [--in-memory-max 100000] [--sacrebleu-max 100000] [--cache-max 1000000] [--results FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, timed, wmt22_files  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "streaming.md"
SYSTEMS = ("LT22", "Lan-Bridge")


def build_inputs(folder: Path, n: int) -> list[Path]:
    """source, reference, system 1, system 2: real rows, aligned, shuffled per pass.
    Each source line ends with its row number, so every row is its own cache key
    (BLEU, chrF and TER do not read the source; repeated rows would be cache hits)."""
    source, ref, hyps = wmt22_files("de-en")
    picked = [h for h in hyps if any(f".hyp.{s}." in h.name for s in SYSTEMS)]
    streams = [p.read_text(encoding="utf-8").split("\n")[:-1] for p in (source, ref, *picked)]
    rows = list(zip(*streams))
    rng = random.Random(12345)
    paths = [folder / name for name in ("src.de", "ref.en", f"{SYSTEMS[0]}.en", f"{SYSTEMS[1]}.en")]
    handles = [open(p, "w", encoding="utf-8") for p in paths]
    written = 0
    while written < n:
        rng.shuffle(rows)
        for k, row in enumerate(rows[:n - written]):
            handles[0].write(f"{row[0]} [{written + k + 1}]\n")
            for fh, text in zip(handles[1:], row[1:]):
                fh.write(text + "\n")
        written += min(len(rows), n - written)
    for fh in handles:
        fh.close()
    return paths


def load() -> str:
    return os.getloadavg().__repr__()


def run(cmd: list, env: dict | None = None) -> tuple[dict, str]:
    m, out = timed(cmd, env)
    m["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return m, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000,5000000")
    ap.add_argument("--in-memory-max", type=int, default=100_000)
    ap.add_argument("--sacrebleu-max", type=int, default=100_000)
    ap.add_argument("--cache-max", type=int, default=1_000_000)
    ap.add_argument("--skip-off", action="store_true", help="only the cached runs")
    ap.add_argument("--results", type=Path, default=RESULTS, help="markdown table to write")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    rows = []
    for n in map(int, args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"mteval-stream-{n}-", dir="/tmp"))
        try:
            src, ref, h1, h2 = build_inputs(work, n)
            base = [sys.executable, "-m", "eval.cli", "score", "--src", src, "--refs", ref, "--hyps", h1, h2,
                    "--names", *SYSTEMS, "-l", "de-en", "-m", "bleu,chrf,ter", "-f", "json"]
            streamed = None
            if not args.skip_off:
                m, out = run(base + ["--stream", "--cache", "off", "--out", work / "run-off"], env)
                streamed = json.loads(out)
                rows.append((n, "mteval score --stream --cache off --out", m, _scores(streamed)))
            if n <= args.cache_max:
                cache = work / "stats.sqlite"
                m, out = run(base + ["--stream", "--cache", cache, "--out", work / "run-cold"], env)
                assert streamed is None or json.loads(out)["systems"] == streamed["systems"], "cached stream differs"
                streamed = streamed or json.loads(out)
                rows.append((n, "mteval score --stream --out, cold cache (every row new)", m,
                             f"cache {cache.stat().st_size / 2**20:.0f} MB"))
                m, out = run(base + ["--stream", "--cache", cache], env)
                assert json.loads(out)["systems"] == streamed["systems"], "warm stream differs"
                rows.append((n, "mteval score --stream, warm cache (no --out)", m, "same scores"))
            shutil.rmtree(work / "run-cold", ignore_errors=True)
            if n <= args.in_memory_max:
                m, out = run(base + ["--cache", "off", "--out", work / "run-mem"], env)
                assert json.loads(out) == streamed, "in-memory output differs from the streamed one"
                _same_segments(work / "run-mem", work / "run-off")
                rows.append((n, "mteval score (in memory) --cache off --out", m, "identical"))
            if n <= args.sacrebleu_max:
                m, out = run(["sacrebleu", ref, "-i", h1, h2, "-m", "bleu", "chrf", "-l", "de-en", "-f", "json"])
                rows.append((n, "sacrebleu -m bleu chrf", m, _sacre(out)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _write(rows, args.results)


def _scores(out: dict) -> str:
    return "; ".join(f"{s}: " + " ".join(f"{k} {v['score']:.2f}" for k, v in m.items()) for s, m in out["systems"].items())


def _sacre(out: str) -> str:
    return "; ".join(f"BLEU {r['BLEU']} chrF {r['chrF2']}" for r in json.loads(out))


def _same_segments(a: Path, b: Path) -> None:
    import pandas as pd

    pd.testing.assert_frame_equal(pd.read_parquet(a / "segments.parquet"), pd.read_parquet(b / "segments.parquet"),
                                  check_exact=True)


def _write(rows, path: Path) -> None:
    lines = ["# Streaming: mteval score --stream over 100k / 1M / 5M segments x 2 systems", "",
             "BLEU+chrF+TER (sacreBLEU: BLEU+chrF), real WMT22 de-en rows repeated in seeded shuffles;",
             "`--out` writes the full run directory. Wall time on a shared 2-core machine (load average",
             "beside each figure); CPU seconds and peak RSS (largest process) are steadier.", "",
             "| segments | command | wall s | CPU s | peak RSS MB | load (1/5/15 min) | scores / check |",
             "|---:|---|---:|---:|---:|---|---|"]
    for n, what, m, note in rows:
        lines.append(f"| {n:,} | {what} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {m['peak_mb']:.0f} | {m['load']} | {note} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
