"""The run history: records, queries, and concurrent writers losing nothing."""
from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess

import pytest

from eval.errors import UserError
from eval.history import History, config_hash, default_history_path, git_commit


def results(name: str, score: float, systems=("sysA", "sysB"), metrics=("bleu", "chrf")) -> dict:
    return {
        "name": name,
        "created": f"2026-01-01T00:00:{int(score) % 60:02d}+00:00",
        "config": {"name": name, "metrics": list(metrics)},
        "testsets": {
            "wmt22-de-en": {
                "n_segments": 10,
                "systems": {
                    s: {m: {"score": score + k, "signature": f"{m}|nrefs:1", "ci": [score - 1, score + 1],
                            "p_value": 0.01, "cluster": 1} for m in metrics}
                    for k, s in enumerate(systems)
                },
            }
        },
    }


def test_record_and_query(tmp_path):
    history = History(tmp_path / "h.sqlite")
    first = history.record(results("r1", 20.0), run_dir=tmp_path, commit="abc")
    second = history.record(results("r2", 21.0))
    assert first != second
    table = history.scores(system="sysA", metric="bleu")
    assert table["score"].tolist() == [20.0, 21.0]
    assert table["run_id"].tolist() == [first, second]
    assert table["git_commit"].iloc[0] == "abc" and table["git_commit"].isna().iloc[1]
    assert table.iloc[0]["ci_low"] == 19.0 and table.iloc[0]["cluster"] == 1
    assert len(history.scores()) == 8
    assert history.scores(system="nobody").empty


def test_config_hash_ignores_key_order():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_default_path(tmp_path, monkeypatch):
    monkeypatch.delenv("MTEVAL_HISTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_history_path(tmp_path / "out") == tmp_path / "out" / "history.sqlite"
    assert default_history_path() == tmp_path / "cache" / "mteval" / "history.sqlite"
    monkeypatch.setenv("MTEVAL_HISTORY", str(tmp_path / "x.db"))
    assert default_history_path(tmp_path / "out") == tmp_path / "x.db"


def test_git_commit(tmp_path):
    assert git_commit(tmp_path) is None
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert git_commit(tmp_path) == head and len(head) == 40


def test_missing_or_corrupt_database_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no run history"):
        History(tmp_path / "none.sqlite").scores()
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database at all, just text" * 100)
    with pytest.raises(UserError, match="not a readable run history"):
        History(bad).scores()


def _write_runs(path: str, worker: int, n_runs: int) -> None:
    history = History(path)
    for i in range(n_runs):
        history.record(results(f"w{worker}-{i}", float(i), systems=[f"s{k}" for k in range(10)]))


def test_concurrent_writers_lose_no_rows(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    workers, n_runs = 6, 15
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_runs, args=(path, w, n_runs)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * workers
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == workers * n_runs
    assert conn.execute("SELECT COUNT(DISTINCT name) FROM runs").fetchone()[0] == workers * n_runs
    conn.close()
    assert len(History(path).scores()) == workers * n_runs * 10 * 2
