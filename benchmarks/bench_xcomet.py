"""xCOMET speed: mteval against unbabel-comet 2.2.7, same checkpoint, data, machine and precision.

Checkpoints: random xCOMET-format checkpoints (hparams as Unbabel/XCOMET-XL, a
token tagger on hidden state ``word_layer``) of two sizes, built here: "tiny"
(hidden 32, 2 layers) and "base" (XLM-R base: hidden 768, 12 layers, 12 heads),
both with XLM-R's 250k SentencePiece vocabulary (the tokenizer of the
converted multilingual-e5-small), so the inputs tokenize as with a real model.
Data: the first N segments of WMT22 de-en, reference A, the first system; both
sides score with references (three encoder passes per segment) and return
scores and error spans. unbabel-comet runs in its own virtualenv
(``--comet-python``, see docs/MODELS.md) through ``model.predict`` (batch 16,
length batching, its default); mteval through its metric interface (batch 16,
length-sorted). Each side runs in its own process (benchmarks/measure.py), so
its peak memory is its own; model loading is timed apart from scoring. Both
run float32 on CPU with the same number of torch threads (``--threads``, 1 by
default: on a shared machine more threads mostly measure the neighbours); the
sides alternate ``--repeats`` times and the fastest scoring time of each counts.

Usage: python benchmarks/bench_xcomet.py --comet-python /tmp/cometvenv/bin/python
       [--segments 200] [--base-segments 48] [--repeats 2] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this worktree's eval
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed, wmt22_files  # noqa: E402

SIZES = {  # hidden, layers, heads, ffn, estimator hidden sizes
    "tiny": (32, 2, 4, 64, [16, 8]),
    "base": (768, 12, 12, 3072, [3072, 1024]),
}
BATCH = 16


def load_data(n_segments: int):
    source, ref, hyps = wmt22_files("de-en")
    read = lambda p: p.read_text(encoding="utf-8").splitlines()[:n_segments]  # noqa: E731
    return read(source), read(ref), read(hyps[0])


def build_checkpoint(out: Path, size: str) -> Path:
    """An xCOMET model directory with seeded random weights and XLM-R's tokenizer."""
    import shutil

    import torch
    import transformers
    import yaml

    from eval.models.e5 import ensure_e5

    hidden, layers, heads, ffn, sizes = SIZES[size]
    encoder = out / "encoder"
    encoder.mkdir(parents=True)
    e5 = ensure_e5()
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (e5 / name).exists():
            shutil.copy(e5 / name, encoder / name)
    vocab = transformers.AutoTokenizer.from_pretrained(e5).vocab_size
    config = transformers.XLMRobertaConfig(
        vocab_size=max(vocab, 250002), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=ffn, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2)
    config.save_pretrained(encoder)
    torch.manual_seed(7)
    model = transformers.XLMRobertaModel(config, add_pooling_layer=False)
    state = {f"encoder.model.{k}": v for k, v in model.state_dict().items()
             if not k.endswith(("position_ids", "token_type_ids"))}
    generator = torch.Generator().manual_seed(11)
    for i in range(layers + 1):
        state[f"layerwise_attention.scalar_parameters.{i}"] = torch.randn(1, generator=generator)
    state["layerwise_attention.gamma"] = torch.ones(1)
    for index, (a, b) in zip((0, 3, 6), zip([hidden, *sizes], [*sizes, 1])):
        state[f"estimator.ff.{index}.weight"] = torch.randn(b, a, generator=generator) / a ** 0.5
        state[f"estimator.ff.{index}.bias"] = torch.zeros(b)
    state["hidden2tag.weight"] = torch.randn(4, hidden, generator=generator) / hidden ** 0.5
    state["hidden2tag.bias"] = torch.tensor([1.0, 0.0, 0.0, 0.0])
    hparams = {
        "activations": "Tanh", "batch_size": 8, "class_identifier": "xcomet_metric",
        "cross_entropy_weights": [0.08, 0.486, 0.505, 0.533], "dropout": 0.1, "encoder_learning_rate": 1.0e-06,
        "encoder_model": "XLM-RoBERTa", "error_labels": ["minor", "major", "critical"], "final_activation": None,
        "hidden_sizes": sizes, "input_segments": ["mt", "src", "ref"], "keep_embeddings_frozen": True,
        "layer": "mix", "layer_norm": False, "layer_transformation": "sparsemax", "layerwise_decay": 0.983,
        "learning_rate": 3.66e-06, "load_pretrained_weights": False, "loss": "mse", "loss_lambda": 0.055,
        "nr_frozen_epochs": 0.3, "optimizer": "AdamW", "pool": "avg", "pretrained_model": str(encoder),
        "sent_layer": "mix", "train_data": [], "validation_data": [], "warmup_steps": 0,
        "word_layer": layers, "word_level_training": True,
    }
    (out / "checkpoints").mkdir()
    (out / "hparams.yaml").write_text(yaml.safe_dump(hparams))
    torch.save({"state_dict": state, "hyper_parameters": hparams, "pytorch-lightning_version": "2.2.1"},
               out / "checkpoints" / "model.ckpt")
    return out


