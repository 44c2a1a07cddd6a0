"""COMET/CometKiwi parity with the published ``unbabel-comet`` code.

A tiny COMET-format checkpoint (the real file layout and hparams keys, a
2-layer XLM-R encoder, random weights from a fixed seed) is built on the fly.
The expected scores below were computed by ``unbabel-comet`` 2.2.7 itself for
the very same checkpoint, in a throwaway virtualenv (its pins cannot sit beside
ours): ``python -m venv /tmp/cometvenv && /tmp/cometvenv/bin/pip install
torch==2.13.0 unbabel-comet pytest && /tmp/cometvenv/bin/python
tests/test_neural_comet.py`` prints them (see docs/MODELS.md). This module
therefore imports nothing from ``eval`` at top level.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

SOURCES = ["Der Hund bellt laut.", "Das Haus ist groß und alt.", "Wir gehen morgen in die Stadt.",
           "Ein sehr langer Satz " + "mit vielen Wörtern " * 12 + "am Ende.", "Guten Morgen!"]
HYPOTHESES = ["The dog barks loudly.", "The house is big and old.", "We go tomorrow into the city.",
              "A very long sentence " + "with many words " * 12 + "at the end.", ""]
REFERENCES = ["The dog is barking loudly.", "The house is large and old.", "Tomorrow we are going to town.",
              "A very long sentence with many words at the end.", "Good morning!"]

# Computed by unbabel-comet 2.2.7 (transformers 4.57.6, torch 2.13.0) for build_tiny_comet(..., family).
EXPECTED = {
    "regression_metric": [-0.0937147, -0.105114, 0.0434913, 0.003663, 0.1044682],
    "unified_metric": [0.3764451, 0.3765804, 0.3766059, 0.3769172, 0.3771291],
}


def _vocabulary() -> list[tuple[str, float]]:
    words = sorted({w for text in SOURCES + HYPOTHESES + REFERENCES for w in text.split()})
    chars = sorted({c for text in SOURCES + HYPOTHESES + REFERENCES for c in text if not c.isspace()})
    pieces = [f"\u2581{w}" for w in words[::2]] + ["\u2581"] + chars  # half the words need splitting
    specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    return specials + [(p, -1.0 - 0.01 * i) for i, p in enumerate(pieces)] + [("<mask>", 0.0)]


def random_encoder_state(shapes: dict, generator, n_states: int = 3) -> dict:
    """Seeded weights for the encoder and its layer mix, drawn in a fixed order
    (the expected values of the parity tests depend on that order)."""
    state = {}
    for name in sorted(shapes):
        if "LayerNorm" in name and name.endswith("weight"):
            state[f"encoder.model.{name}"] = 1.0 + 0.1 * torch.randn(shapes[name], generator=generator)
        else:
            state[f"encoder.model.{name}"] = 0.2 * torch.randn(shapes[name], generator=generator)
    for i in range(n_states):
        state[f"layerwise_attention.scalar_parameters.{i}"] = torch.randn(1, generator=generator)
    state["layerwise_attention.gamma"] = 1.0 + torch.rand(1, generator=generator)
    return state


def _write_encoder(out: Path) -> dict:
    """Tokenizer files and config of a tiny XLM-R, readable by transformers 4 and 5 alike."""
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = _vocabulary()
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    specials = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
                "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 38, **specials}))
    (out / "special_tokens_map.json").write_text(json.dumps(specials))
    config = transformers.XLMRobertaConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=40, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    config.save_pretrained(out)
    return {name: tuple(t.shape) for name, t in
            transformers.XLMRobertaModel(config, add_pooling_layer=False).state_dict().items()
            if not name.endswith(("position_ids", "token_type_ids"))}


def build_tiny_comet(out: Path, family: str) -> Path:
    """A COMET model directory (hparams.yaml + checkpoints/model.ckpt) with seeded random weights."""
    import yaml

    shapes = _write_encoder(out / "encoder")
    hidden, sizes = 32, [16, 8]
    generator = torch.Generator().manual_seed(1234 if family == "regression_metric" else 4321)
    state = random_encoder_state(shapes, generator)
    in_dim = hidden * (6 if family == "regression_metric" else 1)
    for index, (a, b) in zip((0, 3, 6), zip([in_dim, *sizes], [*sizes, 1])):
        state[f"estimator.ff.{index}.weight"] = 0.3 * torch.randn(b, a, generator=generator)
        state[f"estimator.ff.{index}.bias"] = 0.1 * torch.randn(b, generator=generator)
    common = {
        "activations": "Tanh", "batch_size": 4, "dropout": 0.1, "encoder_learning_rate": 1.0e-06,
        "encoder_model": "XLM-RoBERTa", "hidden_sizes": sizes, "keep_embeddings_frozen": True,
        "layerwise_decay": 0.95, "learning_rate": 1.5e-05, "load_pretrained_weights": False, "loss": "mse",
        "nr_frozen_epochs": 0.3, "optimizer": "AdamW", "pretrained_model": str(out / "encoder"),
        "train_data": ["data/train.csv"], "validation_data": ["data/dev.csv"], "warmup_steps": 0,
        "class_identifier": family,
    }
    if family == "regression_metric":  # as Unbabel/wmt22-comet-da
        hparams = {**common, "final_activation": None, "layer": "mix", "layer_norm": False,
                   "layer_transformation": "sparsemax", "pool": "avg"}
    else:  # as Unbabel/wmt22-cometkiwi-da
        hparams = {**common, "final_activation": "sigmoid", "sent_layer": "mix", "layer_norm": True,
                   "layer_transformation": "sparsemax", "word_layer": 2, "word_level_training": False,
                   "input_segments": ["mt", "src"], "loss_lambda": 0.65, "error_labels": ["minor", "major"],
                   "cross_entropy_weights": None}
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out / "hparams.yaml").write_text(yaml.safe_dump(hparams))
    torch.save({"state_dict": state, "hyper_parameters": hparams, "pytorch-lightning_version": "2.2.1",
                "epoch": 3, "global_step": 1000}, out / "checkpoints" / "model.ckpt")
    return out


def _expected_from_unbabel_comet(root: Path) -> dict:
    """Run the published package (only importable in the throwaway venv)."""
    from comet import load_from_checkpoint

    results = {}
    for family in EXPECTED:
        directory = build_tiny_comet(root / family, family)
        model = load_from_checkpoint(str(directory / "checkpoints" / "model.ckpt"))
        loaded = dict(model.state_dict())
        ours = torch.load(directory / "checkpoints" / "model.ckpt", weights_only=True)["state_dict"]
        assert all(torch.equal(loaded[k], v) for k, v in ours.items()), "checkpoint not loaded as written"
        data = [{"src": s, "mt": m, "ref": r} for s, m, r in zip(SOURCES, HYPOTHESES, REFERENCES)]
        results[family] = [round(float(x), 7) for x in model.predict(data, batch_size=2, gpus=0,
                                                                     progress_bar=False).scores]
    return results


# ---------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-comet")
    return {family: build_tiny_comet(root / family, family) for family in EXPECTED}


def test_comet_equals_unbabel_comet(tiny):
    from eval.metrics.neural.comet import COMET

    metric = COMET(model=str(tiny["regression_metric"]), device="cpu")
    prepared = metric.prepare(SOURCES, [REFERENCES])
    got = metric.segment_stats(HYPOTHESES, prepared)[:, 0]
    assert got.tolist() == pytest.approx(EXPECTED["regression_metric"], abs=1e-5)
    assert metric.counts == {"empty_hypotheses": 1, "truncated": 2}


def test_cometkiwi_equals_unbabel_comet(tiny):
    from eval.metrics.neural.comet import CometKiwi

    metric = CometKiwi(model=str(tiny["unified_metric"]), device="cpu")
    got = metric.segment_stats(HYPOTHESES, metric.prepare(SOURCES, []))[:, 0]
    assert got.tolist() == pytest.approx(EXPECTED["unified_metric"], abs=1e-5)


def test_unsupported_hparams_name_the_key(tiny, tmp_path):
    import shutil

    import yaml

    from eval.errors import UserError
    from eval.metrics.neural.comet import COMET, load_comet

    for key, value, needle in [("pool", "attention", "pool='attention'"), ("encoder_model", "RemBERT", "encoder_model"),
                               ("mystery_option", 3, "'mystery_option'")]:
        directory = tmp_path / key
        shutil.copytree(tiny["regression_metric"], directory)
        hparams = yaml.safe_load((directory / "hparams.yaml").read_text())
        hparams[key] = value
        (directory / "hparams.yaml").write_text(yaml.safe_dump(hparams))
        load_comet.cache_clear()
        with pytest.raises(UserError, match=needle) as err:
            COMET(model=str(directory)).signature(1)
        assert "\n" not in str(err.value)


def test_missing_checkpoint_is_a_user_error(tmp_path):
    from eval.errors import UserError
    from eval.metrics.neural.comet import COMET

    with pytest.raises(UserError, match="no checkpoints/model.ckpt"):
        COMET(model=str(tmp_path)).signature(1)
    with pytest.raises(UserError, match="does not exist"):
        COMET(model=str(tmp_path / "absent")).signature(1)


def test_family_mismatch_is_a_user_error(tiny):
    from eval.errors import UserError
    from eval.metrics.neural.comet import COMET, CometKiwi

    with pytest.raises(UserError, match="use metric 'cometkiwi'"):
        COMET(model=str(tiny["unified_metric"]), device="cpu").prepare(SOURCES[:1], [REFERENCES[:1]])
    with pytest.raises(UserError, match="use metric 'comet'"):
        CometKiwi(model=str(tiny["regression_metric"]), device="cpu").prepare(SOURCES[:1], [])


def test_offline_hub_default_names_the_model(monkeypatch, tmp_path):
    from eval.errors import UserError
    from eval.metrics.neural.comet import COMET

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(UserError, match="Unbabel/wmt22-comet-da.*offline"):
        COMET().signature(1)


if __name__ == "__main__":  # run under the throwaway unbabel-comet venv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(_expected_from_unbabel_comet(Path(tmp)), sys.stdout, indent=1)
