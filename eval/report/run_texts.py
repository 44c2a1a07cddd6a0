"""A run's texts (texts.parquet) as a TestSet whose source, references and
outputs are sequences read on demand: the report indexes only the rows it shows,
so a million-segment run never becomes a million Python strings. Anything with
the same ``testset.source[i]`` / ``references[name][i]`` / ``systems[name][i]``
shape (a streaming reader's lazy columns) can take its place."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from ..corpora.model import TestSet
from ..errors import UserError


class TextColumn(Sequence[str]):
    """One field's texts in segment order; "" where the run has none."""

    def __init__(self, values: pa.ChunkedArray | pa.Array | None, seg_ids: np.ndarray | None, n: int):
        self._n = n
        self._values = values
        # _where[i]: the value's position for segment i, -1 when absent
        self._where = np.full(n, -1, dtype=np.int64)
        if values is not None and seg_ids is not None:
            ok = (seg_ids >= 1) & (seg_ids <= n)
            self._where[seg_ids[ok] - 1] = np.flatnonzero(ok)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return self.take(np.arange(self._n)[i])
        if not -self._n <= i < self._n:
            raise IndexError(i)
        at = self._where[i]
        value = None if at < 0 else self._values[int(at)].as_py()
        return value or ""

    def take(self, rows: Sequence[int] | np.ndarray) -> list[str]:
        """The texts of ``rows`` in one vectorised read."""
        where = self._where[np.asarray(rows, dtype=np.int64)]
        if self._values is None or not len(where):
            return [""] * len(where)
        present = where >= 0
        got = self._values.take(pa.array(np.where(present, where, 0))).to_pylist()
        return [(v or "") if p else "" for v, p in zip(got, present.tolist())]

    def __iter__(self) -> Iterator[str]:
        step = 65_536
        for start in range(0, self._n, step):
            yield from self.take(np.arange(start, min(start + step, self._n)))


def _field(dataset: ds.Dataset, testset: str, name: str, n: int, columns: tuple[str, ...] = ("seg_id", "text")) -> tuple:
    table = dataset.to_table(columns=list(columns),
                             filter=(ds.field("testset") == testset) & (ds.field("field") == name))
    seg_ids = table.column("seg_id").to_numpy().astype(np.int64) if table.num_rows else None
    return table, seg_ids


def run_testset(path: Path, name: str, langs: str, n: int, ref_names: list[str], systems: list[str]) -> tuple[TestSet, list | None]:
    """Test set ``name`` of texts.parquet at ``path`` with lazy text columns, and
    its per-segment document ids (None when the run has none)."""
    src_lang, _, tgt_lang = langs.partition("-")
    empty = TextColumn(None, None, n)
    if not path.exists():
        return TestSet(name, src_lang, tgt_lang, empty, {r: empty for r in ref_names},  # type: ignore[arg-type]
                       {s: empty for s in systems}), None
    try:
        dataset = ds.dataset(path, format="parquet")
        has_docs = "doc_id" in dataset.schema.names
        fields = dataset.to_table(columns=["field"], filter=ds.field("testset") == name).column("field").unique().to_pylist()
        if not ref_names:
            ref_names = [f[4:] for f in fields if isinstance(f, str) and f.startswith("ref:")]

        def column(field: str) -> TextColumn:
            table, seg_ids = _field(dataset, name, field, n)
            return TextColumn(table.column("text") if table.num_rows else None, seg_ids, n)

        source = column("source")
        docs = None
        if has_docs:
            table, seg_ids = _field(dataset, name, "source", n, ("seg_id", "doc_id"))
            docs_column = TextColumn(table.column("doc_id").cast(pa.string()) if table.num_rows else None, seg_ids, n)
            values = [None if v == "" else v for v in docs_column]
            docs = values if any(v is not None for v in values) else None
        testset = TestSet(name, src_lang, tgt_lang, source,  # type: ignore[arg-type]
                          {r: column(f"ref:{r}") for r in ref_names}, {s: column(f"sys:{s}") for s in systems})
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"{path}: unreadable run file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    return testset, docs
