"""Forked worker processes that never outlive the run.

concurrent.futures could hang an interrupted run (its shutdown waits on
futures of workers that will never answer) and print its own tracebacks, and
its workers outlived a killed parent, holding the cache and the caller's
stdout pipe open. Here every worker:

- dies with its parent: a parent-death signal (Linux ``prctl``) and, on any
  POSIX system, a thread that exits when a pipe only the parent writes to
  reaches end-of-file;
- ignores SIGINT (Ctrl-C reaches the whole process group; the parent decides)
  and dies of SIGTERM at once, with no Python handler and no traceback;
- is killed, not waited on, when the parent stops early for any reason.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections import deque
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from typing import Callable, Generic, Iterator, Sequence, TypeVar

from ..errors import UserError

T = TypeVar("T")
R = TypeVar("R")

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PR_SET_PDEATHSIG = 1
_JOIN_S = 2.0  # a worker told to stop, or killed, is gone well within this


class WorkerDied(UserError):
    """A worker ended without answering (killed from outside, e.g. for memory)."""


class WorkerPool(Generic[T, R]):
    """``fn`` over ``tasks`` in ``jobs`` forked processes.

    ``fn`` and ``tasks`` reach the workers by fork, so they need not pickle;
    only task indices and results cross the pipes. Use as a context manager:
    leaving it stops the workers, by force when leaving on an exception.
    """

    def __init__(self, fn: Callable[[T], R], tasks: Sequence[T], jobs: int) -> None:
        self.fn, self.tasks, self.jobs = fn, tasks, jobs
        self._workers: list = []
        self._conns: list[Connection] = []
        self._lifeline_w: int | None = None

    def __enter__(self) -> WorkerPool[T, R]:
        ctx = get_context("fork")
        lifeline_r, self._lifeline_w = os.pipe()
        try:
            for _ in range(self.jobs):
                parent_end, child_end = ctx.Pipe()
                worker = ctx.Process(
                    target=_serve,
                    args=(self.fn, self.tasks, child_end, os.getpid(), lifeline_r, self._lifeline_w, self._conns),
                    daemon=True,
                )
                # Signals wait until the child has replaced the parent's handlers
                # and the parent has recorded the child.
                blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
                try:
                    worker.start()
                    self._workers.append(worker)
                    self._conns.append(parent_end)
                    child_end.close()
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        except BaseException:
            self._stop(force=True)
            raise
        finally:
            os.close(lifeline_r)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop(force=exc_type is not None)

    def results(self) -> Iterator[tuple[T, R]]:
        """(task, fn(task)) for every task, in the order they finish."""
        pending = deque(range(len(self.tasks)))
        busy: dict[Connection, int] = {}

        def give(conn: Connection) -> None:
            if pending:
                busy[conn] = index = pending.popleft()
                try:
                    conn.send(index)
                except OSError:  # the worker is gone
                    raise self._died(conn, index) from None

        for conn in self._conns:
            give(conn)
        while busy:
            for conn in wait(list(busy)):
                index = busy.pop(conn)
                try:
                    ok, value = conn.recv()
                except (EOFError, OSError):  # the worker is gone
                    raise self._died(conn, index) from None
                if not ok:
                    raise value
                give(conn)
                yield self.tasks[index], value

    def _died(self, conn: Connection, index: int) -> WorkerDied:
        worker = self._workers[self._conns.index(conn)]
        worker.join(_JOIN_S)
        code = worker.exitcode
        how = f"was killed by {signal.Signals(-code).name}" if code and code < 0 else f"exited with status {code}"
        return WorkerDied(
            f"a worker process {how} while computing {self.tasks[index]!r} "
            "(out of memory? try fewer --jobs); finished test sets are kept"
        )

    def _stop(self, force: bool) -> None:
        """Ask idle workers to leave (or kill them all), then reap them, bounded."""
        for conn in self._conns:
            if not force:
                try:
                    conn.send(None)
                except OSError:
                    pass
            conn.close()
        if self._lifeline_w is not None:
            os.close(self._lifeline_w)
            self._lifeline_w = None
        for worker in self._workers:
            if force:
                worker.kill()
            worker.join(_JOIN_S)
            if worker.is_alive():
                worker.kill()
                worker.join(_JOIN_S)
        self._workers, self._conns = [], []


def _serve(fn, tasks, conn: Connection, parent: int, lifeline_r: int, lifeline_w: int, siblings) -> None:
    """A worker's life: answer task indices until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.close(lifeline_w)
    for sibling in siblings:  # the parent's ends of earlier workers' pipes
        sibling.close()
    _die_with_parent(parent, lifeline_r)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    while True:
        try:
            index = conn.recv()
        except EOFError:
            return
        if index is None:
            return
        try:
            answer = (True, fn(tasks[index]))
        except Exception as exc:
            exc.add_note("in a worker process:\n" + traceback.format_exc().rstrip())
            answer = (False, exc)
        if not _send(conn, answer):
            return


def _send(conn: Connection, answer: tuple) -> bool:
    """Send an answer; False when the parent is gone."""
    try:
        try:
            conn.send(answer)
        except OSError:
            raise
        except Exception as exc:  # an unpicklable result or exception
            conn.send((False, RuntimeError(f"a worker could not return its answer: {type(exc).__name__}: {exc}")))
    except OSError:
        return False
    return True


def _die_with_parent(parent: int, lifeline_r: int) -> None:
    _arm_death_signal()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    threading.Thread(target=_exit_on_eof, args=(lifeline_r,), daemon=True).start()


def _arm_death_signal() -> None:
    """Linux: the kernel sends this process SIGKILL when its parent dies."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _exit_on_eof(fd: int) -> None:
    """The parent holds the only write end: end-of-file means it is gone."""
    while os.read(fd, 1):
        pass
    os._exit(1)
