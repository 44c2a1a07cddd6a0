"""BERTScore (Zhang et al., 2020) over any transformers encoder, offline e5 by default.

Numbers equal the ``bert-score`` package given the same model and layer:
texts are stripped, encoded with special tokens and cut at the model limit;
token vectors of the chosen layer are L2-normalised; each hypothesis token is
matched to its most similar reference token (precision) and vice versa
(recall), weighted by idf (special tokens weigh 0); empty hypotheses or
references score 0; with several references each of P, R and F1 is the
maximum over references; optional baseline rescaling ``(x - b) / (1 - b)``.
One deliberate difference: ``bert-score`` lets padding inside a batch count
as a similarity of 0, so a token whose best match is negative scores 0 there
in some batches; here a token always gets its true best match.

Reference token vectors are computed once in :meth:`prepare` and shared by
every system of the test set.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from eval.errors import UserError
from eval.metrics.neural.common import EncoderMetric, library_versions, model_signature
from eval.values import FLAG, TEXT, Choice, Integer, Number

SCORES = ("f1", "precision", "recall")


@dataclass
class PreparedReferences:
    vectors: list[list[Any]]  # per reference stream, per segment: (tokens, dim) tensor
    weights: list[list[Any]]  # matching idf weights, normalised to sum 1
    idf: dict[int, float] | None
    n_refs_docs: int


class BERTScore(EncoderMetric):
    name = "bertscore"
    option_types = {"model": TEXT, "layer": Integer(minimum=0), "idf": FLAG, "score": Choice(SCORES),
                    "baseline": Number(below=1), "device": TEXT}

    def __init__(self, trg_lang: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.score_kind = self.options.get("score", "f1")
        self.use_idf = self.options.get("idf", False)
        self.cacheable = not self.use_idf
        self.baseline = self.options.get("baseline")
        self.counts = {"empty_hypotheses": 0, "truncated": 0}

    # -- model ---------------------------------------------------------
    @property
    def layer(self) -> int:
        """The layer whose output is used; default three quarters of the depth
        (bert-score's choice for most 12-layer encoders is 9 or 10)."""
        from eval.models.loading import model_config

        layers = model_config(self.resolved.path).num_hidden_layers
        layer = self.options.get("layer")
        layer = round(layers * 3 / 4) if layer is None else layer
        if not 0 <= layer <= layers:
            raise UserError(f"option 'layer' of metric 'bertscore' must be between 0 and {layers}, got {layer}")
        return layer

    def signature(self, n_refs: int) -> str:
        resolved = self.resolved
        rescale = f"rescale:{self.baseline}" if self.baseline is not None else "rescale:no"
        return (f"bertscore|{self.score_kind}|{model_signature(resolved.model_id, resolved.weights_hash)}"
                f"|layer:{self.layer}|idf:{'refs' if self.use_idf else 'no'}|{rescale}|nrefs:{n_refs}"
                f"|{library_versions()}")

    # -- statistics ----------------------------------------------------
    def _vectors(self, texts: Sequence[str], what: str) -> tuple[list[list[int]], list]:
        from eval.models.encoding import encode, tokenize, warn_truncated

        tokens = tokenize(self.loaded, [self.model_text(t) for t in texts])
        self.counts["truncated"] += tokens.truncated
        warn_truncated(what, tokens.truncated, self.loaded.max_length)

        def normalised(hidden, mask):
            lengths = mask.sum(1).tolist()
            unit = hidden / hidden.norm(dim=-1, keepdim=True)
            return [unit[row, :n] for row, n in enumerate(lengths)]

        return tokens.ids, encode(self.loaded, tokens.ids, self.layer, normalised, desc=f"bertscore {what}")

    def model_text(self, text: str) -> str:
        return text.strip()

    def _weights(self, ids: list[int], idf: dict[int, float] | None, n_docs: int):
        import torch

        tokenizer = self.loaded.tokenizer
        if idf is None:
            specials = {tokenizer.cls_token_id, tokenizer.sep_token_id}
            w = [0.0 if t in specials else 1.0 for t in ids]
        else:
            default = math.log(n_docs + 1)
            w = [idf.get(t, default) for t in ids]
        return torch.tensor(w, dtype=torch.float32)

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> PreparedReferences:
        streams = [list(stream) for stream in references]
        all_refs = [seg for stream in streams for seg in stream]
        idf = None
        ref_ids, ref_vecs = self._vectors(all_refs, "references") if all_refs else ([], [])
        if self.use_idf:
            df = Counter(t for ids in ref_ids for t in set(ids))
            idf = {t: math.log((len(all_refs) + 1) / (c + 1)) for t, c in df.items()}
        vectors, weights, start = [], [], 0
        for stream in streams:
            vectors.append(ref_vecs[start:start + len(stream)])
            weights.append([self._weights(ids, idf, len(all_refs)) for ids in ref_ids[start:start + len(stream)]])
            start += len(stream)
        return PreparedReferences(vectors, weights, idf, len(all_refs))

    def batch_plan(self, hypotheses, sources, references) -> list[list[int]] | None:
        """The batches ``encode`` forms from the hypotheses' token counts (cut at the
        limit): a batch's size follows from its first (longest) row alone, so a union
        of whole batches, length-sorted again, is cut into the same batches."""
        from eval.models.encoding import length_batches

        limit = self.token_limit
        return list(length_batches([min(n, limit) for n in self.count_tokens(hypotheses)]))

    def select_prepared(self, prepared: PreparedReferences, rows) -> PreparedReferences:
        return PreparedReferences([[stream[i] for i in rows] for stream in prepared.vectors],
                                  [[stream[i] for i in rows] for stream in prepared.weights],
                                  prepared.idf, prepared.n_refs_docs)

    def segment_stats(self, hypotheses: Sequence[str], prepared: PreparedReferences) -> np.ndarray:
        import torch

        if not prepared.vectors:
            raise UserError("metric 'bertscore' needs at least one reference")
        hyp_ids, hyp_vecs = self._vectors(hypotheses, "hypotheses")
        self.counts["empty_hypotheses"] += sum(not h.strip() for h in hypotheses)
        special = 2  # a text of only special tokens is empty: bert-score scores it 0
        best = np.full((len(hypotheses), 3), -np.inf)
        with torch.inference_mode():
            for s, (vectors, weights) in enumerate(zip(prepared.vectors, prepared.weights)):
                for i, (h_ids, h_vec) in enumerate(zip(hyp_ids, hyp_vecs)):
                    r_vec, r_w = vectors[i], weights[i]
                    h_w = self._weights(h_ids, prepared.idf, prepared.n_refs_docs)
                    sim = h_vec @ r_vec.T
                    p = float((sim.max(dim=1).values * h_w).sum() / h_w.sum())
                    r = float((sim.max(dim=0).values * r_w).sum() / r_w.sum())
                    if len(h_ids) <= special or len(r_vec) <= special:
                        p = r = 0.0
                    f = 2 * p * r / (p + r) if p + r != 0 and not math.isnan(p + r) else 0.0
                    best[i] = np.maximum(best[i], (p, r, f))
        column = {"precision": 0, "recall": 1, "f1": 2}[self.score_kind]
        scores = best[:, column]
        if self.baseline is not None:
            scores = (scores - self.baseline) / (1 - self.baseline)
        return self.stats_from_scores(scores)
