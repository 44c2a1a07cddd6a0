"""Sentence embeddings for the aligner, from the project's encoder loader.

``--model default`` is the offline multilingual-e5-small of ``eval.models``
(with e5's ``query: `` prefix on both sides, as e5 is trained for symmetric
similarity); a path or hub id is any transformers encoder, mean-pooled.
When the model stack is not installed, the error says how to get it and
that ``--model none`` aligns without a model.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from eval.errors import UserError

E5_PREFIX = "query: "


def make_embedder(model: str, device: str | None = None) -> Callable[[list[str]], np.ndarray]:
    """An ``embed(sentences) -> L2-normalised vectors`` for ``--model default|PATH|HUB_ID``."""
    try:
        from eval.metrics.neural.xsim import sentence_embeddings
        from eval.models.e5 import E5_NAME
        from eval.models.loading import load_encoder
    except ImportError as exc:
        raise UserError(f"--model {model}: the embedding model stack is not available ({exc}); "
                        "use --model none for model-free alignment") from exc
    name = None if model == "default" else model
    try:
        loaded = load_encoder(name, device)
    except UserError as exc:
        raise UserError(f"--model {model}: {exc}; use --model none for model-free alignment") from exc
    prefix = E5_PREFIX if name is None or loaded.resolved.model_id == E5_NAME else ""

    def embed(sentences: list[str]) -> np.ndarray:
        vectors, _ = sentence_embeddings(loaded, sentences, prefix)
        return vectors.astype(np.float64)

    return embed
