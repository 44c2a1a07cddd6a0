"""The history of runs: every run's scores in an embedded SQLite database.

One row per run (id, time, name, config hash, git commit, run folder) and one
per (run, test set, system, metric) with the score and signature, so
``mteval history`` can show a system over time. Several processes may record at
once: WAL journaling, a busy timeout and a retry around each whole-run
transaction make concurrent writers wait for each other instead of failing.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .errors import UserError, file_errors
from .wal import open_wal

HISTORY_FILE = "history.sqlite"
HISTORY_ENV = "MTEVAL_HISTORY"
_BUSY_TIMEOUT_S = 30.0
_RETRIES = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    name TEXT,
    config_hash TEXT,
    git_commit TEXT,
    run_dir TEXT
);
CREATE TABLE IF NOT EXISTS scores (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    testset TEXT NOT NULL,
    system TEXT NOT NULL,
    metric TEXT NOT NULL,
    score REAL NOT NULL,
    signature TEXT,
    p_value REAL,
    ci_low REAL,
    ci_high REAL,
    cluster INTEGER,
    PRIMARY KEY (run_id, testset, system, metric)
);
CREATE INDEX IF NOT EXISTS scores_by_system ON scores (system, metric);
"""

COLUMNS = ["created", "run_id", "name", "testset", "system", "metric", "score",
           "p_value", "ci_low", "ci_high", "cluster", "signature", "config_hash", "git_commit", "run_dir"]


def default_history_path(output_dir: str | Path | None = None) -> Path:
    """``$MTEVAL_HISTORY``, else ``history.sqlite`` in the output folder when one
    is given, else in the user cache folder (``$XDG_CACHE_HOME/mteval``)."""
    if os.environ.get(HISTORY_ENV):
        return Path(os.environ[HISTORY_ENV])
    if output_dir is not None:
        return Path(output_dir) / HISTORY_FILE
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / "mteval" / HISTORY_FILE


def config_hash(config: Any) -> str:
    """A stable hash of the validated config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_commit(folder: str | Path = ".") -> str | None:
    """The checked-out commit of the repository holding ``folder``, if any."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class History:
    """A history database at ``path`` (created on first write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        conn = open_wal(self.path, _BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def record(self, results: Mapping[str, Any], run_dir: str | Path | None = None,
               commit: str | None = None) -> str:
        """Add one run (a results.json dict) and return its run id."""
        run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        created = str(results.get("created") or time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        run_row = (run_id, created, results.get("name"), config_hash(results.get("config")),
                   commit, None if run_dir is None else str(Path(run_dir).resolve()))
        score_rows = list(_score_rows(run_id, results))
        with file_errors("the run history", self.path, f"set ${HISTORY_ENV} or 'history:' to another path, or 'off'"):
            return self._insert(run_row, score_rows)

    def _insert(self, run_row: tuple, score_rows: list[tuple]) -> str:
        """One transaction, retried while other processes hold the database."""
        for attempt in range(_RETRIES):
            try:
                conn = self._connect()
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", run_row)
                    conn.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", score_rows)
                    conn.execute("COMMIT")
                    return run_row[0]
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                finally:
                    conn.close()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == _RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
        raise AssertionError("unreachable")

    def scores(self, system: str | None = None, metric: str | None = None,
               testset: str | None = None) -> pd.DataFrame:
        """Scores over time, oldest first, optionally for one system/metric/test set."""
        if not self.path.exists():
            raise UserError(f"{self.path}: no run history here (record a run first or pass --db)")
        where, args = [], []
        for column, value in (("s.system", system), ("s.metric", metric), ("s.testset", testset)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        query = (
            "SELECT r.created, r.run_id, r.name, s.testset, s.system, s.metric, s.score, s.p_value,"
            " s.ci_low, s.ci_high, s.cluster, s.signature, r.config_hash, r.git_commit, r.run_dir"
            " FROM scores s JOIN runs r USING (run_id)"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY r.created, r.rowid, s.testset, s.system, s.metric"
        )
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S)
            try:
                rows = conn.execute(query, args).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not a readable run history ({exc})") from None
        return pd.DataFrame(rows, columns=COLUMNS)


def _score_rows(run_id: str, results: Mapping[str, Any]):
    for testset, entry in (results.get("testsets") or {}).items():
        for system, metrics in (entry.get("systems") or {}).items():
            for metric, value in metrics.items():
                ci = value.get("ci") or [None, None]
                yield (run_id, testset, system, metric, float(value["score"]), value.get("signature"),
                       value.get("p_value"), ci[0], ci[1], value.get("cluster"))