def side_comet(model_dir: Path, data, out: Path, threads: int) -> dict:
    import torch
    from comet import load_from_checkpoint

    torch.set_num_threads(threads)
    sources, refs, hyps = data
    start = time.perf_counter()
    model = load_from_checkpoint(str(model_dir / "checkpoints" / "model.ckpt"))
    loaded = time.perf_counter()
    pred = model.predict([{"src": s, "mt": m, "ref": r} for s, m, r in zip(sources, hyps, refs)],
                         batch_size=BATCH, gpus=0, progress_bar=False)
    done = time.perf_counter()
    spans = [[(s["start"], s["end"], s["severity"]) for s in seg] for seg in pred.metadata.error_spans]
    out.write_text(json.dumps({"scores": [float(x) for x in pred.scores], "spans": spans}))
    return {"load_s": loaded - start, "score_s": done - loaded, "threads": torch.get_num_threads()}


def side_ours(model_dir: Path, data, out: Path, threads: int) -> dict:
    import torch

    from eval.metrics.neural.comet import COMET

    torch.set_num_threads(threads)
    sources, refs, hyps = data
    start = time.perf_counter()
    metric = COMET(model=str(model_dir), device="cpu", batch_size=BATCH)
    metric.bundle  # load outside the scoring time, as for unbabel-comet
    loaded = time.perf_counter()
    stats, payloads = metric.segment_stats_and_payloads(hyps, metric.prepare(sources, [refs]))
    done = time.perf_counter()
    spans = [[(s["start"], s["end"], s["severity"]) for s in json.loads(p)] for p in payloads]
    out.write_text(json.dumps({"scores": stats[:, 0].tolist(), "spans": spans}))
    return {"load_s": loaded - start, "score_s": done - loaded, "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comet-python", required=False, help="python of a virtualenv with unbabel-comet 2.2.7")
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--base-segments", type=int, default=48)
    parser.add_argument("--sizes", default="tiny,base")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--side", choices=("comet", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        data = load_data(args.segments)
        side = side_comet if args.side == "comet" else side_ours
        print(json.dumps(side(args.model, data, args.out, args.threads)))
        return
    if not args.comet_python:
        parser.error("--comet-python is required")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            model_dir = build_checkpoint(Path(tmp) / size, size)
            n = args.base_segments if size == "base" else args.segments
            results: dict = {}
            for _ in range(args.repeats):
                for side, python in (("comet", args.comet_python), ("ours", sys.executable)):
                    out = Path(tmp) / f"{size}-{side}.json"
                    measurement, stdout = timed([python, __file__, "--side", side, "--model", model_dir, "--out", out,
                                                 "--segments", n, "--threads", args.threads])
                    run = {**measurement, **json.loads(stdout.strip().splitlines()[-1]), **json.loads(out.read_text())}
                    if side not in results or run["score_s"] < results[side]["score_s"]:
                        results[side] = run
            theirs, ours = results["comet"], results["ours"]
            diff = max(abs(a - b) for a, b in zip(theirs["scores"], ours["scores"]))
            same_spans = sum(a == b for a, b in zip(theirs["spans"], ours["spans"]))
            rows.append((size, n, theirs, ours, diff, same_spans))
            (Path(tmp) / size / "checkpoints" / "model.ckpt").unlink()

    print(f"# xCOMET with references, random checkpoints, CPU float32 ({args.threads} torch threads), "
          f"WMT22 de-en, 1 system (3 encoder passes per segment), best of {args.repeats}\n")
    print("| checkpoint | segments | side | scoring s | segments/s | speed-up | load s | peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    for size, n, theirs, ours, _, _ in rows:
        for name, r in (("unbabel-comet 2.2.7", theirs), ("mteval", ours)):
            print(f"| {size} | {n} | {name} | {r['score_s']:.1f} | {n / r['score_s']:.1f} | "
                  f"{theirs['score_s'] / r['score_s']:.2f}x | {r['load_s']:.1f} | {r['peak_mb']:.0f} |")
    for size, n, _, _, diff, same in rows:
        print(f"\n{size}: max |score difference| {diff:.2e}; identical error spans in {same}/{n} segments")


if __name__ == "__main__":
    main()
