"""MetricX-24 speed: mteval against MetricX's own prediction code, same checkpoint, data and machine.

Checkpoints: random MetricX-format checkpoints built on the fly by the test
builder (tests/test_neural_metricx.py) — ``tiny`` (width 16, 2+1 layers) and
``base`` (the mt5-base shape: width 768, 12+12 layers, 250,112-row vocabulary,
582M parameters) — float32 on both sides, CPU.
Data: the first N segments of WMT22 de-en (source, reference A, the first
system), scored reference-based.
Reference side: MetricX's ``metricx24/predict.py`` pieces as its ``main()``
strings them (``get_dataset`` -> ``MT5ForRegression`` -> ``transformers.Trainer.predict``)
at batch size 1, what its README runs (its collator cannot pad), under the
throwaway MetricX virtualenv (transformers 4.30.2; see docs/MODELS.md).
mteval side: the ``metricx`` metric (length-sorted batches, one logit row).
Each side runs in its own process (benchmarks/measure.py) so its peak memory is
its own; model loading is timed apart from scoring.

Usage: python benchmarks/bench_metricx.py [--segments 200] [--base-segments 40]
                                          [--reference-python /tmp/metricxvenv/bin/python]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, timed, wmt22_files  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "metricx"
BASE = {"d_model": 768, "d_kv": 64, "d_ff": 2048, "num_heads": 12, "num_layers": 12, "num_decoder_layers": 12,
        "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128}


def write_data(path: Path, n_segments: int) -> None:
    source, ref, hyps = wmt22_files("de-en")
    read = lambda p: p.read_text(encoding="utf-8").splitlines()[:n_segments]  # noqa: E731
    rows = zip(read(source), read(hyps[0]), read(ref))
    path.write_text("".join(json.dumps({"source": s, "hypothesis": h, "reference": r}) + "\n" for s, h, r in rows))


def build(kind: str, out: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_neural_metricx import build_tiny_metricx

    if kind == "tiny":
        build_tiny_metricx(out)
    else:
        build_tiny_metricx(out, dims=BASE, q_scale=BASE["d_kv"] ** -0.5, head_scale=0.6)


def side_reference(model: Path, data: Path, out: Path) -> dict:
    import torch
    import transformers

    sys.path.insert(0, str(REFERENCE))
    from metricx24 import models, predict

    start = time.perf_counter()
    tokenizer = transformers.AutoTokenizer.from_pretrained(model)
    net = models.MT5ForRegression.from_pretrained(model, torch_dtype="auto").eval()
    loaded, cpu = time.perf_counter(), time.process_time()
    ds = predict.get_dataset(str(data), tokenizer, 1536, torch.device("cpu"), False)
    args = transformers.TrainingArguments(output_dir=str(out.parent / "trainer"), per_device_eval_batch_size=1,
                                          dataloader_pin_memory=False, report_to=[], disable_tqdm=True)
    predictions, _, _ = transformers.Trainer(model=net, args=args).predict(test_dataset=ds["test"])
    done = time.perf_counter()
    np.save(out, np.asarray(predictions, dtype=np.float64))
    return {"load_s": loaded - start, "score_s": done - loaded, "cpu_s": time.process_time() - cpu,
            "threads": torch.get_num_threads()}


def side_ours(model: Path, data: Path, out: Path) -> dict:
    import torch

    sys.path.insert(0, str(ROOT))
    from eval.metrics.neural.metricx import MetricX, load_metricx

    rows = [json.loads(line) for line in data.read_text().splitlines()]
    start = time.perf_counter()
    metric = MetricX(model=str(model), device="cpu")
    load_metricx(str(model), None, "cpu")  # loading timed apart, as for the reference
    loaded, cpu = time.perf_counter(), time.process_time()
    prepared = metric.prepare([r["source"] for r in rows], [[r["reference"] for r in rows]])
    scores = metric.segment_stats([r["hypothesis"] for r in rows], prepared)[:, 0]
    done = time.perf_counter()
    np.save(out, scores)
    return {"load_s": loaded - start, "score_s": done - loaded, "cpu_s": time.process_time() - cpu,
            "threads": torch.get_num_threads(), "truncated": metric.counts["truncated"]}


SIDES = {"reference": side_reference, "ours": side_ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=200, help="segments for the tiny checkpoint")
    parser.add_argument("--base-segments", type=int, default=40, help="segments for the base-size checkpoint")
    parser.add_argument("--reference-python", default="/tmp/metricxvenv/bin/python")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--build", choices=("tiny", "base"), help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        return build(args.build, args.model)
    if args.side:
        print(json.dumps(SIDES[args.side](args.model, args.data, args.out)))
        return

    print("# MetricX-24, reference-based, float32, CPU only (no GPU was available), WMT22 de-en\n")
    print("| checkpoint | segments | side | scoring s (wall) | segments/s | speed-up | scoring CPU s | CPU speed-up "
          "| load s | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HF_HOME": str(Path(tmp) / "hf"), "HF_DATASETS_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": ""}
        for kind, n in (("tiny", args.segments), ("base", args.base_segments)):
            model, data = Path(tmp) / kind, Path(tmp) / f"{kind}.jsonl"
            timed([sys.executable, __file__, "--build", kind, "--model", model])
            write_data(data, n)
            results = {}
            for side, python in (("reference", args.reference_python), ("ours", sys.executable)):
                out = Path(tmp) / f"{kind}-{side}.npy"
                measurement, stdout = timed([python, __file__, "--side", side, "--model", model, "--data", data,
                                             "--out", out], env=env)
                results[side] = {**measurement, **json.loads(stdout.strip().splitlines()[-1]), "scores": np.load(out)}
            ref, ours = results["reference"], results["ours"]
            for side, r in (("MetricX predict.py (transformers 4.30.2, batch 1)", ref), ("mteval", ours)):
                print(f"| {kind} | {n} | {side} | {r['score_s']:.1f} | {n / r['score_s']:.2f} | "
                      f"{ref['score_s'] / r['score_s']:.2f}x | {r['cpu_s']:.1f} | {ref['cpu_s'] / r['cpu_s']:.2f}x | "
                      f"{r['load_s']:.1f} | {r['peak_mb']:.0f} |")
            diff = float(np.abs(ref["scores"] - ours["scores"]).max())
            notes.append(f"- {kind}: max |score difference| {diff:.2e} over {n} segments "
                         f"(scores {ours['scores'].min():.2f}..{ours['scores'].max():.2f}); "
                         f"{ours['truncated']} inputs over 1536 tokens; torch threads {ours['threads']}")
            (Path(tmp) / kind / "model.safetensors").unlink()  # free the disk before the next size
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
