"""A run's texts (texts.parquet) as a TestSet whose source, references and
outputs are read from the file on demand: the report reads only the rows it
shows, so a million-segment run never sits in memory as text. Anything with the
same ``testset.source[i]`` / ``references[name][i]`` / ``systems[name][i]`` shape
(a streaming reader's lazy columns) can take its place; ``take(rows)``, when a
column has it, reads many rows at once."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from ..corpora.model import TestSet
from ..errors import UserError

_BATCH = 65_536  # texts converted to Python strings at a time when a column is read whole


@contextmanager
def _readable(path: Path):
    """pyarrow's errors on a damaged file as one line naming it."""
    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path}: unreadable run file ({first})") from None


class TextColumn(Sequence[str]):
    """One field (``source``, ``ref:NAME``, ``sys:NAME``) of one test set, in
    segment order; "" where the run has no text."""

    def __init__(self, path: Path, testset: str, field: str, n: int):
        self._path, self._testset, self._field, self._n = path, testset, field, n

    def _scan(self, columns: list[str], rows: np.ndarray | None = None) -> pa.Table:
        where = (ds.field("testset") == self._testset) & (ds.field("field") == self._field)
        if rows is not None:
            where = where & ds.field("seg_id").isin(pa.array(rows + 1, pa.int64()))
        with _readable(self._path):
            if not self._path.exists():
                return pa.table({c: pa.array([], pa.string()) for c in columns})
            return ds.dataset(self._path, format="parquet").to_table(columns=columns, filter=where)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return self.take(np.arange(self._n)[i])
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self.take([i % self._n])[0]

    def take(self, rows: Sequence[int] | np.ndarray) -> list[str]:
        """The texts of ``rows`` (0-based), read in one pass over the file."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return []
        table = self._scan(["seg_id", "text"], np.unique(rows))
        found = dict(zip(table.column("seg_id").to_pylist(), table.column("text").to_pylist()))
        return [found.get(r + 1) or "" for r in rows.tolist()]

    def __iter__(self) -> Iterator[str]:
        """Every text in segment order: the field is read once, converted in batches."""
        table = self._scan(["seg_id", "text"])
        at = np.full(self._n, -1, dtype=np.int64)
        if table.num_rows:
            ids = table.column("seg_id").to_numpy().astype(np.int64)
            ok = (ids >= 1) & (ids <= self._n)
            at[ids[ok] - 1] = np.flatnonzero(ok)
        texts = table.column("text") if table.num_rows else pa.chunked_array([], pa.string())
        for start in range(0, self._n, _BATCH):
            where = at[start:start + _BATCH]
            got = texts.take(pa.array(np.where(where >= 0, where, 0))).to_pylist() if table.num_rows else [None] * len(where)
            yield from ((v or "") if w >= 0 else "" for v, w in zip(got, where.tolist()))


def run_testset(path: Path, name: str, langs: str, n: int, ref_names: list[str], systems: list[str]) -> TestSet:
    """Test set ``name`` of the texts.parquet at ``path``, its texts read on demand."""
    src_lang, _, tgt_lang = langs.partition("-")
    if not ref_names and path.exists():  # runs that did not record their references' names
        with _readable(path):
            fields = ds.dataset(path, format="parquet").to_table(
                columns=["field"], filter=ds.field("testset") == name).column("field").unique().to_pylist()
        ref_names = [f[4:] for f in fields if isinstance(f, str) and f.startswith("ref:")]
    return TestSet(name, src_lang, tgt_lang, TextColumn(path, name, "source", n),  # type: ignore[arg-type]
                   {r: TextColumn(path, name, f"ref:{r}", n) for r in ref_names},
                   {s: TextColumn(path, name, f"sys:{s}", n) for s in systems})


def run_doc_ids(path: Path, name: str, n: int) -> list | None:
    """Per-segment document ids recorded with the source texts (None when none are)."""
    if not path.exists():
        return None
    with _readable(path):
        dataset = ds.dataset(path, format="parquet")
        if "doc_id" not in dataset.schema.names:
            return None
        table = dataset.to_table(columns=["seg_id", "doc_id"],
                                 filter=(ds.field("testset") == name) & (ds.field("field") == "source"))
    values: list = [None] * n
    for seg_id, doc in zip(table.column("seg_id").to_pylist(), table.column("doc_id").to_pylist()):
        if 1 <= seg_id <= n and doc is not None and doc == doc:  # NaN is no id
            values[seg_id - 1] = str(doc)
    return values if any(v is not None for v in values) else None
