"""COMET and CometKiwi scores from Unbabel checkpoints, run with transformers directly.

``comet`` uses source, hypothesis and reference (regression family, as
Unbabel/wmt22-comet-da, or a unified model given references); ``cometkiwi``
is reference-free (the unified family as Unbabel/wmt22-cometkiwi-da, or a
referenceless regression model). xCOMET checkpoints work with both and also
return each segment's error spans as the metric's payload (``spans``). For the regression family the source and
reference embeddings are computed once per test set in :meth:`prepare` and
reused for every system. Numbers equal the ``unbabel-comet`` package for the
same checkpoint (see docs/MODELS.md for how that is established).
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
from eval.models.comet_checkpoint import UNIFIED
from eval.values import POSITIVE, TEXT


@lru_cache(maxsize=None)
def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _model_dir(name: str) -> Path:
    path = Path(name).expanduser()
    if path.exists():
        return path
    if name.startswith((".", "/", "~")):
        raise UserError(f"model path {name} does not exist")
    from eval.models.loading import resolve_hub_id

    return resolve_hub_id(name).path


def _encoder_dir(name: str, hint: Path) -> Path:
    """Config and tokenizer of the checkpoint's encoder: a local directory, or the hub."""
    path = Path(name).expanduser()
    if not path.is_absolute() and (hint / name / "config.json").is_file():
        return hint / name
    if (path / "config.json").is_file():
        return path
    return _model_dir(name)


@lru_cache(maxsize=2)
def load_comet(name: str, encoder: str | None, device: str | None):
    """(checkpoint, model, tokenizer, device) ready for inference."""
    from eval.models.deps import require_transformers

    transformers = require_transformers("COMET")
    import torch

    from eval.models.comet_checkpoint import find_checkpoint, load_state_dict
    from eval.models.comet_model import CometModel
    from eval.models.loading import pick_device

    ckpt = find_checkpoint(_model_dir(name))
    encoder_path = _encoder_dir(encoder or ckpt.hparams["pretrained_model"], ckpt.directory)
    try:
        config = transformers.AutoConfig.from_pretrained(encoder_path)
        tokenizer = transformers.AutoTokenizer.from_pretrained(encoder_path)
    except Exception as exc:
        raise UserError(f"{encoder_path}: no usable encoder config/tokenizer for COMET ({str(exc).splitlines()[0]})") from exc
    torch.manual_seed(0)  # every weight is overwritten by the checkpoint; this only keeps init quiet and fixed
    model = CometModel(ckpt.hparams, transformers.AutoModel.from_config(config, add_pooling_layer=False),
                       tokenizer.pad_token_id)
    model.load_comet_state(load_state_dict(ckpt.checkpoint), str(ckpt.checkpoint))
    device = pick_device(device)
    return ckpt, model.to(device).eval(), tokenizer, device


