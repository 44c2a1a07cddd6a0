"""Reading MetricX-24 checkpoints as Google publishes them, without MetricX's code.

A MetricX model directory holds ``config.json`` (an mT5 config whose
``architectures`` names ``MT5ForRegression``) and ``model.safetensors`` or
``pytorch_model.bin`` (possibly sharded, with an ``*.index.json``). The
tensors are those of an mT5 encoder-decoder: ``shared``, ``encoder.*``,
``decoder.*``, ``lm_head``. The tokenizer is usually not in the folder:
MetricX's README pairs each model with the mT5 tokenizer of its size.
Anything that does not fit this layout is refused with one line naming the
file and key, rather than guessed at.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.errors import UserError

SCORE_TOKEN = 250089  # <extra_id_10>: MetricX reads its score from this logit
ARCHITECTURE = "MT5ForRegression"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("spiece.model", "tokenizer.json", "tokenizer_config.json")
TOKENIZER_DOWNLOAD = (*TOKENIZER_FILES, "special_tokens_map.json")  # what to fetch of a hub tokenizer
REQUIRED = ("d_model", "d_kv", "d_ff", "num_layers", "num_heads", "vocab_size")
MT5_TOKENIZER_BY_WIDTH = {512: "google/mt5-small", 768: "google/mt5-base", 1024: "google/mt5-large",
                          2048: "google/mt5-xl", 4096: "google/mt5-xxl"}


@dataclass(frozen=True)
class MetricXCheckpoint:
    directory: Path
    config: dict[str, Any]
    weights: Path  # the weight file, or the shard index

    @property
    def has_tokenizer(self) -> bool:
        return any((self.directory / name).is_file() for name in TOKENIZER_FILES)

    @property
    def default_tokenizer(self) -> str:
        """The mT5 tokenizer of the model's size, as MetricX's README pairs them."""
        width = self.config["d_model"]
        if width not in MT5_TOKENIZER_BY_WIDTH:
            raise UserError(f"{self.directory / 'config.json'}: d_model={width} is no mT5 size; "
                            f"name the tokenizer with -o metricx.tokenizer=PATH|HUB_ID")
        return MT5_TOKENIZER_BY_WIDTH[width]

    def weight_files(self) -> list[Path]:
        if not self.weights.name.endswith(".index.json"):
            return [self.weights]
        try:
            shards = sorted(set(json.loads(self.weights.read_text(encoding="utf-8"))["weight_map"].values()))
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{self.weights}: not a shard index (no weight_map)") from exc
        missing = [s for s in shards if not (self.directory / s).is_file()]
        if missing:
            raise UserError(f"{self.weights}: shard {missing[0]} is missing")
        return [self.directory / s for s in shards]


def find_metricx(path: Path) -> MetricXCheckpoint:
    """A model directory -> validated config and weight file."""
    path = Path(path)
    config_file = path / "config.json"
    if not path.is_dir() or not config_file.is_file():
        raise UserError(f"{path} is not a MetricX model directory (no config.json)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{config_file}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise UserError(f"{config_file}: expected a JSON object")
    check_config(config, config_file)
    weights = next((path / name for name in WEIGHT_FILES if (path / name).is_file()), None)
    if weights is None:
        raise UserError(f"{path} is not a MetricX model directory (no model.safetensors or pytorch_model.bin)")
    return MetricXCheckpoint(path, config, weights)


def check_config(config: dict[str, Any], where: Path) -> None:
    """Refuse, naming the key, a config that is not an mT5 regression model."""
    if config.get("model_type") != "mt5":
        raise UserError(f"{where}: model_type={config.get('model_type')!r}, MetricX models are 'mt5'")
    architectures = config.get("architectures") or []
    if ARCHITECTURE not in architectures:
        raise UserError(f"{where}: architectures={architectures!r}, MetricX models are {ARCHITECTURE!r}")
    for key in REQUIRED:
        value = config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise UserError(f"{where}: {key}={value!r}, expected a positive integer")
    if config["vocab_size"] <= SCORE_TOKEN:
        raise UserError(f"{where}: vocab_size={config['vocab_size']} has no row {SCORE_TOKEN}, "
                        f"where MetricX reads its score (the mT5 vocabulary has 250112)")
    if not isinstance(config.get("tie_word_embeddings", True), bool):
        raise UserError(f"{where}: tie_word_embeddings={config['tie_word_embeddings']!r}, expected true or false")
    if config.get("is_encoder_decoder", True) is not True:
        raise UserError(f"{where}: is_encoder_decoder={config['is_encoder_decoder']!r}, MetricX is encoder-decoder")


def read_state_dict(ckpt: MetricXCheckpoint) -> dict:
    """Every tensor of the checkpoint, in its stored dtype."""
    import torch

    state: dict = {}
    for file in ckpt.weight_files():
        try:
            if file.suffix == ".safetensors":
                from safetensors.torch import load_file

                state.update(load_file(str(file)))
            else:
                state.update(torch.load(file, map_location="cpu", weights_only=True))
        except Exception as exc:  # any reader failure means the file is not what it claims
            raise UserError(f"{file}: not a readable weight file ({str(exc).splitlines()[0]})") from exc
    return state
