"""Reading user files strictly: every problem becomes one line naming the file."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError


def read_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if path.is_dir():
        raise UserError(f"{path}: is a directory, expected a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None


def decode_utf8(data: bytes, path: str | Path) -> str:
    """UTF-8 text without a BOM; invalid bytes name the line and column. NUL
    bytes are valid UTF-8 but mean a binary or UTF-16 file, never text."""
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        kind = "UTF-16 text" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "a binary file"
        raise UserError(f"{path}:{line}: NUL byte: this looks like {kind}; expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError(
            f"{path}:{line}: invalid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})"
        ) from None
    return text.removeprefix("\ufeff")


def read_text(path: str | Path) -> str:
    """A whole UTF-8 file; empty files are an error (nothing to evaluate)."""
    text = decode_utf8(read_bytes(path), path)
    if not text.strip():
        raise UserError(f"{path}: file is empty")
    return text


def read_lines(path: str | Path) -> list[str]:
    """One segment per line, split on LF only and right-stripped, as the
    sacreBLEU command line reads files (so scores match it)."""
    text = read_text(path)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip() for line in lines]
