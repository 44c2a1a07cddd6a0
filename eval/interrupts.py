"""SIGINT and SIGTERM stop a command the same way.

The first signal raises where the command is (KeyboardInterrupt, or its
subclass Terminated for SIGTERM), so ``finally`` blocks kill the workers and
close the cache, every finished test set stays on disk, and the command exits
128 + the signal number (130, 143). A second signal while stopping ends the
process at once, so stopping can never hang.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


def exit_status(exc: KeyboardInterrupt) -> int:
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def signal_name(exc: KeyboardInterrupt) -> str:
    return "SIGTERM" if isinstance(exc, Terminated) else "SIGINT"


def forget_interrupt() -> None:
    """Call once a KeyboardInterrupt is caught for good. CPython records a
    KeyboardInterrupt that leaves code run from source text (``exec``/``eval``
    of a string, as dataclasses and namedtuple run at import) even when it is
    caught later, and under ``python -m`` it then ends the process by SIGINT
    (status -2) instead of with ours; running any source text resets that."""
    eval("None")


def _quit_now(signum: int, frame) -> None:
    os.write(2, b"mteval: interrupted again; stopping now\n")
    os._exit(128 + signum)


def _stop(signum: int, frame) -> None:
    for other in _SIGNALS:
        if signal.getsignal(other) is _stop:
            signal.signal(other, _quit_now)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def stop_on_signals(restore: bool = True) -> Iterator[None]:
    """Handle SIGINT and SIGTERM inside the block. ``restore=False`` is for the
    program itself: after the block it only exits, so later signals are
    ignored instead of raising in the interpreter's shutdown."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may
        yield
        return
    # A signal ignored on entry stays ignored (``mteval run ... &`` in a script
    # must not stop at the Ctrl-C meant for the foreground).
    handled = [s for s in _SIGNALS if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.signal(s, _stop) for s in handled}
    try:
        yield
    finally:
        for s in handled:
            signal.signal(s, (previous[s] or signal.SIG_DFL) if restore else signal.SIG_IGN)
