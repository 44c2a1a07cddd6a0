"""The ``meta`` block as one tidy table: a row per (block, metric, statistic)."""
from __future__ import annotations

import pandas as pd

COLUMNS = ["testset", "human", "metric", "statistic", "value", "reason", "cluster"]


def meta_frame(meta: dict) -> pd.DataFrame:
    """``value`` is NaN where undefined (``reason`` says why); ``cluster`` is the
    significance cluster when the block was ranked for that statistic."""
    rows = []
    for key, block in (meta or {}).get("testsets", {}).items():
        for metric, values in block.get("metrics", {}).items():
            for statistic, value in values.items():
                ranks = block.get("ranks", {}).get(statistic, {}).get("ranks", {})
                rows.append({
                    "testset": block.get("testset", key), "human": key, "metric": metric, "statistic": statistic,
                    "value": float("nan") if value is None else float(value),
                    "reason": block.get("reasons", {}).get(metric, {}).get(statistic),
                    "cluster": ranks.get(metric),
                })
    return pd.DataFrame(rows, columns=COLUMNS)
