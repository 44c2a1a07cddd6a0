"""Segments as flat integer arrays (CSR layout) for the compiled core.

Each side of a test set becomes one int32 array of symbols plus int64 offsets
(segment i is ``symbols[offsets[i]:offsets[i + 1]]``): word ids for word-level
statistics, Unicode code points for chrF characters.  Plain numpy arrays and a
dict are all a prepared reference set holds, so it survives ``os.fork`` and
pickling unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat
from typing import Iterable, Sequence

import numpy as np

from ...errors import UserError

# Id of a hypothesis word that no reference contains: it can never match.
UNKNOWN_WORD = -2


@dataclass(frozen=True)
class Packed:
    """Segments of one stream: ``symbols`` (int32) and ``offsets`` (int64, n + 1)."""

    symbols: np.ndarray
    offsets: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def _offsets(lengths: Iterable[int], n: int) -> np.ndarray:
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(lengths, dtype=np.int64, count=n), out=offsets[1:])
    return offsets


def pack_words(token_lists: Sequence[Sequence[str]], vocab: dict[str, int], grow: bool) -> Packed:
    """Word ids of tokenised segments.  References ``grow`` the vocabulary;
    hypotheses only look words up, so unseen words get ``UNKNOWN_WORD``."""
    flat = chain.from_iterable(token_lists)
    if grow:
        ids = [vocab.setdefault(word, len(vocab)) for word in flat]
    else:
        ids = list(map(vocab.get, flat, repeat(UNKNOWN_WORD)))
    return Packed(np.array(ids, dtype=np.int32), _offsets(map(len, token_lists), len(token_lists)))


def pack_chars(strings: Sequence[str]) -> Packed:
    """Unicode code points of each string (lone surrogates kept as they are)."""
    data = "".join(strings).encode("utf-32-le", "surrogatepass")
    return Packed(np.frombuffer(data, dtype="<i4").astype(np.int32, copy=False), _offsets(map(len, strings), len(strings)))


def reference_layout(references: Sequence[Sequence[str | None]]) -> tuple[list[list[str]], np.ndarray]:
    """Check sacreBLEU's reference layout (one list per reference, ``None`` for
    a reference missing on a segment) and return the streams with ``None``
    replaced by ``""`` plus the presence mask, shape (n_segments, n_refs)."""
    if isinstance(references, str) or not references:
        raise UserError("references must be a non-empty list of reference streams (one list of segments each)")
    streams = [list(stream) for stream in references]
    lengths = {len(stream) for stream in streams}
    if len(lengths) != 1:
        raise UserError(f"reference streams differ in length: {sorted(lengths)}")
    present = np.array([[seg is not None for seg in stream] for stream in streams], dtype=np.uint8).T.copy()
    present = present.reshape(len(streams[0]), len(streams))
    for stream in streams:
        for seg in stream:
            if seg is not None and not isinstance(seg, str):
                raise UserError(f"reference segments must be str or None, got {type(seg).__name__}")
    missing = np.flatnonzero(present.sum(axis=1) == 0)
    if missing.size:
        raise UserError(f"segment {int(missing[0]) + 1} has no reference (all references are None)")
    return [[seg if seg is not None else "" for seg in stream] for stream in streams], present


def check_hypotheses(hypotheses: Sequence[str], n_segments: int) -> list[str]:
    """The hypotheses as a list, checked against the prepared references."""
    hyps = list(hypotheses)
    if len(hyps) != n_segments:
        raise UserError(f"{len(hyps)} hypotheses for {n_segments} reference segments")
    for hyp in hyps:
        if not isinstance(hyp, str):
            raise UserError(f"hypothesis segments must be str, got {type(hyp).__name__}")
    return hyps


@dataclass(frozen=True)
class PreparedWords:
    """Word-tokenised references of a test set (BLEU, TER), shared by all systems."""

    options: tuple
    vocab: dict
    refs: tuple[Packed, ...]
    present: np.ndarray
