"""The texts of a few selected rows, read back from a run's texts.parquet
without loading the rest: the report's segment explorer needs the texts of
its bounded selection, never of every segment."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..errors import UserError


def selected_texts(texts_parquet: str | Path, testset: str, seg_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{seg_id: {field: text}}`` for the given 1-based ``seg_ids`` of ``testset``
    (fields: ``source``, ``ref:NAME``, ``sys:NAME``). Row groups whose seg_id
    range misses every wanted id are skipped by the Parquet statistics."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    wanted = sorted({int(i) for i in seg_ids})
    if not wanted:
        return {}
    try:
        dataset = ds.dataset(str(texts_parquet), format="parquet")
        table = dataset.to_table(columns=["seg_id", "field", "text"],
                                 filter=(ds.field("testset") == testset) & ds.field("seg_id").isin(wanted))
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"{texts_parquet}: cannot read the run's texts ({exc})") from None
    out: dict[int, dict[str, str]] = {}
    for seg_id, field, text in zip(*(table.column(c).to_pylist() for c in ("seg_id", "field", "text"))):
        out.setdefault(seg_id, {})[field] = text
    return out
