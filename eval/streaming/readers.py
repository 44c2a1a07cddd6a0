"""Aligned chunks of rows from files too large to hold: every stream (source,
each reference, each system) advances together, ``size`` rows at a time.

Text files are read exactly as ``corpora.files.read_lines`` reads them (LF
only, right-stripped, a byte-order mark kept), with the same one-line errors,
but found as the reader reaches them: an invalid byte, a NUL byte, an
over-long line, or a file that ends before the others names the file and line.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..corpora.files import BOM, MAX_LINE_BYTES, is_folder, open_regular
from ..corpora.tabular import Columns, _cell_text, column_values, json_object
from ..errors import UserError

BLOCK_BYTES = 1 << 22  # bytes read from a text file at a time


@dataclass
class Chunk:
    """Rows ``start`` .. ``start + len(source) - 1`` (0-based) of every stream."""

    start: int
    source: list[str]
    references: dict[str, list[str]]
    systems: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.source)


class LineFile:
    """One segment per line, ``take(n)`` lines at a time, checked as read."""

    def __init__(self, path: str | Path, block_bytes: int = BLOCK_BYTES) -> None:
        self.path = Path(path)
        self._fh = open_regular(self.path)
        self._block = block_bytes
        self._pending: list[str] = []
        self._tail = b""
        self._eof = False
        self.lines_read = 0  # lines decoded so far (pending ones included)
        self.lines_taken = 0
        self._seen_text = False

    def close(self) -> None:
        self._fh.close()

    def take(self, n: int) -> list[str]:
        """The next ``n`` lines, fewer only at the end of the file."""
        while len(self._pending) < n and not self._eof:
            self._fill()
        out, self._pending = self._pending[:n], self._pending[n:]
        self.lines_taken += len(out)
        return out

    def _fill(self) -> None:
        try:
            data = self._fh.read(self._block)
        except OSError as exc:
            raise UserError(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        if not data:
            self._eof = True
            if self._tail:
                self._add(self._tail)
            if not self._seen_text:
                raise UserError(f"{self.path}: file is empty")
            return
        data = self._tail + data
        cut = data.rfind(b"\n") + 1
        self._tail = data[cut:]
        if len(self._tail) > MAX_LINE_BYTES:
            raise UserError(f"{self.path}:{self.lines_read + 1}: line of more than {MAX_LINE_BYTES:,} bytes is "
                            f"longer than the limit of {MAX_LINE_BYTES:,}; is this a text file with one segment per line?")
        if cut:
            self._add(data[:cut - 1])

    def _add(self, block: bytes) -> None:
        """Decode whole lines (``block`` holds no trailing newline)."""
        first = self.lines_read == 0
        if b"\x00" in block:
            line = self.lines_read + block.count(b"\n", 0, block.index(b"\x00")) + 1
            kind = "UTF-16 text" if first and block[:2] in (b"\xff\xfe", b"\xfe\xff") else "a binary file"
            raise UserError(f"{self.path}:{line}: NUL byte: this looks like {kind}; expected UTF-8 text")
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self.lines_read + block.count(b"\n", 0, exc.start) + 1
            column = exc.start - (block.rfind(b"\n", 0, exc.start) + 1) + 1
            raise UserError(f"{self.path}:{line}: invalid UTF-8 (byte 0x{block[exc.start]:02x} at column {column})") from None
        lines = text.split("\n")
        if any(len(line) > MAX_LINE_BYTES // 4 for line in lines):
            self._check_lengths(lines)
        if not self._seen_text:
            self._seen_text = any((line.removeprefix(BOM) if first and k == 0 else line).strip()
                                  for k, line in enumerate(lines))
        self.lines_read += len(lines)
        self._pending.extend(line.rstrip() for line in lines)

    def _check_lengths(self, lines: list[str]) -> None:
        for k, line in enumerate(lines):
            size = len(line.encode("utf-8"))
            if size > MAX_LINE_BYTES:
                raise UserError(f"{self.path}:{self.lines_read + k + 1}: line of {size:,} bytes is longer than the "
                                f"limit of {MAX_LINE_BYTES:,}; is this a text file with one segment per line?")


def text_chunks(source: Path | None, references: dict[str, Path], systems: dict[str, Path],
                size: int) -> Iterator[Chunk]:
    """Line-aligned files in lockstep; without a source, empty source segments.
    A file that ends before the others is an error naming it and its last line."""
    files: dict[str, LineFile] = {}
    try:
        for key, path in [("source", source), *((f"ref:{k}", p) for k, p in references.items()),
                          *((f"sys:{k}", p) for k, p in systems.items())]:
            if path is not None:
                files[key] = LineFile(path)
        start = 0
        while True:
            got = {key: f.take(size) for key, f in files.items()}
            counts = {key: len(lines) for key, lines in got.items()}
            if len(set(counts.values())) > 1:
                _uneven(files, counts)
            n = next(iter(counts.values()))
            if n == 0:
                return
            yield Chunk(start, got["source"] if source is not None else [""] * n,
                        {k: got[f"ref:{k}"] for k in references}, {k: got[f"sys:{k}"] for k in systems})
            start += n
    finally:
        for f in files.values():
            f.close()


def _uneven(files: dict[str, LineFile], counts: dict[str, int]) -> None:
    short_key = min(counts, key=counts.get)
    long_key = max(counts, key=counts.get)
    short, longer = files[short_key], files[long_key]
    raise UserError(f"{short.path}: ends after line {short.lines_taken}, but {longer.path} goes on "
                    f"(it has a line {short.lines_taken + 1}); every file needs one line per segment")


def table_chunks(path: Path, columns: Columns, size: int,
                 note: Callable[[str], None] | None = None) -> Iterator[Chunk]:
    """A JSONL file (``.jsonl``) or Parquet (``.parquet``, or a folder of them)."""
    if path.suffix == ".jsonl":
        return jsonl_chunks(path, columns, size, note)
    if path.suffix == ".parquet" or is_folder(path):
        return parquet_chunks(path, columns, size)
    raise UserError(f"{path}: expected a .jsonl file, a .parquet file or a folder of .parquet files")


def jsonl_chunks(path: Path, columns: Columns, size: int,
                 note: Callable[[str], None] | None = None) -> Iterator[Chunk]:
    """A JSONL file, one object per line, mapped by ``columns`` as ``corpora.tabular``
    maps it; blank lines are skipped, and errors name the line. A leading
    byte-order mark stands outside every value: skipped, and ``note``d as
    ``corpora.tabular.load_jsonl`` notes it."""
    reader = LineFile(path)
    wanted = list(dict.fromkeys(columns.all()))
    lineno, start = 0, 0
    try:
        while True:
            lines = reader.take(size)
            if not lines:
                return
            rows = []
            for line in lines:
                lineno += 1
                if lineno == 1 and line.startswith(BOM):
                    line = line.removeprefix(BOM)
                    if note is not None:
                        note(f"{path} starts with a byte-order mark (U+FEFF) before its first JSON object; "
                             "no value holds it")
                if not line.strip():
                    continue
                rows.append((f"{path}:{lineno}", json_object(line, path, lineno)))
            if rows:
                chunk = _rows_chunk(start, rows, columns, wanted)
                start += len(chunk)
                yield chunk
    finally:
        reader.close()


def _rows_chunk(start: int, rows: list[tuple[str, dict]], columns: Columns, wanted: list[str]) -> Chunk:
    values = column_values(rows, wanted)
    return Chunk(start, values[columns.source], {k: values[c] for k, c in columns.references.items()},
                 {k: values[c] for k, c in columns.systems.items()})


def parquet_chunks(path: Path, columns: Columns, size: int) -> Iterator[Chunk]:
    """A Parquet file (or folder of them) scanned ``size`` rows at a time with
    pyarrow's dataset scanner, reading only the mapped columns."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    wanted = list(dict.fromkeys(columns.all()))
    try:
        dataset = ds.dataset(str(path), format="parquet")
        missing = [c for c in wanted if c not in dataset.schema.names]
        if missing:
            raise UserError(f"{path}: no column {missing[0]!r} (have: {', '.join(dataset.schema.names)})")
        for col in wanted:
            kind = dataset.schema.field(col).type
            if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
                    or pa.types.is_null(kind)):
                raise UserError(f"{path}: column {col!r} holds {kind}, expected text")
        start = 0
        for batch in dataset.scanner(columns=wanted, batch_size=size).to_batches():
            if batch.num_rows == 0:
                continue
            values = {c: [_cell(v, path, start + i, c) for i, v in enumerate(batch.column(c).to_pylist())]
                      for c in wanted}
            yield Chunk(start, values[columns.source], {k: values[c] for k, c in columns.references.items()},
                        {k: values[c] for k, c in columns.systems.items()})
            start += batch.num_rows
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"{path}: cannot read as Parquet ({exc})") from None


def _cell(value, path: Path, row: int, column: str) -> str:
    return _cell_text(value, f"{path}: row {row + 1}", column)
