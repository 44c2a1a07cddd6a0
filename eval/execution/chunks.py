"""A finished chunk: the statistics of some rows of one (metric, system).

Executors yield chunks as they finish so that the caller can write each to the
statistics cache at once (one transaction per chunk): a run that stops, or a
driver that is lost, keeps every chunk that finished, and a rerun computes only
the rest. ``start``/``stop`` index the rows the executor was handed."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    label: str
    system: str
    start: int
    stop: int
    stats: np.ndarray
    payloads: list[str] | None = None


def assemble(chunks: list[Chunk]) -> tuple[np.ndarray, list[str] | None]:
    """One (metric, system)'s rows in order from its chunks (any arrival order)."""
    chunks = sorted(chunks, key=lambda c: c.start)
    stats = np.concatenate([c.stats for c in chunks])
    if chunks[0].payloads is None:
        return stats, None
    return stats, [p for c in chunks for p in c.payloads]
