"""Sentence vectors on disk, so each distinct sentence is embedded once.

Aligning every system output of a run, rerunning it, or adding one system
embeds the same sentences again and again; on a CPU that is most of the
run's time. Vectors are stored in one SQLite database (WAL mode, shared
safely by concurrent processes) keyed by a hash of everything that decides
them: the model id, its weights hash, the text prefix, the pooling, the
token limit, and the text itself. A vector read back is the exact float32
array that was computed and stored.

Location: ``$MTEVAL_VECTOR_CACHE`` (a file path, or ``off``), else
``sentence-vectors.sqlite`` in the statistics cache folder
(``$MTEVAL_CACHE`` or ``~/.cache/mteval``).
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.errors import file_errors
from eval.wal import open_cache_db

_CHUNK = 900  # stay under SQLite's host-parameter limit
POOLING = "mean-last-l2"  # mean of the last layer over real tokens, L2-normalised


def default_vector_cache_path() -> Path | None:
    """Where vectors are kept; None when ``MTEVAL_VECTOR_CACHE=off``."""
    env = os.environ.get("MTEVAL_VECTOR_CACHE")
    if env:
        return None if env.strip().lower() == "off" else Path(env).expanduser()
    from eval.store import default_cache_dir

    return default_cache_dir() / "sentence-vectors.sqlite"


def encoder_identity(model_id: str, weights_hash: str, prefix: str, pooling: str = POOLING) -> str:
    """What names an encoder's vectors before it is loaded (its token limit is
    known only after loading; ``SentenceVectorCache.namespace_of`` remembers it)."""
    return f"{model_id}|{weights_hash}|prefix:{prefix!r}|pool:{pooling}"


def model_namespace(loaded, prefix: str, pooling: str = POOLING) -> str:
    """Everything about the encoder that changes a sentence's vector."""
    r = loaded.resolved
    return f"{encoder_identity(r.model_id, r.weights_hash, prefix, pooling)}|max:{loaded.max_length}"


def text_keys(namespace: str, texts: Sequence[str]) -> list[bytes]:
    base = hashlib.blake2b(namespace.encode(), digest_size=16, person=b"sentvec")
    keys = []
    for text in texts:
        h = base.copy()
        h.update(text.encode())
        keys.append(h.digest())
    return keys


class SentenceVectorCache:
    """Vectors (float32) and a truncation flag by key; ``path=None`` keeps nothing."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._conn: sqlite3.Connection | None = None

    def _errors(self):
        return file_errors("the sentence-vector cache", self.path,
                           "set MTEVAL_VECTOR_CACHE to another file, or to 'off'")

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            assert self.path is not None
            with self._errors():
                conn = open_cache_db(self.path, [
                    "vectors (key BLOB PRIMARY KEY, truncated INTEGER NOT NULL, value BLOB NOT NULL)",
                    "namespaces (identity TEXT PRIMARY KEY, namespace TEXT NOT NULL)"])
            self._conn = conn
        return self._conn

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, tuple[np.ndarray, bool]]:
        if self.path is None or not keys:
            return {}
        db = self._db()
        found: dict[bytes, tuple[np.ndarray, bool]] = {}
        unique = list(dict.fromkeys(keys))
        with self._errors():
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, truncated, value in db.execute(
                        f"SELECT key, truncated, value FROM vectors WHERE key IN ({marks})", chunk):
                    found[key] = (np.frombuffer(value, dtype=np.float32), bool(truncated))
        return found

    def put_many(self, rows: Sequence[tuple[bytes, np.ndarray, bool]]) -> None:
        if self.path is None or not rows:
            return
        db = self._db()
        with self._errors(), db:
            db.executemany("INSERT OR IGNORE INTO vectors (key, truncated, value) VALUES (?, ?, ?)",
                           [(k, int(t), np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v, t in rows])

    def namespace_of(self, identity: str) -> str | None:
        """The full namespace last stored for an encoder identity, so a warm run
        can read its vectors without loading the encoder; None if never seen."""
        if self.path is None:
            return None
        db = self._db()
        with self._errors():
            row = db.execute("SELECT namespace FROM namespaces WHERE identity = ?", (identity,)).fetchone()
        return row[0] if row else None

    def remember_namespace(self, identity: str, namespace: str) -> None:
        if self.path is None:
            return
        db = self._db()
        with self._errors(), db:
            db.execute("INSERT OR REPLACE INTO namespaces (identity, namespace) VALUES (?, ?)", (identity, namespace))

    def all_cached(self, namespace: str, texts: Sequence[str]) -> np.ndarray | None:
        """The vectors of ``texts`` when every one is cached, else None."""
        keys = text_keys(namespace, texts)
        found = self.get_many(keys)
        if len(found) < len(set(keys)):
            return None
        EmbeddingCounter.from_cache += len(found)
        return np.stack([found[k][0] for k in keys]) if keys else np.zeros((0, 1), np.float32)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_OPEN: dict[Path | None, SentenceVectorCache] = {}


def shared_cache() -> SentenceVectorCache:
    """The process's cache at the default location (one connection per path)."""
    path = default_vector_cache_path()
    if path not in _OPEN:
        _OPEN[path] = SentenceVectorCache(path)
    return _OPEN[path]


class EmbeddingCounter:
    """How many texts were really run through the encoder (the rest came from the cache)."""

    embedded = 0
    from_cache = 0


def cached_embeddings(texts: Sequence[str], namespace: str, compute, cache: SentenceVectorCache | None = None
                      ) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (float32 rows) and how many of them were truncated.

    ``compute(new_texts) -> (vectors, truncated flags)`` embeds what the cache
    lacks; each distinct text is computed at most once per call.
    """
    cache = shared_cache() if cache is None else cache
    texts = list(texts)
    if not texts:
        return np.zeros((0, 1), np.float32), 0
    keys = text_keys(namespace, texts)
    found = cache.get_many(keys)
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing:
        first = {}
        for k, t in zip(keys, texts):
            first.setdefault(k, t)
        vectors, truncated = compute([first[k] for k in missing])
        new = [(k, np.asarray(v, dtype=np.float32), bool(t)) for k, v, t in zip(missing, vectors, truncated)]
        cache.put_many(new)
        found.update({k: (v, t) for k, v, t in new})
        EmbeddingCounter.embedded += len(missing)
    EmbeddingCounter.from_cache += len(set(keys)) - len(missing)
    rows = [found[k] for k in keys]
    return np.stack([v for v, _ in rows]), sum(t for _, t in rows)
