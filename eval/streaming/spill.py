"""Per-segment statistics on disk, appended a chunk at a time in a compact dtype.

A chunk whose statistics are all whole numbers that fit (lexical counts) is
stored as int32, anything else as float64; reading back gives the float64
matrix the in-memory path holds, value for value. Significance tests and
stats.npz read these files; nothing keeps all rows in memory while scoring.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

import numpy as np

_INT32 = np.iinfo(np.int32)


def compact(stats: np.ndarray) -> np.ndarray:
    """int32 when every value is a whole number within int32's range, else float64."""
    stats = np.asarray(stats, dtype=np.float64)
    if stats.size and np.all(np.isfinite(stats)) and stats.min() >= _INT32.min and stats.max() <= _INT32.max \
            and np.array_equal(stats, np.trunc(stats)):
        return stats.astype(np.int32)
    return stats


class SpilledMatrix:
    """One (metric, system) statistics matrix, appended chunk by chunk."""

    def __init__(self, path: Path, n_stats: int) -> None:
        self.path = path
        self.n_stats = n_stats
        self.rows = 0
        self.n_blocks = 0
        self.stored_bytes = 0
        self._fh = open(path, "wb")

    def append(self, stats: np.ndarray) -> None:
        block = compact(stats)
        np.save(self._fh, block, allow_pickle=False)
        self.rows += len(block)
        self.n_blocks += 1
        self.stored_bytes += block.nbytes

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def blocks(self) -> Iterator[np.ndarray]:
        """The stored chunks, in order, as float64."""
        self.close()
        with open(self.path, "rb") as fh:
            for _ in range(self.n_blocks):
                yield np.load(fh, allow_pickle=False).astype(np.float64)

    def matrix(self) -> np.ndarray:
        """The whole float64 matrix (for significance tests, which need every row)."""
        out = np.empty((self.rows, self.n_stats), dtype=np.float64)
        at = 0
        for block in self.blocks():
            out[at:at + len(block)] = block
            at += len(block)
        return out


def write_npz(path: Path, matrices: dict[str, SpilledMatrix]) -> None:
    """A stats.npz that loads as ``np.savez_compressed`` of the float64 matrices,
    written one chunk at a time (a member per matrix, streamed into the zip);
    fastest deflate level, as the counts compress well at any level."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        for key, spilled in matrices.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)), "fortran_order": False,
                          "shape": (spilled.rows, spilled.n_stats)}
                np.lib.format.write_array_header_1_0(member, header)
                for block in spilled.blocks():
                    member.write(np.ascontiguousarray(block).tobytes())
