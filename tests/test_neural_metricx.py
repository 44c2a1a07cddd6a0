"""MetricX-24 parity with Google's published prediction code.

Tiny MetricX-format checkpoints (the real folder layout: ``config.json`` naming
``MT5ForRegression``, ``model.safetensors`` or ``pytorch_model.bin``, an mT5-shaped
``spiece.model`` of 250,100 pieces; a 2-layer encoder and 1-layer decoder of
width 16; weights from a seeded generator) are built on the fly. The expected
scores below were computed by MetricX's own ``metricx24/predict.py`` (the
reference copy in ../shared/reference/metricx) for the very same checkpoints, in
a throwaway virtualenv (it pins transformers 4.30.2): ``python -m venv
/tmp/metricxvenv && /tmp/metricxvenv/bin/pip install torch==2.13.0
transformers==4.30.2 sentencepiece==0.1.99 datasets==2.13.1 'protobuf<4' accelerate
&& /tmp/metricxvenv/bin/python tests/test_neural_metricx.py`` prints them (see
docs/MODELS.md). This module therefore imports nothing from ``eval`` at top level.
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

SOURCES = ["Der Hund bellt laut.", "Das Haus ist groß und alt.", "Wir gehen morgen in die Stadt.",
           "Ein sehr langer Satz " + "mit vielen Wörtern " * 12 + "am Ende.", "Guten Morgen!", "Danke.",
           "Vielen  Dank!\t"]
HYPOTHESES = ["The dog barks loudly.", "The house is big and old.", "We go tomorrow into the city.",
              "A very long sentence " + "with many words " * 12 + "at the end.", "", "Thanks a lot.",
              "Many thanks!  "]  # whitespace as transformers 4 tokenizes it: runs collapse, a trailing space counts
REFERENCES = ["The dog is barking loudly.", "The house is large and old.", "Tomorrow we are going to town.",
              "A very long sentence with many words at the end.", "Good morning!", "Thank you.",
              " Many thanks."]
MAX_INPUT_LENGTH = 128  # small enough that the long segment is cut, as 1536 cuts documents

# Computed by MetricX's metricx24/predict.py (transformers 4.30.2, torch 2.13.0 CPU) for
# build_tiny_metricx(...): reference-based (default) and with --qe.
EXPECTED = {
    "reference": [23.7059479, 23.6931229, 22.5102272, 14.699213, 19.3770809, 23.5996475, 20.9014778],
    "qe": [25.0, 21.0800323, 22.2125626, 14.699213, 21.1562672, 22.0645523, 20.9241905],
}

VOCAB_SIZE = 250112  # mT5's embedding rows; its tokenizer has 250,100 pieces
SPM_PIECES = 250100
WIDTH = 16
TINY = {"d_model": WIDTH, "d_kv": 4, "d_ff": 32, "num_heads": 4, "num_layers": 2, "num_decoder_layers": 1,
        "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16}


# ---------------------------------------------------------------------------- builder

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _int_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value & 0xFFFFFFFFFFFFFFFF)


def _piece(text: str, score: float, kind: int) -> bytes:
    """sentencepiece ModelProto.SentencePiece: piece=1, score=2 (float), type=3."""
    return _field(1, _field(1, text.encode()) + bytes([0x15]) + struct.pack("<f", score) + _int_field(3, kind))


def _vocabulary() -> list[tuple[str, float, int]]:
    texts = SOURCES + HYPOTHESES + REFERENCES + ["source: candidate: reference:"]
    words = sorted({w for text in texts for w in text.split()})
    chars = sorted({c for text in texts for c in text if not c.isspace()})
    pieces = [f"\u2581{w}" for w in words[::2]] + ["\u2581"] + chars  # half the words need splitting
    normal, control, unknown = 1, 3, 2
    vocab = [("<pad>", 0.0, control), ("</s>", 0.0, control), ("<unk>", 0.0, unknown)]
    vocab += [(p, -1.0 - 0.01 * i, normal) for i, p in enumerate(pieces)]
    # filler pieces in the private-use area, never in the test texts, bring it to mT5's size
    vocab += [(chr(0xE000 + i // 4000) + chr(0xE000 + i % 4000), -30.0, normal) for i in range(SPM_PIECES - len(vocab))]
    return vocab


def write_spiece(path: Path, size: int = SPM_PIECES) -> None:
    """A unigram sentencepiece model written as protobuf by hand (no trainer, so it is the
    same file under every sentencepiece version): pad 0, eos 1, unk 2 as in mT5."""
    pieces = b"".join(_piece(t, s, k) for t, s, k in _vocabulary()[:size])
    trainer = (_int_field(3, 1) + _int_field(4, size) + _int_field(40, 2) + _int_field(41, -1)
               + _int_field(42, 1) + _int_field(43, 0))
    normalizer = _field(1, b"identity") + _int_field(3, 1) + _int_field(4, 1) + _int_field(5, 1)
    path.write_bytes(pieces + _field(2, trainer) + _field(3, normalizer))


def _shapes(dims: dict) -> dict[str, tuple[int, ...]]:
    width, inner, d_ff = dims["d_model"], dims["num_heads"] * dims["d_kv"], dims["d_ff"]
    attention = {"q": (inner, width), "k": (inner, width), "v": (inner, width), "o": (width, inner)}
    ff = {"wi_0": (d_ff, width), "wi_1": (d_ff, width), "wo": (width, d_ff)}
    shapes = {"shared.weight": (VOCAB_SIZE, width), "lm_head.weight": (VOCAB_SIZE, width)}
    for stack, layers in (("encoder", dims["num_layers"]), ("decoder", dims["num_decoder_layers"])):
        for b in range(layers):
            parts = ["SelfAttention"] + (["EncDecAttention"] if stack == "decoder" else [])
            for i, part in enumerate(parts):
                for name, shape in attention.items():
                    shapes[f"{stack}.block.{b}.layer.{i}.{part}.{name}.weight"] = shape
                shapes[f"{stack}.block.{b}.layer.{i}.layer_norm.weight"] = (width,)
            for name, shape in ff.items():
                shapes[f"{stack}.block.{b}.layer.{len(parts)}.DenseReluDense.{name}.weight"] = shape
            shapes[f"{stack}.block.{b}.layer.{len(parts)}.layer_norm.weight"] = (width,)
        shapes[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = (
            dims["relative_attention_num_buckets"], dims["num_heads"])
        shapes[f"{stack}.final_layer_norm.weight"] = (width,)
    return shapes


def config_dict(dims: dict = TINY) -> dict:
    """As google/metricx-24-hybrid-*-v2p6 publish it, at the given size."""
    return {
        "architectures": ["MT5ForRegression"], "classifier_dropout": 0.0, "decoder_start_token_id": 0,
        "dense_act_fn": "gelu_new", "dropout_rate": 0.1, "eos_token_id": 1, "feed_forward_proj": "gated-gelu",
        "initializer_factor": 1.0, "is_encoder_decoder": True, "is_gated_act": True, "layer_norm_epsilon": 1e-06,
        "model_type": "mt5", "output_past": True, "pad_token_id": 0, "tie_word_embeddings": False,
        "tokenizer_class": "T5Tokenizer", "torch_dtype": "float32", "use_cache": True, "vocab_size": VOCAB_SIZE,
        **dims,
    }


def write_tokenizer(out: Path, size: int = SPM_PIECES) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    write_spiece(out / "spiece.model", size)
    specials = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "additional_special_tokens": [], **specials}))
    (out / "special_tokens_map.json").write_text(json.dumps(specials))
    return out


def build_tiny_metricx(out: Path, seed: int = 1234, weights: str = "model.safetensors",
                       with_tokenizer: bool = True, dims: dict = TINY, q_scale: float = 1.0,
                       head_scale: float = -4.0) -> Path:
    """A MetricX model directory with seeded random weights. For benchmarks: ``dims`` another
    size, ``q_scale`` d_kv**-0.5 as T5 initialises queries (deep random stacks stay well
    conditioned), ``head_scale`` to keep the scores inside [0, 25]."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in sorted(_shapes(dims).items()):
        if name.endswith("layer_norm.weight"):
            state[name] = 1.0 + 0.1 * torch.randn(shape, generator=generator)
        elif name.startswith("shared") or "relative_attention_bias" in name:
            state[name] = torch.randn(shape, generator=generator)
        elif name.startswith("lm_head"):  # scaled so the scores spread over [0, 25], one clipped
            state[name] = head_scale * torch.randn(shape, generator=generator)
        else:
            scale = q_scale if name.endswith(".q.weight") else 1.0
            state[name] = torch.randn(shape, generator=generator) * (scale * shape[1] ** -0.5)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config_dict(dims), indent=2))
    if weights == "model.safetensors":
        from safetensors.torch import save_file

        save_file(state, str(out / weights), metadata={"format": "pt"})
    else:
        torch.save(state, out / weights)
    if with_tokenizer:
        write_tokenizer(out)
    return out


