"""Fail fast, with a clear message, when a remote resource is out of reach."""
from __future__ import annotations

import socket
from urllib.parse import urlparse

from .errors import UserError

TIMEOUT_S = 3.0


def require_reachable(url: str, what: str, hint: str) -> None:
    """Raise UserError unless ``url``'s host accepts a TCP connection quickly,
    so offline use fails in seconds instead of hanging in a download."""
    parsed = urlparse(url)
    host = parsed.hostname or url
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S):
            return
    except OSError:
        raise UserError(f"{what} needs the network but {host} is unreachable (offline?); {hint}") from None
