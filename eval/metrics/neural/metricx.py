"""MetricX-24 scores from Google's published checkpoints, run with transformers directly.

``metricx`` scores ``source: S candidate: H reference: R`` and ``metricx-qe``
scores ``source: S candidate: H``: MetricX-24 models are hybrids, one
checkpoint does both. Scores are predicted MQM-like error points in
[0, 25], so lower is better. Numbers equal MetricX's own ``predict.py`` for
the same checkpoint (see docs/MODELS.md for how that is established).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eval.errors import UserError
from eval.metrics.base import MeanScoreMetric
from eval.metrics.neural.common import library_versions, model_signature
from eval.values import POSITIVE, TEXT, Integer

DEFAULT_MODEL = "google/metricx-24-hybrid-large-v2p6"
MAX_INPUT_TOKENS = 1536  # what MetricX-24 was trained with
VOCAB_PADDING = 128  # mT5 pads its 250,100-token vocabulary to 250,112 embedding rows


def metricx_input(source: str, hypothesis: str, reference: str | None) -> str:
    """The text MetricX-24 was trained on (reference-based, or QE without ``reference``)."""
    text = f"source: {source} candidate: {hypothesis}"
    return text if reference is None else f"{text} reference: {reference}"


def _local_or_hub(name: str, patterns: tuple[str, ...] | None = None) -> tuple[Path, str]:
    """(local directory, hash naming its contents) for a path or a hub id."""
    path = Path(name).expanduser()
    if path.exists():
        return path.resolve(), ""
    if name.startswith((".", "/", "~")):
        raise UserError(f"model path {name} does not exist")
    from eval.models.loading import resolve_hub_id

    resolved = resolve_hub_id(name, allow_patterns=patterns)
    return resolved.path, resolved.weights_hash


@lru_cache(maxsize=None)
def _files_hash(directory: Path, suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for file in sorted(directory.iterdir()):
        if file.name.endswith(suffixes) and file.is_file():
            digest.update(file.name.encode())
            with open(file, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=4)
def locate(model: str, tokenizer: str | None):
    """Checkpoint and tokenizer on local disk with their hashes; reads no weights."""
    from eval.models.metricx_checkpoint import TOKENIZER_DOWNLOAD, find_metricx

    directory, weights_hash = _local_or_hub(model)
    ckpt = find_metricx(directory)
    weights_hash = weights_hash or _files_hash(directory, (".safetensors", ".bin", ".index.json"))
    if tokenizer:
        tok_dir, tok_hash = _local_or_hub(tokenizer, TOKENIZER_DOWNLOAD)
        tok_id = tokenizer
    elif ckpt.has_tokenizer:
        tok_dir, tok_hash, tok_id = directory, "", "checkpoint"
    else:
        tok_id = ckpt.default_tokenizer
        tok_dir, tok_hash = _local_or_hub(tok_id, TOKENIZER_DOWNLOAD)
    tok_hash = tok_hash or _files_hash(tok_dir, (".model", ".json"))
    return ckpt, weights_hash, tok_dir, f"{tok_id}:{tok_hash}"


@lru_cache(maxsize=2)
def load_metricx(model: str, tokenizer: str | None, device: str | None):
    """(model, tokenizer, device) ready for inference."""
    from eval.models.deps import require_transformers

    transformers = require_transformers("MetricX")
    from eval.models.loading import pick_device
    from eval.models.metricx_checkpoint import read_state_dict
    from eval.models.metricx_model import MetricXModel

    ckpt, _, tok_dir, _ = locate(model, tokenizer)
    try:
        tok = read_tokenizer(tok_dir)
    except UserError:
        raise
    except Exception as exc:  # any failure to read the files is about the user's tokenizer
        raise UserError(f"{tok_dir}: not a usable tokenizer for MetricX ({str(exc).splitlines()[0]})") from exc
    vocab = ckpt.config["vocab_size"]
    if not vocab - VOCAB_PADDING < len(tok) <= vocab:
        raise UserError(f"{tok_dir}: tokenizer has {len(tok)} tokens but the checkpoint {ckpt.directory} has "
                        f"{vocab} embedding rows: not the mT5 vocabulary it was trained with "
                        f"(pass the right one with -o metricx.tokenizer=PATH|HUB_ID)")
    try:
        config = transformers.MT5Config.from_dict({**ckpt.config, "attn_implementation": "sdpa"})
    except Exception as exc:  # transformers' own validation of the user's config
        raise UserError(f"{ckpt.directory / 'config.json'}: not a usable mT5 config ({str(exc).splitlines()[0]})") from exc
    tied = ckpt.config.get("tie_word_embeddings", True)  # transformers 4's default, which MetricX was written for
    net = MetricXModel.from_state(config, tied, read_state_dict(ckpt), str(ckpt.directory))
    device = pick_device(device)
    return net.to(device), tok, device


def read_tokenizer(directory: Path):
    """The folder's ``tokenizer.json`` if it has one, else its SentencePiece model
    (mT5 publishes only ``spiece.model``), read without the protobuf package."""
    from transformers import AutoTokenizer

    from eval.models.spiece import t5_tokenizer

    if not (directory / "tokenizer.json").is_file() and (directory / "spiece.model").is_file():
        return t5_tokenizer(directory)
    return AutoTokenizer.from_pretrained(directory)


class MetricX(MeanScoreMetric):
    """Reference-based MetricX-24 (default google/metricx-24-hybrid-large-v2p6)."""

    name = "metricx"
    higher_is_better = False
    needs_source = True
    with_reference = True
    # max_input_length: at least 2, room for one token and ``</s>``
    option_types = {"model": TEXT, "tokenizer": TEXT, "device": TEXT, "batch_size": POSITIVE,
                    "max_input_length": Integer(minimum=2)}

    def __init__(self, trg_lang: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.model_name = self.options.get("model") or DEFAULT_MODEL
        self.tokenizer_name = self.options.get("tokenizer") or None
        self.batch_size = self.options.get("batch_size", 32)
        self.max_length = self.options.get("max_input_length", MAX_INPUT_TOKENS)
        self.counts = {"empty_hypotheses": 0, "truncated": 0}

    def signature(self, n_refs: int) -> str:
        _, weights_hash, _, tokenizer = locate(self.model_name, self.tokenizer_name)
        refs = f"nrefs:{n_refs}" if self.with_reference else "qe"
        return (f"{self.name}|{model_signature(self.model_name, weights_hash)}|tokenizer:{tokenizer}"
                f"|maxlen:{self.max_length}|{refs}|{library_versions()}")

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        if self.with_reference and not references:
            raise UserError("metric 'metricx' needs a reference; use 'metricx-qe' for reference-free scoring")
        if sources and not any(s.strip() for s in sources):
            raise UserError(f"metric {self.name!r} needs the source segments (every source is empty; "
                            f"give them, e.g. --src FILE)")
        return {"src": list(sources), "refs": [list(r) for r in references] if self.with_reference else [None]}

    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        self.counts["empty_hypotheses"] += sum(not h.strip() for h in hypotheses)
        per_ref = []
        for ref in prepared["refs"]:
            texts = [metricx_input(s, h, None if ref is None else ref[i])
                     for i, (s, h) in enumerate(zip(prepared["src"], hypotheses))]
            per_ref.append(self._predict(self.fit_to_limit(self._tokenize(texts))))
        return self.stats_from_scores(np.mean(per_ref, axis=0) if hypotheses else np.zeros(0))

    # -- long inputs (eval/longinputs): source, candidate, reference are one input --
    joins_inputs = True

    @property
    def token_limit(self) -> int:
        """``max_input_length`` in the wrapper's terms: it sums the texts' own counts
        (one end-of-sequence token each), while the input adds the prompt's words."""
        texts = 3 if self.with_reference else 2
        prompt = len(self._tokenize([metricx_input("", "", "" if self.with_reference else None)])[0])
        return self.max_length - prompt + texts

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(row) for row in self._tokenize(list(texts))]

    # -- tokens --------------------------------------------------------
    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids as MetricX's tokenizer call makes them (end-of-sequence token included)."""
        tok = load_metricx(self.model_name, self.tokenizer_name, self.options.get("device"))[1]
        return tok(texts, add_special_tokens=True, truncation=False)["input_ids"] if texts else []

    def fit_to_limit(self, ids: list[list[int]]) -> list[list[int]]:
        """What MetricX's predict.py feeds the model: the input cut to ``max_input_length``
        with its end-of-sequence token, then that last token dropped. Inputs that
        needed cutting are counted and warned about. Under ``long_inputs=split``
        (eval/longinputs) a long segment's score then comes from its pieces."""
        from eval.models.encoding import warn_truncated

        long = sum(len(row) > self.max_length for row in ids)
        self.counts["truncated"] += long
        warn_truncated(f"{self.name} inputs", long, self.max_length)
        return [row[:self.max_length - 1] if len(row) > self.max_length else row[:-1] for row in ids]

    # -- model runs ----------------------------------------------------
    def _predict(self, ids: list[list[int]]) -> np.ndarray:
        """Scores in input order, batches formed from inputs of similar length."""
        import torch

        from eval.models.encoding import TOKEN_BUDGET, length_batches

        model, tok, device = load_metricx(self.model_name, self.tokenizer_name, self.options.get("device"))
        pad = tok.pad_token_id or 0
        out = np.zeros(len(ids))
        lengths = [max(len(row), 1) for row in ids]
        with torch.inference_mode():
            for batch in length_batches(lengths, budget=max(TOKEN_BUDGET, max(lengths)), max_batch=self.batch_size):
                width = max(lengths[i] for i in batch)
                input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    input_ids[row, :len(ids[i])] = torch.tensor(ids[i], dtype=torch.long)
                    mask[row, :len(ids[i])] = 1
                scores = model(input_ids.to(device), mask.to(device)).float().cpu().numpy()
                out[batch] = scores
        return out


class MetricXQE(MetricX):
    """Reference-free MetricX-24 (quality estimation) from the same hybrid checkpoints."""

    name = "metricx-qe"
    needs_references = False
    with_reference = False