def _expected_from_metricx(root: Path) -> dict:
    """Run MetricX's own predict.py (only importable in the throwaway venv)."""
    import os
    import subprocess

    reference = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "metricx"
    directory = build_tiny_metricx(root / "model")
    rows = [{"source": s, "hypothesis": h, "reference": r} for s, h, r in zip(SOURCES, HYPOTHESES, REFERENCES)]
    (root / "input.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    results = {}
    for mode, flags in (("reference", []), ("qe", ["--qe"])):
        output = root / f"{mode}.jsonl"
        subprocess.run([sys.executable, "-m", "metricx24.predict", "--tokenizer", str(directory),
                        "--model_name_or_path", str(directory), "--max_input_length", str(MAX_INPUT_LENGTH),
                        "--batch_size", "1", "--input_file", str(root / "input.jsonl"),
                        "--output_file", str(output), *flags], cwd=reference, check=True,
                       env={**os.environ, "HF_HOME": str(root / "hf"), "CUDA_VISIBLE_DEVICES": ""})
        results[mode] = [round(json.loads(line)["prediction"], 7) for line in output.read_text().splitlines()]
    return results


# ---------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_metricx(tmp_path_factory.mktemp("tiny-metricx") / "model")


def _scores(metric, references) -> list[float]:
    return metric.segment_stats(HYPOTHESES, metric.prepare(SOURCES, references))[:, 0].tolist()


def test_metricx_equals_published_predict(tiny):
    from eval.metrics.neural.metricx import MetricX

    metric = MetricX(model=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    assert _scores(metric, [REFERENCES]) == pytest.approx(EXPECTED["reference"], abs=1e-5)
    assert metric.counts == {"empty_hypotheses": 1, "truncated": 1}
    assert metric.higher_is_better is False


def test_metricx_qe_equals_published_predict(tiny):
    from eval.metrics.neural.metricx import MetricXQE

    metric = MetricXQE(model=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    assert _scores(metric, []) == pytest.approx(EXPECTED["qe"], abs=1e-5)
    assert metric.counts == {"empty_hypotheses": 1, "truncated": 1}
    assert EXPECTED["qe"][0] == 25.0  # clipped, as MetricX clips


def test_several_references_average_the_per_reference_scores(tiny):
    from eval.metrics.neural.metricx import MetricX

    metric = MetricX(model=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    other = HYPOTHESES[1:] + HYPOTHESES[:1]
    single = _scores(metric, [other])
    both = _scores(metric, [REFERENCES, other])
    assert both == pytest.approx([(a + b) / 2 for a, b in zip(EXPECTED["reference"], single)], abs=1e-5)
    assert metric.signature(2) != metric.signature(1)


def test_bin_weights_and_tokenizer_option(tiny, tmp_path):
    """pytorch_model.bin, no tokenizer in the folder: -o metricx.tokenizer=PATH names it."""
    from eval.metrics.neural.metricx import MetricXQE

    bare = build_tiny_metricx(tmp_path / "bare", weights="pytorch_model.bin", with_tokenizer=False)
    metric = MetricXQE(model=str(bare), tokenizer=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    assert _scores(metric, []) == pytest.approx(EXPECTED["qe"], abs=1e-5)
    assert f"tokenizer:{tiny}:" in metric.signature(0)


def test_sharded_safetensors(tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricXQE, load_metricx, locate

    folder = tmp_path / "sharded"
    folder.mkdir()
    (folder / "config.json").write_text((tiny / "config.json").read_text())
    state = load_file(str(tiny / "model.safetensors"))
    shards = {"model-00001-of-00002.safetensors": {k: v for k, v in state.items() if not k.startswith("decoder.")},
              "model-00002-of-00002.safetensors": {k: v for k, v in state.items() if k.startswith("decoder.")}}
    for name, tensors in shards.items():
        save_file(tensors, str(folder / name), metadata={"format": "pt"})
    weight_map = {k: name for name, tensors in shards.items() for k in tensors}
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    metric = MetricXQE(model=str(folder), tokenizer=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    assert _scores(metric, []) == pytest.approx(EXPECTED["qe"], abs=1e-5)
    (folder / "model-00002-of-00002.safetensors").unlink()
    load_metricx.cache_clear()
    locate.cache_clear()
    with pytest.raises(UserError, match="shard model-00002-of-00002.safetensors is missing"):
        MetricXQE(model=str(folder), tokenizer=str(tiny), device="cpu").segment_stats(["x"], {"src": ["y"], "refs": [None]})


def _layout(tmp_path: Path, tiny: Path, name: str, **config) -> Path:
    """A checkpoint folder sharing the tiny weights, with config.json edited."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.safetensors").symlink_to(tiny / "model.safetensors")
    (folder / "config.json").write_text(json.dumps({**config_dict(), **config}))
    return folder


@pytest.mark.parametrize("edit, needle", [
    ({"model_type": "t5"}, "model_type='t5'"),
    ({"architectures": ["MT5ForConditionalGeneration"]}, "architectures=['MT5ForConditionalGeneration']"),
    ({"vocab_size": 32128}, "vocab_size=32128"),
    ({"d_model": "wide"}, "d_model='wide'"),
    ({"is_encoder_decoder": False}, "is_encoder_decoder=False"),
    ({"tie_word_embeddings": "no"}, "tie_word_embeddings='no'"),
])
def test_unexpected_config_names_the_key(tiny, tmp_path, edit, needle):
    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricX

    folder = _layout(tmp_path, tiny, "edited", **edit)
    with pytest.raises(UserError, match=needle.replace("[", r"\[").replace("]", r"\]")) as err:
        MetricX(model=str(folder), tokenizer=str(tiny)).signature(1)
    assert str(folder / "config.json") in str(err.value) and "\n" not in str(err.value)


def test_unexpected_layout(tiny, tmp_path):
    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricX

    for folder, needle in [(tmp_path / "absent", "does not exist"), (tmp_path, "no config.json")]:
        with pytest.raises(UserError, match=needle):
            MetricX(model=str(folder)).signature(1)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(UserError, match="config.json: not valid JSON"):
        MetricX(model=str(tmp_path)).signature(1)
    (tmp_path / "config.json").write_text(json.dumps(config_dict()))
    with pytest.raises(UserError, match="no model.safetensors or pytorch_model.bin"):
        MetricX(model=str(tmp_path)).signature(1)
    (tmp_path / "model.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(UserError, match="model.safetensors: not a readable weight file"):
        MetricX(model=str(tmp_path), tokenizer=str(tiny)).segment_stats(["x"], {"src": ["y"], "refs": [["z"]]})


def test_tensors_that_do_not_fit_the_config(tiny):
    from eval.errors import UserError
    from eval.models.metricx_checkpoint import find_metricx, read_state_dict
    from eval.models.metricx_model import MetricXModel
    from transformers import MT5Config

    state = read_state_dict(find_metricx(tiny))
    config = MT5Config.from_dict(config_dict())
    extra = {**state, "classifier.weight": torch.zeros(1)}
    missing = {k: v for k, v in state.items() if k != "decoder.final_layer_norm.weight"}
    wrong = {**state, "encoder.final_layer_norm.weight": torch.zeros(WIDTH + 1)}
    for tensors, needle in [(extra, "unexpected tensor 'classifier.weight'"),
                            (missing, "lacks 'decoder.final_layer_norm.weight'"),
                            (wrong, "'encoder.final_layer_norm.weight' has shape \\(17,\\)")]:
        with pytest.raises(UserError, match=needle):
            MetricXModel.from_state(config, False, tensors, str(tiny))


def test_tokenizer_that_does_not_match_the_checkpoint(tiny, tmp_path):
    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricX

    small = write_tokenizer(tmp_path / "t5-like", size=400)
    metric = MetricX(model=str(tiny), tokenizer=str(small), device="cpu")
    with pytest.raises(UserError, match=f"tokenizer has 400 tokens but the checkpoint .* has {VOCAB_SIZE}"):
        metric.segment_stats(["x"], metric.prepare(["y"], [["z"]]))


def test_default_tokenizer_is_the_mt5_of_its_size_and_fails_fast_offline(tiny, tmp_path, monkeypatch):
    import time

    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricX

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    large = _layout(tmp_path, tiny, "large", d_model=1024)
    start = time.monotonic()
    with pytest.raises(UserError, match="google/mt5-large .*offline") as err:
        MetricX(model=str(large)).signature(1)
    assert time.monotonic() - start < 10 and "\n" not in str(err.value)
    odd = _layout(tmp_path, tiny, "odd")
    with pytest.raises(UserError, match="d_model=16 is no mT5 size; name the tokenizer with -o metricx.tokenizer"):
        MetricX(model=str(odd)).signature(1)
    with pytest.raises(UserError, match="google/metricx-24-hybrid-large-v2p6 .*offline"):
        MetricX().signature(1)


def test_bad_options_and_missing_inputs(tiny):
    from eval.errors import UserError
    from eval.metrics.neural.metricx import MetricX, MetricXQE

    for options, needle in [({"batch_size": "many"}, "option 'batch_size': expected a positive integer, got 'many'"),
                            ({"max_input_length": 1}, "option 'max_input_length': expected an integer >= 2, got 1"),
                            ({"max_input_length": True}, "option 'max_input_length': expected an integer"),
                            ({"layer": 3}, "unknown option 'layer'")]:
        with pytest.raises(UserError, match=needle):
            MetricX(model=str(tiny), **options)
    with pytest.raises(UserError, match="needs a reference; use 'metricx-qe'"):
        MetricX(model=str(tiny)).prepare(SOURCES, [])
    for metric in (MetricX(model=str(tiny)), MetricXQE(model=str(tiny))):
        with pytest.raises(UserError, match="needs the source segments"):
            metric.prepare([""] * 3, [["a", "b", "c"]])


def test_cli_scores_and_refuses_in_one_line(tiny, tmp_path, cli):
    files = {}
    for name, lines in (("src.de", SOURCES), ("ref.en", REFERENCES), ("hyp.en", HYPOTHESES)):
        files[name] = tmp_path / name
        files[name].write_text("".join(line.replace("\t", " ") + "\n" for line in lines), encoding="utf-8")
    common = ["score", "--refs", files["ref.en"], "--hyps", files["hyp.en"], "-l", "de-en", "--model", tiny,
              "-o", f"metricx.max_input_length={MAX_INPUT_LENGTH}"]
    code, out, err = cli(*common, "--src", files["src.de"], "-m", "metricx", "--format", "json")
    assert code == 0, err
    entry = json.loads(out)["systems"]["hyp.en"]["metricx"]
    assert entry["signature"].startswith(f"metricx|model:{tiny}|weights:")
    assert 0 <= entry["score"] <= 25

    for args, needle in [(common + ["-m", "metricx"], "needs the source segments"),
                         (common + ["--src", files["src.de"], "-m", "metricx", "-o", "metricx.batch_size=all"],
                          "'metricx.batch_size=all': expected a positive integer, got 'all'"),
                         (["score", "--src", files["src.de"], "--refs", files["ref.en"], "--hyps", files["hyp.en"],
                           "-l", "de-en", "-m", "metricx-qe", "--model", tmp_path], "no config.json")]:
        code, _, err = cli(*args)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("mteval: error: ") and needle in lines[0], err


def _scored_run(folder: Path, tiny: Path, hypotheses: list[str]) -> Path:
    """A run directory written by the real pipeline: one system scored by metricx."""
    from eval.corpora.model import TestSet
    from eval.pipeline import evaluate
    from eval.report.write import write_run
    from eval.results import Run

    ts = TestSet("tiny", "de", "en", SOURCES, {"A": REFERENCES}, {"mt": hypotheses})
    specs = [{"name": "metricx", "model": str(tiny), "max_input_length": MAX_INPUT_LENGTH, "device": "cpu"}]
    run = Run("run", {"name": "run", "metrics": specs, "testsets": [{"name": "tiny", "langs": "de-en"}]})
    evaluate(run, ts, specs, "auto", None, 1)
    write_run(run, folder)
    return folder


def test_gate_fails_when_metricx_rises_and_reports_say_lower_is_better(tiny, tmp_path, capsys):
    """MetricX counts errors: a system whose score goes up regressed."""
    from eval.commands.check import run_check
    from eval.metrics.neural.metricx import MetricX

    metric = MetricX(model=str(tiny), max_input_length=MAX_INPUT_LENGTH, device="cpu")
    candidates = [HYPOTHESES, REFERENCES]
    means = [float(metric.segment_stats(c, metric.prepare(SOURCES, [REFERENCES]))[:, 0].mean()) for c in candidates]
    better, worse = (candidates[0], candidates[1]) if means[0] < means[1] else (candidates[1], candidates[0])
    good = _scored_run(tmp_path / "good", tiny, better)
    bad = _scored_run(tmp_path / "bad", tiny, worse)

    assert run_check(_check_args(bad, good)) == 1
    out = capsys.readouterr().out
    assert "| tiny | mt | metricx (lower is better) |" in out and "❌ regressed" in out
    assert run_check(_check_args(good, bad)) == 0
    assert "❌" not in capsys.readouterr().out

    assert "metricx ↓" in (good / "leaderboard.md").read_text()
    system_md = next((good / "systems").rglob("mt.md")).read_text()
    assert "| metricx ↓ |" in system_md and "segments by metricx ↓" in system_md
    results = json.loads((good / "results.json").read_text())
    assert results["testsets"]["tiny"]["metrics"]["metricx"]["higher_is_better"] is False


def _check_args(current: Path, baseline: Path):
    import argparse

    from eval.commands import check

    parser = argparse.ArgumentParser()
    check.register(parser.add_subparsers())
    return parser.parse_args(["check", str(current), "--baseline", str(baseline)])


if __name__ == "__main__":  # run under the throwaway MetricX venv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(_expected_from_metricx(Path(tmp)), sys.stdout, indent=1)
