"""Opening an SQLite database that several processes share (WAL mode).

Switching a new database to WAL needs a lock that SQLite may refuse at once
("database is locked") without waiting for the busy timeout, when other
processes open the same fresh file at the same moment. The switch is
retried, with jitter, until the timeout; everything after it waits in
SQLite's own busy handler.
"""
from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any


def open_wal(path: Path, timeout_s: float, **connect_args: Any) -> sqlite3.Connection:
    """A connection to ``path`` (created with its folder) in WAL mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout_s, **connect_args)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return conn
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(random.uniform(0.01, 0.1))
        except BaseException:  # not a database, or a damaged one
            conn.close()
            raise


def open_cache_db(path: Path, tables: list[str]) -> sqlite3.Connection:
    """A shared cache database (statistics, sentence vectors): WAL, normal
    syncing (a lost cache entry is only recomputed) and its tables."""
    conn = open_wal(path, timeout_s=60)
    conn.execute("PRAGMA synchronous=NORMAL")
    for table in tables:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} WITHOUT ROWID")
    return conn
