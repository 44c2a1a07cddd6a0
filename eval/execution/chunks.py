"""A finished chunk: the statistics of some rows of one (metric, system).

Executors yield chunks as they finish so that the caller can write each to the
statistics cache at once (one transaction per chunk): a run that stops, or a
driver that is lost, keeps every chunk that finished, and a rerun computes only
the rest. ``start``/``stop`` index the rows the executor was handed; a chunk of
a model metric's whole batches (length-sorted, so not a range) lists its ``rows``."""
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
    rows: tuple[int, ...] | None = None

    @property
    def indices(self) -> list[int]:
        """The rows this chunk holds, in the order of its statistics."""
        return list(self.rows) if self.rows is not None else list(range(self.start, self.stop))


def assemble(chunks: list[Chunk]) -> tuple[np.ndarray, list[str] | None]:
    """One (metric, system)'s rows in order from its chunks (any arrival order)."""
    indices = np.concatenate([np.asarray(c.indices, dtype=np.int64) for c in chunks])
    order = np.argsort(indices, kind="stable")
    stats = np.concatenate([c.stats for c in chunks])[order]
    if chunks[0].payloads is None:
        return stats, None
    payloads = [p for c in chunks for p in c.payloads]
    return stats, [payloads[i] for i in order]
