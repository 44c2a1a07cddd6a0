"""The worker pool (eval/execution/workers.py): answers, errors, and no process outliving
the run, with real processes and real signals (fast; tests/test_interrupts.py
does the same on whole runs)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT
from eval.errors import UserError
from eval.execution.workers import WorkerDied, WorkerPool


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pids: list[int], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.02)
    return False


def _children() -> list[int]:
    """Live children of this process that a pool in this test started: the
    session may hold children of its own (a browser, a cluster), made before."""
    me = os.getpid()
    kids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == me and _alive(int(entry)):
                    kids.append(int(entry))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return [pid for pid in kids if pid not in _BEFORE]


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before():
    """Children alive before each test are not the pool's."""
    _BEFORE.clear()
    _BEFORE.update(_children())
    yield
    _BEFORE.clear()


def test_every_task_answered_and_workers_reaped():
    tasks = list(range(40))
    with WorkerPool(lambda n: (n * n, os.getpid()), tasks, 3) as pool:
        answers = dict(pool.results())
    assert {task: square for task, (square, _) in answers.items()} == {n: n * n for n in tasks}
    assert len({pid for _, pid in answers.values()}) > 1  # really spread over processes
    assert _children() == []


def test_a_worker_error_reaches_the_caller_with_its_type():
    def fail(n):
        if n == 3:
            raise UserError("bad input in task 3")
        return n

    with pytest.raises(UserError, match="bad input in task 3") as info:
        with WorkerPool(fail, range(6), 2) as pool:
            list(pool.results())
    assert any("in a worker process" in note for note in info.value.__notes__)
    assert _children() == []


def test_leaving_early_kills_busy_workers_at_once():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with WorkerPool(lambda n: time.sleep(60), range(4), 2) as pool:
            raise KeyboardInterrupt
    assert _children() == [] and time.monotonic() - started < 10


def test_a_worker_killed_from_outside_is_one_line_error():
    with pytest.raises(WorkerDied, match="killed by SIGKILL") as info:
        with WorkerPool(lambda n: time.sleep(60), range(2), 2) as pool:
            os.kill(pool._workers[0].pid, signal.SIGKILL)
            list(pool.results())
    assert "\n" not in str(info.value)
    assert _children() == []


PARENT = """
import os, sys, time
from eval.execution import workers
if sys.argv[1] == "watchdog-only":
    workers._arm_death_signal = lambda: None   # leave the portable fallback alone
with workers.WorkerPool(lambda n: time.sleep(60), range(3), 3) as pool:
    print(*(w.pid for w in pool._workers), flush=True)
    list(pool.results())
"""


@pytest.mark.parametrize("mechanism", ["death-signal", "watchdog-only"])
def test_workers_die_with_a_killed_parent(mechanism):
    """kill -9 of the parent: its workers go too, and the caller's pipe ends."""
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(PARENT), mechanism], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 3 and all(_alive(p) for p in workers)
    parent.kill()
    parent.wait()
    assert _gone_within(workers, 2.0), [p for p in workers if _alive(p)]
    assert parent.stdout.read() == ""  # end-of-file: nobody holds the pipe
