"""Reading Unbabel COMET checkpoints without the ``unbabel-comet`` package.

A COMET model directory holds ``hparams.yaml`` and ``checkpoints/model.ckpt``
(a PyTorch Lightning checkpoint whose ``state_dict`` has the encoder under
``encoder.model.``, the layer mix under ``layerwise_attention.`` and the
estimator under ``estimator.ff.``). The encoder's config and tokenizer are
not in the checkpoint: they come from ``pretrained_model`` (a hub id such as
``xlm-roberta-large``, or a local directory), or from the ``encoder`` option.
Every hparams key is either used, checked, or known to matter only for
training; anything else is refused, naming the key, rather than guessed at.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.errors import UserError

FAMILIES = ("regression_metric", "referenceless_regression_metric", "unified_metric", "xcomet_metric")
# Families that encode mt, src and ref jointly and score the first token; xCOMET
# adds a token-level error tagger (``hidden2tag``) on hidden state ``word_layer``.
UNIFIED = ("unified_metric", "xcomet_metric")
XCOMET_LABELS = ["minor", "major", "critical"]
ENCODERS = ("XLM-RoBERTa", "XLM-RoBERTa-XL")
TRANSFORMATIONS = ("softmax", "sparsemax", "sparsemax_patch")
POOLS = ("avg", "max", "cls", "default")
TRAINING_ONLY = {
    "nr_frozen_epochs", "keep_embeddings_frozen", "optimizer", "warmup_steps", "encoder_learning_rate",
    "learning_rate", "layerwise_decay", "loss", "dropout", "batch_size", "train_data", "validation_data",
    "load_pretrained_weights", "local_files_only", "loss_lambda", "cross_entropy_weights",
    "word_level_training",
}
USED = {"class_identifier", "encoder_model", "pretrained_model", "pool", "layer", "sent_layer",
        "layer_transformation", "layer_norm", "hidden_sizes", "activations", "final_activation",
        "input_segments", "word_layer", "error_labels"}


@dataclass
class CometCheckpoint:
    directory: Path
    checkpoint: Path
    hparams: dict[str, Any]

    @property
    def family(self) -> str:
        return self.hparams["class_identifier"]

    @property
    def layer(self) -> str | int:
        key = "sent_layer" if self.family in UNIFIED else "layer"
        return self.hparams.get(key, "mix")

    @property
    def input_segments(self) -> list[str]:
        if self.family == "xcomet_metric":  # XCOMETMetric sets these whatever hparams.yaml says
            return ["mt", "src", "ref"]
        return list(self.hparams.get("input_segments", ["mt", "src", "ref"]))


def find_checkpoint(path: Path) -> CometCheckpoint:
    """A model directory (or its ``checkpoints/model.ckpt``) -> validated hparams."""
    import yaml

    from eval.safe_yaml import load_yaml

    path = Path(path)
    ckpt = path if path.is_file() else path / "checkpoints" / "model.ckpt"
    if not ckpt.is_file():
        raise UserError(f"{path} is not a COMET model directory (no checkpoints/model.ckpt)")
    directory = ckpt.parent.parent
    hparams_file = directory / "hparams.yaml"
    if not hparams_file.is_file():
        raise UserError(f"{directory} is not a COMET model directory (no hparams.yaml beside checkpoints/)")
    try:
        hparams = load_yaml(hparams_file.read_text(encoding="utf-8"), hparams_file) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{hparams_file}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    check_hparams(hparams, hparams_file)
    return CometCheckpoint(directory, ckpt, hparams)


def check_hparams(hparams: dict[str, Any], where: Path) -> None:
    """Refuse, naming the key, any setting the forward pass here does not implement."""
    for key in hparams:
        if key not in USED and key not in TRAINING_ONLY:
            raise UserError(f"{where}: unsupported COMET hparams key {key!r}")

    def need(key: str, allowed: tuple, default: Any) -> None:
        value = hparams.get(key, default)
        if value not in allowed:
            raise UserError(f"{where}: unsupported COMET hparams {key}={value!r} (supported: {', '.join(map(str, allowed))})")

    need("class_identifier", FAMILIES, None)
    need("encoder_model", ENCODERS, "XLM-RoBERTa")
    need("layer_transformation", TRANSFORMATIONS, "softmax")
    need("pool", POOLS, "avg")
    if "pretrained_model" not in hparams:
        raise UserError(f"{where}: COMET hparams lack 'pretrained_model' (the encoder's config and tokenizer)")
    layer_key = "sent_layer" if hparams["class_identifier"] in UNIFIED else "layer"
    layer = hparams.get(layer_key, "mix")
    if layer != "mix" and not isinstance(layer, int):
        raise UserError(f"{where}: unsupported COMET hparams {layer_key}={layer!r} (an integer or 'mix')")
    if hparams["class_identifier"] == "xcomet_metric":
        _check_xcomet(hparams, where)
    segments = hparams.get("input_segments", ["mt", "src", "ref"])
    if not segments or segments[0] != "mt" or not set(segments) <= {"mt", "src", "ref"}:
        raise UserError(f"{where}: unsupported COMET hparams input_segments={segments!r}")


def _check_xcomet(hparams: dict[str, Any], where: Path) -> None:
    """The tagger's settings: an integer hidden-state index and xCOMET's three severities."""
    word_layer = hparams.get("word_layer", 36)
    if not isinstance(word_layer, int) or isinstance(word_layer, bool):
        raise UserError(f"{where}: unsupported COMET hparams word_layer={word_layer!r} (an integer)")
    labels = hparams.get("error_labels", XCOMET_LABELS)
    if labels != XCOMET_LABELS:
        raise UserError(f"{where}: unsupported COMET hparams error_labels={labels!r} (xCOMET: {XCOMET_LABELS})")


def load_state_dict(ckpt: Path) -> dict:
    """The Lightning checkpoint's ``state_dict``; plain tensors first, full unpickling
    only for older checkpoints that store other objects beside them."""
    import pickle

    import torch

    try:
        data = torch.load(ckpt, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        data = torch.load(ckpt, map_location="cpu", weights_only=False)
    except (RuntimeError, OSError, EOFError) as exc:
        raise UserError(f"{ckpt}: not a readable PyTorch checkpoint ({str(exc).splitlines()[0]})") from exc
    state = data.get("state_dict", data) if isinstance(data, dict) else None
    if not isinstance(state, dict):
        raise UserError(f"{ckpt}: checkpoint has no state_dict")
    return state
