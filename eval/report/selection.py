"""Which segments the report's explorer carries when a test set is too large to
embed whole: per system the worst and best rows by each metric, one seeded random
sample shared by all systems, and its flagged rows up to a cap. A pure function
of per-segment score and flag arrays, so texts are read only for the rows it
returns (docs/REPORT.md, "Large runs")."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

# Up to this many segments the page carries every row, as for small runs.
FULL_ROWS = 10_000
WORST_BEST = 100  # per system and metric, each way
SAMPLE = 1_000  # one random sample, the same rows for every system
FLAGGED_CAP = 500  # flagged rows kept per system (a seeded sample of them beyond this)
SEED = 12345


@dataclass(frozen=True)
class Limits:
    full_rows: int = FULL_ROWS
    worst_best: int = WORST_BEST
    sample: int = SAMPLE
    flagged_cap: int = FLAGGED_CAP
    seed: int = SEED


@dataclass
class Selection:
    """``rows``: sorted 0-based segment indices to embed; ``sample``: the random
    sample's indices; ``per_system``: what each system contributed."""

    rows: np.ndarray
    sample: np.ndarray
    per_system: dict[str, dict[str, int]] = field(default_factory=dict)
    complete: bool = False  # every row is carried (a small test set)


def extremes(values: np.ndarray, k: int, higher_is_better: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``k`` worst and ``k`` best finite values; ties go to the
    earlier segment, so the choice is deterministic."""
    finite = np.flatnonzero(np.isfinite(values))
    order = finite[np.argsort(values[finite], kind="stable")]  # lowest first, ties by index
    low = order[:k]
    high_order = finite[np.argsort(-values[finite], kind="stable")]
    high = high_order[:k]
    return (low, high) if higher_is_better else (high, low)


def select_rows(
    n: int,
    scores: Mapping[str, Mapping[str, np.ndarray]],
    higher_is_better: Mapping[str, bool],
    flags: Mapping[str, Mapping[str, np.ndarray]],
    limits: Limits = Limits(),
) -> Selection:
    """The rows of an ``n``-segment test set the explorer carries.

    ``scores[metric][system]`` and ``flags[label][system]`` are length-``n``
    arrays (NaN: no score; True: flagged). Up to ``limits.full_rows`` every row is
    kept. The result depends only on the arrays and ``limits`` (its seed)."""
    systems = list(dict.fromkeys(s for by_system in (*scores.values(), *flags.values()) for s in by_system))
    if n <= limits.full_rows:
        every = np.arange(n)
        return Selection(every, every, {}, complete=True)
    rng = np.random.default_rng(limits.seed)
    sample = np.sort(rng.choice(n, size=min(limits.sample, n), replace=False))
    chosen = [sample]
    per_system: dict[str, dict[str, int]] = {}
    for k, system in enumerate(systems):
        worst, best = [], []
        for metric, by_system in scores.items():
            if system not in by_system:
                continue
            low, high = extremes(np.asarray(by_system[system], dtype=np.float64), limits.worst_best,
                                 higher_is_better.get(metric, True))
            worst.append(low)
            best.append(high)
        flagged_mask = np.zeros(n, dtype=bool)
        for by_system in flags.values():
            if system in by_system:
                flagged_mask |= np.asarray(by_system[system], dtype=bool)
        flagged = np.flatnonzero(flagged_mask)
        kept = flagged
        if len(flagged) > limits.flagged_cap:
            pick = np.random.default_rng([limits.seed, k]).choice(len(flagged), limits.flagged_cap, replace=False)
            kept = np.sort(flagged[pick])
        chosen += [*worst, *best, kept]
        per_system[system] = {
            "worst": len(np.unique(np.concatenate(worst))) if worst else 0,
            "best": len(np.unique(np.concatenate(best))) if best else 0,
            "flagged": int(len(kept)),
            "flagged_total": int(len(flagged)),
        }
    rows = np.unique(np.concatenate(chosen).astype(np.int64))
    return Selection(rows, sample, per_system)
