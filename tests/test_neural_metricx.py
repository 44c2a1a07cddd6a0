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
           "Ein sehr langer Satz " + "mit vielen Wörtern " * 12 + "am Ende.", "Guten Morgen!", "Danke."]
HYPOTHESES = ["The dog barks loudly.", "The house is big and old.", "We go tomorrow into the city.",
              "A very long sentence " + "with many words " * 12 + "at the end.", "", "Thanks a lot."]
REFERENCES = ["The dog is barking loudly.", "The house is large and old.", "Tomorrow we are going to town.",
              "A very long sentence with many words at the end.", "Good morning!", "Thank you."]
MAX_INPUT_LENGTH = 128  # small enough that the long segment is cut, as 1536 cuts documents

# Computed by MetricX's metricx24/predict.py (transformers 4.30.2, torch 2.13.0 CPU) for
# build_tiny_metricx(...): reference-based (default) and with --qe.
EXPECTED = {
    "reference": [],
    "qe": [],
}

VOCAB_SIZE = 250112  # mT5's embedding rows; its tokenizer has 250,100 pieces
SPM_PIECES = 250100
WIDTH, HEADS, D_KV, D_FF, ENC_LAYERS, DEC_LAYERS, BUCKETS = 16, 4, 4, 32, 2, 1, 8


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


def write_spiece(path: Path) -> None:
    """A unigram sentencepiece model written as protobuf by hand (no trainer, so it is the
    same file under every sentencepiece version): pad 0, eos 1, unk 2 as in mT5."""
    pieces = b"".join(_piece(t, s, k) for t, s, k in _vocabulary())
    trainer = (_int_field(3, 1) + _int_field(4, SPM_PIECES) + _int_field(40, 2) + _int_field(41, -1)
               + _int_field(42, 1) + _int_field(43, 0))
    normalizer = _field(1, b"identity") + _int_field(3, 1) + _int_field(4, 1) + _int_field(5, 1)
    path.write_bytes(pieces + _field(2, trainer) + _field(3, normalizer))


def _shapes() -> dict[str, tuple[int, ...]]:
    inner = HEADS * D_KV
    attention = {"q": (inner, WIDTH), "k": (inner, WIDTH), "v": (inner, WIDTH), "o": (WIDTH, inner)}
    ff = {"wi_0": (D_FF, WIDTH), "wi_1": (D_FF, WIDTH), "wo": (WIDTH, D_FF)}
    shapes = {"shared.weight": (VOCAB_SIZE, WIDTH), "lm_head.weight": (VOCAB_SIZE, WIDTH)}
    for stack, layers in (("encoder", ENC_LAYERS), ("decoder", DEC_LAYERS)):
        for b in range(layers):
            parts = ["SelfAttention"] + (["EncDecAttention"] if stack == "decoder" else [])
            for i, part in enumerate(parts):
                for name, shape in attention.items():
                    shapes[f"{stack}.block.{b}.layer.{i}.{part}.{name}.weight"] = shape
                shapes[f"{stack}.block.{b}.layer.{i}.layer_norm.weight"] = (WIDTH,)
            for name, shape in ff.items():
                shapes[f"{stack}.block.{b}.layer.{len(parts)}.DenseReluDense.{name}.weight"] = shape
            shapes[f"{stack}.block.{b}.layer.{len(parts)}.layer_norm.weight"] = (WIDTH,)
        shapes[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = (BUCKETS, HEADS)
        shapes[f"{stack}.final_layer_norm.weight"] = (WIDTH,)
    return shapes


def config_dict() -> dict:
    """As google/metricx-24-hybrid-*-v2p6 publish it, at toy size."""
    return {
        "architectures": ["MT5ForRegression"], "classifier_dropout": 0.0, "d_ff": D_FF, "d_kv": D_KV,
        "d_model": WIDTH, "decoder_start_token_id": 0, "dense_act_fn": "gelu_new", "dropout_rate": 0.1,
        "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0,
        "is_encoder_decoder": True, "is_gated_act": True, "layer_norm_epsilon": 1e-06, "model_type": "mt5",
        "num_decoder_layers": DEC_LAYERS, "num_heads": HEADS, "num_layers": ENC_LAYERS, "output_past": True,
        "pad_token_id": 0, "relative_attention_max_distance": 16, "relative_attention_num_buckets": BUCKETS,
        "tie_word_embeddings": False, "tokenizer_class": "T5Tokenizer", "torch_dtype": "float32",
        "use_cache": True, "vocab_size": VOCAB_SIZE,
    }


def write_tokenizer(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    write_spiece(out / "spiece.model")
    specials = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "additional_special_tokens": [], **specials}))
    (out / "special_tokens_map.json").write_text(json.dumps(specials))
    return out


def build_tiny_metricx(out: Path, seed: int = 1234, weights: str = "model.safetensors",
                       with_tokenizer: bool = True) -> Path:
    """A MetricX model directory with seeded random weights."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in sorted(_shapes().items()):
        if name.endswith("layer_norm.weight"):
            state[name] = 1.0 + 0.1 * torch.randn(shape, generator=generator)
        elif name.startswith("shared") or "relative_attention_bias" in name:
            state[name] = torch.randn(shape, generator=generator)
        elif name.startswith("lm_head"):  # scaled so the scores spread over [0, 25], one clipped
            state[name] = -3.8 * torch.randn(shape, generator=generator)
        else:
            state[name] = torch.randn(shape, generator=generator) * shape[1] ** -0.5
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config_dict(), indent=2))
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


if __name__ == "__main__":  # run under the throwaway MetricX venv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(_expected_from_metricx(Path(tmp)), sys.stdout, indent=1)
