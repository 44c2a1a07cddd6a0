"""mteval score vs the sacreBLEU CLI on all systems of a WMT22 pair,
BLEU + chrF + TER, in the same run: cold (empty cache) and warm (cached).

Targets (issue 2): cold at most 0.6x sacreBLEU's wall time, warm at most 0.1x,
identical numbers. Usage: python benchmarks/bench_score.py [PAIR ...]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from common import timed, wmt22_files

RESULTS = Path(__file__).resolve().parent / "results" / "score.md"
SACRE_NAMES = {"BLEU": "bleu", "chrF2": "chrf", "TER": "ter"}


def bench(pair: str) -> dict:
    source, ref, hyps = wmt22_files(pair)
    tgt = pair.split("-")[1]
    with tempfile.TemporaryDirectory() as cache_dir:
        env = {**os.environ, "MTEVAL_CACHE": cache_dir}
        ours_cmd = ["mteval", "score", "--src", source, "--refs", ref, "--hyps", *hyps, "--langs", pair,
                    "-m", "bleu,chrf,ter", "-f", "json"]
        cold, out = timed(ours_cmd, env)
        warm, out_warm = timed(ours_cmd, env)
    sacre, sacre_out = timed(["sacrebleu", ref, "-i", *hyps, "-m", "bleu", "chrf", "ter", "-l", pair, "-f", "json", "-w", "4"])
    ours = json.loads(out)["systems"]
    assert json.loads(out_warm)["systems"] == ours, "warm run must equal the cold run"
    worst = 0.0
    for row in json.loads(sacre_out):
        name = Path(row["system"]).name
        for key, metric in SACRE_NAMES.items():
            delta = abs(round(ours[name][metric]["score"], 4) - float(row[key]))
            worst = max(worst, delta)
    assert worst <= 1e-4 + 1e-9, f"scores differ from sacreBLEU by {worst}"
    return {"pair": pair, "systems": len(hyps), "segments": sum(1 for _ in open(ref, encoding="utf-8")),
            "sacrebleu": sacre, "cold": cold, "warm": warm, "max_delta": worst, "tgt": tgt}


def main() -> None:
    pairs = sys.argv[1:] or ["de-en"]
    rows = [bench(p) for p in pairs]
    lines = ["| pair | systems x segments | sacreBLEU s | mteval cold s (ratio) | mteval warm s (ratio) | peak MB sacreBLEU / cold / warm | max abs delta |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        s, c, w = r["sacrebleu"], r["cold"], r["warm"]
        lines.append(f"| {r['pair']} | {r['systems']} x {r['segments']} | {s['wall_s']:.2f} | {c['wall_s']:.2f} ({c['wall_s'] / s['wall_s']:.2f}x) "
                     f"| {w['wall_s']:.2f} ({w['wall_s'] / s['wall_s']:.3f}x) | {s['peak_mb']:.0f} / {c['peak_mb']:.0f} / {w['peak_mb']:.0f} | {r['max_delta']:.1e} |")
    text = "BLEU+chrF+TER, all systems, `mteval score` vs `sacrebleu REF -i HYP... -m bleu chrf ter`, same run.\n" \
           "Peak MB is the largest single process (mteval's workers are forked).\n\n" + "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