class _CometBase(MeanScoreMetric):
    default_model = ""
    option_types = {"model": TEXT, "encoder": TEXT, "device": TEXT, "batch_size": POSITIVE}

    def __init__(self, trg_lang: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.model_name = self.options.get("model") or self.default_model
        self.counts = {"empty_hypotheses": 0, "truncated": 0}
        self.batch_size = self.options.get("batch_size", 16)

    @property
    def bundle(self):
        return load_comet(self.model_name, self.options.get("encoder"), self.options.get("device"))

    @property
    def payload(self) -> str | None:
        return "spans" if self.bundle[0].family == "xcomet_metric" else None

    def signature(self, n_refs: int) -> str:
        ckpt = self.bundle[0]
        return (f"{self.name}|{model_signature(self.model_name, _file_hash(ckpt.checkpoint))}"
                f"|family:{ckpt.family}|nrefs:{n_refs}|{library_versions()}")

    # -- tokens --------------------------------------------------------
    @property
    def max_positions(self) -> int:
        return self.bundle[1].encoder.config.max_position_embeddings - 2

    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """As COMET: special tokens added, cut at ``max_positions - 2`` tokens."""
        from eval.models.encoding import warn_truncated

        tokenizer, limit = self.bundle[2], self.max_positions - 2
        ids = tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"] if texts else []
        long = [i for i, row in enumerate(ids) if len(row) > limit]
        if long:
            cut = tokenizer([texts[i] for i in long], truncation=True, max_length=limit)["input_ids"]
            for i, row in zip(long, cut):
                ids[i] = row
        self.counts["truncated"] += len(long)
        warn_truncated(f"{self.name} inputs", len(long), limit)
        return ids

    def _joined(self, parts: list[list[int]]) -> list[int]:
        """``<s> a </s></s> b </s>...`` as COMET's concat_sequences builds it, cut at max_positions."""
        tokenizer = self.bundle[2]
        inner = [p[1:-1] for p in parts]
        seq = [tokenizer.cls_token_id, *inner[0], tokenizer.sep_token_id]
        for extra in inner[1:]:
            seq = [*seq, tokenizer.sep_token_id, *extra, tokenizer.sep_token_id]
        if sum(map(len, inner)) > self.max_positions - (1 + 2 * len(parts)):
            seq = seq[:self.max_positions]
        return seq

    # -- long inputs (eval/longinputs) ----------------------------------
    @property
    def joins_inputs(self) -> bool:
        return self.bundle[0].family == "unified_metric"

    @property
    def token_limit(self) -> int:
        """The joined input's limit for unified models, else each text's (as ``_tokenize``)."""
        return self.max_positions if self.joins_inputs else self.max_positions - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        from eval.models.encoding import token_counts

        return token_counts(self.bundle[2], texts)

    # -- model runs ----------------------------------------------------
    def _batched(self, ids: list[list[int]], run) -> list:
        import torch

        from eval.models.encoding import length_batches

        _, model, tokenizer, device = self.bundle
        out: list = [None] * len(ids)
        with torch.inference_mode():
            for batch in length_batches([len(r) for r in ids], budget=self.batch_size * 512, max_batch=self.batch_size):
                width = max(len(ids[i]) for i in batch)
                input_ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    input_ids[row, :len(ids[i])] = torch.tensor(ids[i])
                    mask[row, :len(ids[i])] = 1
                result = run(model, input_ids.to(device), mask.to(device))
                parts = [part.float().cpu() for part in (result if isinstance(result, tuple) else (result,))]
                for row, i in enumerate(batch):
                    out[i] = parts[0][row] if len(parts) == 1 else tuple(part[row] for part in parts)
        return out

    def _embed(self, texts: Sequence[str]):
        import torch

        rows = self._batched(self._tokenize(texts), lambda m, ids, mask: m.sentence_embedding(ids, mask))
        return torch.stack(rows) if rows else None

    def _unified(self, hyp_ids, others: list[list[list[int]]]) -> np.ndarray:
        joined = [self._joined([h, *(o[i] for o in others)]) for i, h in enumerate(hyp_ids)]
        return np.array([float(x) for x in self._batched(joined, lambda m, ids, mask: m.unified(ids, mask))])

    # -- xCOMET ---------------------------------------------------------
    def _xcomet(self, hypotheses: Sequence[str], passes: list[list[list[list[int]]]]) -> tuple[np.ndarray, list[list[dict]]]:
        """Final scores and error spans; ``passes`` holds, per model pass, the token
        ids joined after the hypothesis ([src], or [src], [ref], [src, ref])."""
        from eval.models.xcomet_spans import decode_spans, final_score, mix_probabilities

        hyp = self._tokenize(hypotheses)
        offsets = self._offsets(hypotheses)
        runs = []
        for others in passes:
            joined = [self._joined([h, *(o[i] for o in others)]) for i, h in enumerate(hyp)]
            rows = self._batched(joined, lambda m, ids, mask: m.tagged(ids, mask))
            runs.append([(float(score), probs[:len(hyp[i])].numpy()) for i, (score, probs) in enumerate(rows)])
        decode = self.bundle[2].decode
        scores, spans = [], []
        for i, ids in enumerate(hyp):
            found = decode_spans(ids, mix_probabilities([run[i][1] for run in runs]), offsets[i], decode)
            scores.append(final_score([run[i][0] for run in runs], found))
            spans.append(found)
        return np.array(scores, dtype=np.float64), spans

    def _offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each token (``<s>``/``</s>``: (0, 0)), cut as ``_tokenize`` cuts."""
        if not texts:
            return []
        encoded = self.bundle[2](list(texts), truncation=True, max_length=self.max_positions - 2,
                                 return_offsets_mapping=True)
        return encoded["offset_mapping"]

    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        return self.segment_stats_and_payloads(hypotheses, prepared)[0]

    def segment_stats_and_payloads(self, hypotheses: Sequence[str], prepared: Any) -> tuple[np.ndarray, list[str] | None]:
        import json

        self._count_empty(hypotheses)
        if self.payload is None:
            return self.stats_from_scores(self._scores(hypotheses, prepared)), None
        scores, spans = self._xcomet_scores(hypotheses, prepared)
        return self.stats_from_scores(scores), [json.dumps(s, ensure_ascii=False) for s in spans]

    def _count_empty(self, hypotheses: Sequence[str]) -> None:
        self.counts["empty_hypotheses"] += sum(not h.strip() for h in hypotheses)


class COMET(_CometBase):
    """Reference-based COMET (default Unbabel/wmt22-comet-da)."""

    name = "comet"
    needs_source = True
    default_model = "Unbabel/wmt22-comet-da"

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        ckpt = self.bundle[0]
        if not references:
            raise UserError("metric 'comet' needs a reference; use 'cometkiwi' for reference-free scoring")
        if ckpt.family in UNIFIED and "ref" not in ckpt.input_segments:
            raise UserError(f"{ckpt.directory}: this COMET model is reference-free (input_segments "
                            f"{ckpt.input_segments}): use metric 'cometkiwi'")
        if ckpt.family in UNIFIED:
            return {"src": self._tokenize(sources), "refs": [self._tokenize(r) for r in references]}
        if ckpt.family != "regression_metric":
            raise UserError(f"{ckpt.directory}: a {ckpt.family} checkpoint is reference-free: use metric 'cometkiwi'")
        return {"src": self._embed(sources), "refs": [self._embed(r) for r in references]}

    def _scores(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        import torch

        ckpt, model = self.bundle[0], self.bundle[1]
        if ckpt.family == "unified_metric":
            return self._unified_with_refs(hypotheses, prepared, ckpt.input_segments)
        mt = self._embed(hypotheses)
        per_ref = []
        with torch.inference_mode():
            for ref in prepared["refs"]:
                device = next(model.parameters()).device
                per_ref.append(model.regression(mt.to(device), prepared["src"].to(device), ref.to(device)).float().cpu().numpy())
        return np.mean(per_ref, axis=0)

    def _xcomet_scores(self, hypotheses, prepared) -> tuple[np.ndarray, list[list[dict]]]:
        """Three passes per reference; several references: the mean score, and the
        spans found with the first reference."""
        src = prepared["src"]
        results = [self._xcomet(hypotheses, [[src], [ref], [src, ref]]) for ref in prepared["refs"]]
        return np.mean([scores for scores, _ in results], axis=0), results[0][1]

    def _unified_with_refs(self, hypotheses, prepared, segments) -> np.ndarray:
        hyp = self._tokenize(hypotheses)
        scores = []
        for ref in prepared["refs"]:
            if "src" in segments and "ref" in segments:  # COMET averages the three input combinations
                parts = [self._unified(hyp, [prepared["src"]]), self._unified(hyp, [ref]),
                         self._unified(hyp, [prepared["src"], ref])]
                scores.append(np.mean(parts, axis=0))
            else:
                scores.append(self._unified(hyp, [ref]))
        return np.mean(scores, axis=0)


class CometKiwi(_CometBase):
    """Reference-free COMET quality estimation (default Unbabel/wmt22-cometkiwi-da)."""

    name = "cometkiwi"
    needs_source = True
    needs_references = False
    default_model = "Unbabel/wmt22-cometkiwi-da"

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        ckpt = self.bundle[0]
        if ckpt.family == "regression_metric":
            raise UserError(f"{ckpt.directory}: a reference-based COMET checkpoint: use metric 'comet'")
        if ckpt.family in UNIFIED and "src" not in ckpt.input_segments:
            raise UserError(f"{ckpt.directory}: this unified COMET model was trained without sources: use 'comet'")
        if ckpt.family in UNIFIED:
            return self._tokenize(sources)
        return self._embed(sources)

    def _scores(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        import torch

        ckpt, model = self.bundle[0], self.bundle[1]
        if ckpt.family == "unified_metric":
            return self._unified(self._tokenize(hypotheses), [prepared])
        mt = self._embed(hypotheses)
        device = next(model.parameters()).device
        with torch.inference_mode():
            return model.regression(mt.to(device), prepared.to(device), None).float().cpu().numpy()

    def _xcomet_scores(self, hypotheses, prepared) -> tuple[np.ndarray, list[list[dict]]]:
        return self._xcomet(hypotheses, [[prepared]])
