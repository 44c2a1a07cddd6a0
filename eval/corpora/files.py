"""Reading user files strictly: every problem becomes one line naming the file.

Every loader opens its inputs through :func:`read_bytes`, so operating-system
errors (missing file, unreadable file or folder, a folder given as a file) and
things that are not files at all (a FIFO that would block forever, a device
such as /dev/zero that never ends) are refused here, once, for all formats.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import UserError

BOM = "\ufeff"
# Longest line accepted in a text input (bytes, without the newline): generous
# for any segment, document paragraph or JSONL row, yet it stops a file with
# no line breaks (or a runaway generator) before it exhausts memory.
MAX_LINE_BYTES = 1 << 20

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _not_a_regular_file(path: Path, mode: int) -> UserError:
    if stat.S_ISDIR(mode):
        return UserError(f"{path}: is a directory, expected a file")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return UserError(f"{path}: is {kind}, not a regular file; save the text to a file first")


def _cannot_read(path: Path, exc: OSError) -> UserError:
    if isinstance(exc, FileNotFoundError):
        return UserError(f"{path}: file not found")
    return UserError(f"{path}: cannot read ({exc.strerror or exc})")


def open_regular(path: str | Path) -> BinaryIO:
    """A regular file opened for reading. Opened without blocking, so a FIFO
    is refused at once instead of waiting for a writer."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_a_regular_file(path, mode)
    return os.fdopen(fd, "rb")


def is_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder; False when it does not exist (reading it
    then says so), a one-line error when it cannot be looked at."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise _cannot_read(Path(path), exc) from None


def folder_files(path: str | Path) -> list[Path]:
    """The files directly inside a folder, in name order."""
    try:
        return [f for f in sorted(Path(path).iterdir()) if f.is_file()]
    except OSError as exc:
        raise _cannot_read(Path(path), exc) from None


def read_bytes(path: str | Path) -> bytes:
    """The whole content of a regular file."""
    with open_regular(path) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise _cannot_read(Path(path), exc) from None
        except MemoryError:
            raise UserError(f"{path}: too large to read into memory") from None


def check_line_lengths(data: bytes, path: str | Path, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a line longer than ``limit`` bytes, naming its number. A line
    that long covers a whole aligned block of ``limit // 2`` bytes, so only
    blocks without a newline (found by ``bytes.find``, no copies) are measured."""
    block = max(limit // 2, 1)
    for start in range(0, len(data), block):
        if data.find(b"\n", start, start + block) != -1:
            continue
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", start)
        length = (len(data) if line_end == -1 else line_end) - line_start
        if length > limit:
            lineno = data.count(b"\n", 0, line_start) + 1
            raise UserError(
                f"{path}:{lineno}: line of {length:,} bytes is longer than the limit of "
                f"{limit:,}; is this a text file with one segment per line?"
            )


def decode_utf8(data: bytes, path: str | Path) -> str:
    """UTF-8 text, a leading byte-order mark kept as sacreBLEU keeps it (it
    reads ``utf-8``, not ``utf-8-sig``; dropping the mark changes scores).
    Invalid bytes name the line and column. NUL bytes are valid UTF-8 but mean
    a binary or UTF-16 file, never text."""
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        kind = "UTF-16 text" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "a binary file"
        raise UserError(f"{path}:{line}: NUL byte: this looks like {kind}; expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError(
            f"{path}:{line}: invalid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})"
        ) from None


def read_text(path: str | Path, max_line_bytes: int | None = MAX_LINE_BYTES) -> str:
    """A whole UTF-8 text file with lines of at most ``max_line_bytes`` (None:
    unbounded, for a config that may be JSON on one line); empty files (or a
    byte-order mark alone) are an error: nothing to evaluate."""
    data = read_bytes(path)
    if max_line_bytes is not None:
        check_line_lengths(data, path, max_line_bytes)
    text = decode_utf8(data, path)
    if not text.removeprefix(BOM).strip():
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
