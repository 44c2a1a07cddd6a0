"""The on-disk statistics cache (embedded SQLite).

Keys are hashes of (metric signature, source, references, hypothesis), values
the segment's statistics row (and, in table ``payloads``, a metric's per-segment
JSON payload such as xCOMET's error spans), so a rerun or a run with one more system only
computes what is new. Several processes may share one database: WAL mode and
a busy timeout serialise writers without losing rows.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import file_errors
from .wal import open_wal

_CHUNK = 900  # stay under SQLite's host-parameter limit


def default_cache_dir() -> Path:
    root = os.environ.get("MTEVAL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mteval"
    )
    return Path(root)


def segment_keys(
    signature: str, sources: Sequence[str], references: Sequence[Sequence[str]], hypotheses: Sequence[str]
) -> list[bytes]:
    """One 16-byte key per segment; references given as streams (one list per reference)."""
    prefix = hashlib.blake2b(signature.encode(), digest_size=16).digest()
    keys = []
    for i, hyp in enumerate(hypotheses):
        h = hashlib.blake2b(prefix, digest_size=16)
        h.update(sources[i].encode())
        for stream in references:
            h.update(b"\x00")
            h.update((stream[i] or "").encode())
        h.update(b"\x01")
        h.update(hyp.encode())
        keys.append(h.digest())
    return keys


def matrix_key(
    signature: str, sources: Sequence[str], references: Sequence[Sequence[str]], hypotheses: Sequence[str]
) -> bytes:
    """One key for a whole system's statistics matrix: the warm path of a rerun
    costs one hash and one lookup per (metric, system) instead of one per segment."""
    h = hashlib.blake2b(signature.encode(), digest_size=16, person=b"matrix")
    for stream in (sources, *references, hypotheses):
        h.update(b"\x02")
        h.update("\x00".join(s or "" for s in stream).encode())
    return h.digest()


class StatsCache:
    """Segment statistics by key; ``path=None`` disables caching."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._conn: sqlite3.Connection | None = None

    def _errors(self):
        """A cache that cannot be opened or read (read-only folder, a text file,
        a damaged database) is one line naming it, never a traceback."""
        return file_errors("the statistics cache", self.path,
                           "give another path with --cache (cache: in a config), or 'off'")

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            assert self.path is not None
            with self._errors():
                conn = open_wal(self.path, timeout_s=60)
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("CREATE TABLE IF NOT EXISTS stats (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
                conn.execute("CREATE TABLE IF NOT EXISTS payloads (key BLOB PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
                conn.execute("CREATE TABLE IF NOT EXISTS matrices "
                             "(key BLOB PRIMARY KEY, n_stats INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
            self._conn = conn
        return self._conn

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        if self.path is None or not keys:
            return {}
        db = self._db()
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._errors():
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, value in db.execute(f"SELECT key, value FROM stats WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(value, dtype=np.float64)
        return found

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        if self.path is None:
            return
        db = self._db()
        rows = [(k, np.ascontiguousarray(v, dtype=np.float64).tobytes()) for k, v in items]
        with self._errors(), db:
            db.executemany("INSERT OR REPLACE INTO stats (key, value) VALUES (?, ?)", rows)

    def get_payloads(self, keys: Sequence[bytes]) -> dict[bytes, str]:
        """Per-segment payloads (JSON texts, e.g. xCOMET error spans) by the same keys as the statistics."""
        if self.path is None or not keys:
            return {}
        db = self._db()
        found: dict[bytes, str] = {}
        unique = list(dict.fromkeys(keys))
        with self._errors():
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, value FROM payloads WHERE key IN ({marks})", chunk))
        return found

    def put_payloads(self, items: Iterable[tuple[bytes, str]]) -> None:
        if self.path is None:
            return
        db = self._db()
        with self._errors(), db:
            db.executemany("INSERT OR REPLACE INTO payloads (key, value) VALUES (?, ?)", list(items))

    def get_matrix(self, key: bytes) -> np.ndarray | None:
        if self.path is None:
            return None
        db = self._db()
        with self._errors():
            row = db.execute("SELECT n_stats, value FROM matrices WHERE key = ?", (key,)).fetchone()
        return None if row is None else np.frombuffer(row[1], dtype=np.float64).reshape(-1, row[0])

    def put_matrix(self, key: bytes, matrix: np.ndarray) -> None:
        if self.path is None:
            return
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        db = self._db()
        with self._errors(), db:
            db.execute("INSERT OR REPLACE INTO matrices (key, n_stats, value) VALUES (?, ?, ?)",
                       (key, matrix.shape[1], matrix.tobytes()))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
