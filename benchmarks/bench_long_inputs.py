"""Long inputs on WMT22 documents: rankings and cost of ``long_inputs=split`` against truncation.

Model: BERTScore on the converted multilingual-e5-small (limit 512 tokens, layer 9), CPU.
Data: WMT22 documents from the XML (one <p> per document there, so a paragraph is
a document), reference A, systems present in every document; by default only
the documents where the reference or some system exceeds 512 tokens, the ones
truncation changes. Three scorings of the same documents, each in its own
process (benchmarks/measure.py: wall, CPU user+sys, peak memory):

- sentences: the documents' segments one by one (the WMT reference ranking);
- truncate:  each document one segment, cut at the limit (mteval before);
- split:     each document one segment, split at sentences (the default).

Printed and written to benchmarks/results/long_inputs_PAIRS.md: system scores and
rankings, Kendall tau of each document-level ranking against the sentence
level, and the cost of split against truncate.

Usage: python benchmarks/bench_long_inputs.py [--pairs de-fr,en-zh,ru-en] [--docs long|all]
       [--max-docs N] [--systems N] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402

SETTINGS = ("sentences", "truncate", "split")
LAYER = 9


def child(setting: str, pair: str, docs: str, max_docs: int | None, systems: int | None) -> None:
    """Score one setting; print JSON (scores, timings, counts) on stdout."""
    import torch

    from eval.metrics import build_metric
    from long_inputs_data import system_scores, too_long, wmt22_documents

    src, tgt = pair.split("-")
    start = time.perf_counter()
    metric = build_metric("bertscore", trg_lang=tgt, src_lang=src, layer=LAYER, device="cpu",
                          long_inputs="truncate" if setting == "truncate" else "split")
    metric.inner.loaded
    loaded = time.perf_counter()
    keep = too_long(metric.inner.count_tokens, metric.inner.token_limit) if docs == "long" else (lambda t: True)
    data = wmt22_documents(pair, keep, max_docs, systems)
    level = data.sentences if setting == "sentences" else data.documents
    selected = time.perf_counter()
    prepared = metric.prepare(level.sources, [level.references])
    scores, split, truncated = {}, 0, 0
    for name, hyps in level.systems.items():
        stats = metric.segment_stats(hyps, prepared)
        scores[name] = metric.corpus_score(stats)
        split += int(stats[:, 2].sum())
        truncated += int(stats[:, 3].sum())
    done = time.perf_counter()
    print(json.dumps({"scores": scores, "segments": len(level.sources), "systems": len(level.systems),
                      "split": split, "truncated": truncated, "load_s": loaded - start,
                      "select_s": selected - loaded, "score_s": done - selected, "threads": torch.get_num_threads()}))


def run_pair(pair: str, args) -> dict:
    from long_inputs_data import kendall_tau, ranking

    out = {}
    for setting in SETTINGS:
        cmd = [sys.executable, __file__, "--child", setting, "--pairs", pair, "--docs", args.docs]
        cmd += ["--max-docs", str(args.max_docs)] if args.max_docs else []
        cmd += ["--systems", str(args.systems)] if args.systems else []
        measurement, stdout = timed(cmd)
        out[setting] = {**json.loads(stdout.strip().splitlines()[-1]), **measurement}
    base = out["sentences"]["scores"]
    for setting in ("truncate", "split"):
        out[setting]["tau"] = kendall_tau(base, out[setting]["scores"])
        out[setting]["ranking"] = ranking(out[setting]["scores"])
    out["sentences"]["ranking"] = ranking(base)
    return out


def report(results: dict, args) -> str:
    lines = [f"# Long inputs: WMT22 documents, BERTScore (e5, layer {LAYER}), docs={args.docs}", ""]
    for pair, out in results.items():
        s, t, p = out["sentences"], out["truncate"], out["split"]
        lines += [f"## {pair}: {t['segments']} documents ({s['segments']} sentences), {s['systems']} systems", "",
                  f"- documents split: {p['split']} of {p['segments'] * p['systems']} (system outputs); "
                  f"still truncated after splitting: {p['truncated']}; truncated without splitting: {t['truncated']}",
                  f"- Kendall tau against the sentence-level ranking: truncate {t['tau']:.3f}, split {p['tau']:.3f}",
                  f"- top system: sentences {s['ranking'][0]}, truncate {t['ranking'][0]}, split {p['ranking'][0]}",
                  "", "| system | sentences | truncate | split |", "|---|---|---|---|"]
        for name in s["ranking"]:
            lines.append(f"| {name} | {s['scores'][name]:.4f} | {t['scores'][name]:.4f} | {p['scores'][name]:.4f} |")
        lines += ["", "| setting | scoring wall s | whole process wall s | CPU user+sys s | peak MB |", "|---|---|---|---|---|"]
        for name, m in (("sentences", s), ("truncate", t), ("split", p)):
            lines.append(f"| {name} | {m['score_s']:.1f} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {m['peak_mb']:.0f} |")
        lines += ["", f"split / truncate: scoring wall {p['score_s'] / t['score_s']:.2f}x, "
                      f"process CPU {p['cpu_s'] / t['cpu_s']:.2f}x, peak memory {p['peak_mb'] / t['peak_mb']:.2f}x", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="de-fr,en-zh,ru-en")
    parser.add_argument("--docs", choices=["long", "all"], default="long")
    parser.add_argument("--max-docs", type=int)
    parser.add_argument("--systems", type=int)
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/long_inputs_PAIRS.md")
    parser.add_argument("--child", choices=SETTINGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.pairs, args.docs, args.max_docs, args.systems)
    results = {pair: run_pair(pair, args) for pair in args.pairs.split(",")}
    text = report(results, args)
    print(text)
    out = args.out or Path(__file__).resolve().parent / "results" / f"long_inputs_{args.pairs.replace(',', '_')}.md"
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
