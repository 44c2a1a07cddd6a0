"""Errors a user can cause: the CLI prints their one-line message and exits 2."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class UserError(Exception):
    """Bad input, bad config or a missing resource.

    The message is one line that names the file, line or config key at fault;
    the command-line interface prints it without a traceback and exits with
    status 2.
    """

    exit_code = 2


@contextmanager
def file_errors(what: str, path: str | Path | None, hint: str = "") -> Iterator[None]:
    """Turn the operating system's and SQLite's errors on a file mteval writes
    (run directory, report, statistics cache, run history) into one-line user
    errors naming the file: a read-only folder or a corrupt database is the
    user's environment, not a bug."""
    hint = f"; {hint}" if hint else ""
    try:
        yield
    except sqlite3.OperationalError as exc:  # cannot open, locked, read-only, disk full
        raise UserError(f"{path}: cannot use {what} ({exc}){hint}") from None
    except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
        raise UserError(f"{path}: {what} is not a readable SQLite database ({exc}); "
                        f"move it away or give another path") from None
    except (FileExistsError, NotADirectoryError) as exc:  # mkdir of a folder where a file is
        where = exc.filename if exc.filename else path
        raise UserError(f"{where}: cannot write {what} (a file is in the way of a folder: {exc.strerror}){hint}") from None
    except OSError as exc:
        where = exc.filename if exc.filename else path
        raise UserError(f"{where}: cannot write {what} ({exc.strerror or exc}){hint}") from None
