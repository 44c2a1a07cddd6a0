"""Cross-lingual source-translation similarity (reference-free), on e5 by default.

Source and hypothesis are embedded with the same multilingual encoder (mean
of the last layer over real tokens, L2-normalised) and compared by cosine.
Raw cosines of such models are high even for unrelated sentences, so the
score is rescaled as ``(cos - b) / (1 - b)`` with ``b`` the mean cosine of
*unrelated* pairs: 0 means "no more related than a random pair", 1 means
identical meaning. ``b`` for multilingual-e5-small was calibrated on shuffled
WMT22 source-reference pairs (:func:`calibrate_baseline`, see docs/MODELS.md);
other models need the ``baseline`` option.
"""
from __future__ import annotations

import random
from typing import Any, Sequence

import numpy as np

from eval.errors import UserError
from eval.metrics.neural.common import EncoderMetric, library_versions, model_signature
from eval.values import TEXT, Number, Text

# Mean cosine of 5 x 400 shuffled source-reference pairs from WMT22
# (de-en .7711, ru-en .7756, en-zh .7750, en-ja .7707, de-fr .7894), the first
# 400 segments of each, seed 0, "query: " prefix on both sides.
E5_UNRELATED_COSINE = 0.7764
E5_PREFIX = "query: "


def sentence_embeddings(loaded, texts: Sequence[str], prefix: str = "", cache=None) -> tuple[np.ndarray, int]:
    """Mean-pooled, L2-normalised last-layer embeddings, one row per text, and
    how many texts were truncated. Each distinct text is embedded once: the
    rest come from the on-disk sentence-vector cache (eval/models/vector_cache.py;
    ``cache`` overrides the default one)."""
    from eval.models.vector_cache import cached_embeddings, model_namespace

    return cached_embeddings(texts, model_namespace(loaded, prefix),
                             lambda new: embed_fresh(loaded, new, prefix), cache)


def embed_fresh(loaded, texts: Sequence[str], prefix: str = "") -> tuple[np.ndarray, list[bool]]:
    """Run the encoder on every text (no cache); vectors and per-text truncation flags."""
    from eval.models.encoding import encode, tokenize, warn_truncated

    tokens = tokenize(loaded, [prefix + t for t in texts])
    warn_truncated("segments", tokens.truncated, loaded.max_length)

    def mean_pool(hidden, mask):
        m = mask.unsqueeze(-1).float()
        pooled = (hidden * m).sum(1) / m.sum(1)
        return list((pooled / pooled.norm(dim=-1, keepdim=True)).numpy())

    rows = encode(loaded, tokens.ids, None, mean_pool, desc="embedding")
    cut = set(tokens.cut)
    return (np.stack(rows) if rows else np.zeros((0, 1), np.float32)), [i in cut for i in range(len(texts))]


def calibrate_baseline(loaded, sources: Sequence[str], targets: Sequence[str], prefix: str = "",
                       seed: int = 0) -> float:
    """Mean cosine between each source and a *different* target (a random derangement)."""
    n = len(sources)
    if n < 2:
        raise UserError("calibrating xsim needs at least two segment pairs")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    partner = {order[i]: order[(i + 1) % n] for i in range(n)}  # a cycle: nobody keeps its own
    src, _ = sentence_embeddings(loaded, sources, prefix)
    tgt, _ = sentence_embeddings(loaded, [targets[partner[i]] for i in range(n)], prefix)
    return float((src * tgt).sum(axis=1).mean())


class CrossLingualSimilarity(EncoderMetric):
    name = "xsim"
    needs_source = True
    needs_references = False
    option_types = {"model": TEXT, "baseline": Number(below=1), "prefix": Text(empty=True), "device": TEXT}

    def __init__(self, trg_lang: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.counts = {"empty_hypotheses": 0, "truncated": 0}

    @property
    def is_default_model(self) -> bool:
        from eval.models.e5 import E5_NAME

        return self.resolved.model_id == E5_NAME

    @property
    def prefix(self) -> str:
        return self.options.get("prefix", E5_PREFIX if self.is_default_model else "")

    @property
    def baseline(self) -> float:
        value = self.options.get("baseline")
        if value is None:
            if not self.is_default_model:
                raise UserError("metric 'xsim' with a custom model needs option 'baseline' "
                                "(the mean cosine of unrelated pairs; see docs/MODELS.md)")
            value = E5_UNRELATED_COSINE
        return value

    def model_text(self, text: str) -> str:
        return self.prefix + text

    def signature(self, n_refs: int) -> str:
        r = self.resolved
        return (f"xsim|{model_signature(r.model_id, r.weights_hash)}|prefix:{self.prefix!r}"
                f"|baseline:{self.baseline:.4f}|{library_versions()}")

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        vectors, truncated = sentence_embeddings(self.loaded, sources, self.prefix)
        self.counts["truncated"] += truncated
        return vectors

    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        vectors, truncated = sentence_embeddings(self.loaded, hypotheses, self.prefix)
        self.counts["truncated"] += truncated
        cosine = (vectors * prepared).sum(axis=1) if len(hypotheses) else np.zeros(0)
        scores = (cosine - self.baseline) / (1 - self.baseline)
        empty = np.array([not h.strip() for h in hypotheses], dtype=bool)
        self.counts["empty_hypotheses"] += int(empty.sum())
        return self.stats_from_scores(np.where(empty, 0.0, scores))
