"""segments.parquet and texts.parquet written in row groups as chunks finish.

The in-memory path orders rows by system (segments) and by field (texts), so
each system's and each field's rows go to their own part file while scoring;
``merge`` then copies the parts' row groups, in that order, into the final
file: one row group in memory at a time, and the same rows as the in-memory path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


class PartFiles:
    """One Parquet part file per key (system or field), all with ``schema``."""

    def __init__(self, folder: Path, stem: str, keys: Sequence[str], schema: pa.Schema) -> None:
        self.schema = schema
        self.paths = {key: folder / f"{stem}-{i}.parquet" for i, key in enumerate(keys)}
        self._writers = {key: pq.ParquetWriter(path, schema) for key, path in self.paths.items()}

    def write(self, key: str, columns: dict) -> None:
        self._writers[key].write_table(pa.table(columns, schema=self.schema))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def merge(self, target: Path) -> None:
        """Every part's row groups, in key order, into ``target``."""
        self.close()
        with pq.ParquetWriter(target, self.schema) as out:
            for path in self.paths.values():
                part = pq.ParquetFile(path)
                for group in range(part.num_row_groups):
                    out.write_table(part.read_row_group(group))


def segment_schema(labels: Sequence[str]) -> pa.Schema:
    fields = [("testset", pa.string()), ("system", pa.string()), ("seg_id", pa.int64()), ("doc_id", pa.null())]
    return pa.schema(fields + [(label, pa.float64()) for label in labels])


TEXT_SCHEMA = pa.schema([("testset", pa.string()), ("seg_id", pa.int64()), ("doc_id", pa.null()),
                         ("field", pa.string()), ("text", pa.string())])


def segment_columns(testset: str, system: str, start: int, scores: dict[str, np.ndarray]) -> dict:
    n = len(next(iter(scores.values())))
    return {"testset": [testset] * n, "system": [system] * n, "seg_id": np.arange(start + 1, start + n + 1),
            "doc_id": pa.nulls(n), **scores}


def text_columns(testset: str, field: str, start: int, texts: list[str]) -> dict:
    n = len(texts)
    return {"testset": [testset] * n, "seg_id": np.arange(start + 1, start + n + 1), "doc_id": pa.nulls(n),
            "field": [field] * n, "text": texts}
