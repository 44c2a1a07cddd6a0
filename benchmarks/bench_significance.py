"""Paired bootstrap on all systems of a WMT22 pair, BLEU + chrF: mteval vs the
sacreBLEU command line (``sacrebleu REF -i HYP... -m bleu chrf --paired-bs``),
both run as fresh processes in the same run, from the text files to p-values.

    python benchmarks/bench_significance.py [--pair de-en] [--repeat 3]

Target: mteval at most 0.2x sacreBLEU's wall time.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WMT22 = ROOT.parent / "shared" / "data" / "wmt22" / "txt"


def files(pair: str) -> tuple[Path, list[Path]]:
    tgt = pair.split("-")[1]
    ref = WMT22 / "references" / f"generaltest2022.{pair}.ref.A.{tgt}"
    hyps = sorted((WMT22 / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))
    return ref, hyps


def run_ours(pair: str) -> None:
    """What the timed mteval process does: read, extract statistics, test."""
    sys.path.insert(0, str(ROOT))
    from eval import stats
    from eval.metrics import build_metric

    ref_file, hyp_files = files(pair)
    tgt = pair.split("-")[1]
    ref = ref_file.read_text(encoding="utf-8").splitlines()
    systems = {f.name: f.read_text(encoding="utf-8").splitlines() for f in hyp_files}
    baseline = hyp_files[0].name
    for name in ("bleu", "chrf"):
        metric = build_metric(name, trg_lang=tgt)
        prepared = metric.prepare(None, [ref])
        st = {s: metric.segment_stats(h, prepared) for s, h in systems.items()}
        for system, r in stats.paired_bootstrap(st, metric.score_from_sums, baseline).items():
            p = "baseline" if r.p_value is None else f"p = {r.p_value:.4f}"
            print(f"{name:5s} {system:60s} {r.score:7.3f} ({r.mean:.3f} ± {r.half_width:.3f}) {p}")


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="de-en")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run-ours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_ours:
        run_ours(args.pair)
        return
    if not WMT22.is_dir():
        sys.exit(f"WMT22 data not found at {WMT22}")
    ref, hyps = files(args.pair)
    tok = ["-tok", "zh"] if args.pair.endswith("-zh") else []
    theirs_cmd = [sys.executable, "-m", "sacrebleu", str(ref), "-i", *map(str, hyps), "-m", "bleu", "chrf",
                  "--paired-bs", "-f", "text", *tok]
    ours_cmd = [sys.executable, __file__, "--run-ours", "--pair", args.pair]
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(timed(ours_cmd))
        theirs.append(timed(theirs_cmd))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"{args.pair}: {len(hyps)} systems, BLEU + chrF, paired bootstrap (1000 resamples), "
          f"median of {args.repeat} runs, whole process from text files")
    print(f"  sacreBLEU --paired-bs: {t:7.2f} s")
    print(f"  mteval stats:          {o:7.2f} s   ({o / t:.3f}x sacreBLEU's time; target <= 0.2x)")


if __name__ == "__main__":
    main()
