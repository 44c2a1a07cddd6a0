"""BERTScore speed: mteval against the bert-score package, same model, data and machine.

Model: the converted multilingual-e5-small (layer 9), run on CPU by both.
Data: the first N segments of WMT22 de-en, reference A and the first S systems.
bert-score is driven through its ``BERTScorer`` (model loaded once, the
fastest way it offers); mteval scores the same systems through its metric
interface, encoding the reference once. Each side runs in its own process
(benchmarks/measure.py) so that its peak memory is its own. Also measured:
a fully cached rerun through eval.scoring's statistics cache.

Usage: python benchmarks/bench_bertscore.py [--segments 400] [--systems 4]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import timed, wmt22_files  # noqa: E402

LAYER = 9


def load_data(n_segments: int, n_systems: int):
    source, ref, hyps = wmt22_files("de-en")
    read = lambda p: p.read_text(encoding="utf-8").splitlines()[:n_segments]  # noqa: E731
    return read(source), read(ref), {p.name.split(".")[-2]: read(p) for p in hyps[:n_systems]}


def side_bert_score(data, out: Path) -> dict:
    import torch
    from bert_score import BERTScorer

    from eval.models.e5 import ensure_e5

    _, refs, systems = data
    start = time.perf_counter()
    scorer = BERTScorer(model_type=str(ensure_e5()), num_layers=LAYER, batch_size=64, device="cpu")
    loaded = time.perf_counter()
    f1 = {name: scorer.score(hyps, refs)[2].numpy() for name, hyps in systems.items()}
    done = time.perf_counter()
    np.savez(out, **f1)
    return {"load_s": loaded - start, "score_s": done - loaded, "threads": torch.get_num_threads()}


def side_ours(data, out: Path) -> dict:
    import torch

    from eval.metrics.neural.bertscore import BERTScore

    sources, refs, systems = data
    start = time.perf_counter()
    metric = BERTScore(layer=LAYER, device="cpu")
    metric.loaded  # load the model outside the scoring time, as for bert-score
    loaded = time.perf_counter()
    prepared = metric.prepare(sources, [refs])
    f1 = {name: metric.segment_stats(hyps, prepared)[:, 0] for name, hyps in systems.items()}
    done = time.perf_counter()
    np.savez(out, **f1)
    return {"load_s": loaded - start, "score_s": done - loaded, "threads": torch.get_num_threads()}


def side_cached(data, out: Path) -> dict:
    from eval.corpora.model import TestSet
    from eval.metrics.neural.bertscore import BERTScore
    from eval.scoring import score_testset
    from eval.store import StatsCache

    sources, refs, systems = data
    ts = TestSet("wmt22-de-en", "de", "en", sources, {"A": refs}, systems)
    cache = StatsCache(out.with_suffix(".sqlite"))
    start = time.perf_counter()
    score_testset(ts, {"bertscore": BERTScore(layer=LAYER, device="cpu")}, cache=cache, jobs=1)
    first = time.perf_counter()
    again = score_testset(ts, {"bertscore": BERTScore(layer=LAYER, device="cpu")}, cache=cache, jobs=1)
    second = time.perf_counter()
    assert again.computed_segments == 0
    return {"first_s": first - start, "rerun_s": second - first}


SIDES = {"bert-score": side_bert_score, "ours": side_ours, "cached": side_cached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=400)
    parser.add_argument("--systems", type=int, default=4)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = load_data(args.segments, args.systems)
    if args.side:
        print(json.dumps(SIDES[args.side](data, args.out)))
        return

    n_scored = args.segments * len(data[2])
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for side in ("bert-score", "ours", "cached"):
            out = Path(tmp) / f"{side}.npz"
            measurement, stdout = timed([sys.executable, __file__, "--side", side, "--out", out,
                                         "--segments", args.segments, "--systems", args.systems])
            results[side] = {**measurement, **json.loads(stdout.strip().splitlines()[-1])}
        theirs, ours = np.load(Path(tmp) / "bert-score.npz"), np.load(Path(tmp) / "ours.npz")
        max_diff = max(float(np.abs(theirs[k] - ours[k]).max()) for k in theirs.files)

    b, o, c = results["bert-score"], results["ours"], results["cached"]
    print(f"# BERTScore, multilingual-e5-small layer {LAYER}, CPU ({o['threads']} threads), "
          f"WMT22 de-en: {args.segments} segments x {len(data[2])} systems\n")
    print("| | scoring s | segments/s | speed-up | load s | peak MB |")
    print("|---|---|---|---|---|---|")
    for name, r in (("bert-score 0.3.13 (BERTScorer)", b), ("mteval", o)):
        print(f"| {name} | {r['score_s']:.1f} | {n_scored / r['score_s']:.1f} | "
              f"{b['score_s'] / r['score_s']:.2f}x | {r['load_s']:.1f} | {r['peak_mb']:.0f} |")
    print(f"\nmax |F1 difference| over {n_scored} segments: {max_diff:.2e}")
    print(f"cached rerun (eval.scoring + statistics cache): first run {c['first_s']:.1f} s, "
          f"rerun {c['rerun_s']:.3f} s, {c['first_s'] / c['rerun_s']:.0f}x faster")


if __name__ == "__main__":
    main()
