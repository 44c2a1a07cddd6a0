"""Errors a user can cause: the CLI prints their one-line message and exits 2."""
from __future__ import annotations


class UserError(Exception):
    """Bad input, bad config or a missing resource.

    The message is one line that names the file, line or config key at fault;
    the command-line interface prints it without a traceback and exits with
    status 2.
    """

    exit_code = 2
