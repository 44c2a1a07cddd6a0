"""TER statistics ``[edits, average reference length]`` equal to sacreBLEU's TER."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

from . import _lexcore
from .packing import PreparedWords, check_hypotheses, pack_words, reference_layout


class FastTER:
    """sacreBLEU's TER (TERCOM shift heuristics, beam edit distance) in C.

    Takes sacreBLEU's options; tokenisation is sacreBLEU's own Tercom
    tokeniser, the edit search runs in the compiled core."""

    n_stats = 2

    def __init__(self, case_sensitive: bool = False, normalized: bool = False,
                 no_punct: bool = False, asian_support: bool = False) -> None:
        self.options = (bool(case_sensitive), bool(normalized), bool(no_punct), bool(asian_support))
        self._tokenizer = TercomTokenizer(normalized=normalized, no_punct=no_punct,
                                          asian_support=asian_support, case_sensitive=case_sensitive)

    def _words(self, segments: Sequence[str], passes: int = 1) -> list[list[str]]:
        tok = self._tokenizer
        for _ in range(passes):
            segments = [tok(seg.rstrip()) for seg in segments]
        return [seg.split() for seg in segments]

    def prepare(self, references: Sequence[Sequence[str | None]]) -> PreparedWords:
        streams, present = reference_layout(references)
        vocab: dict[str, int] = {}
        # sacreBLEU's TER preprocesses references twice (in _cache_references
        # and again in _extract_reference_info); with normalisation on, the
        # second pass can split further ("it's the" -> "it 's the").
        refs = tuple(pack_words(self._words(stream, passes=2), vocab, grow=True) for stream in streams)
        return PreparedWords(self.options, vocab, refs, present)

    def stats(self, hypotheses: Sequence[str], prepared: PreparedWords) -> np.ndarray:
        if prepared.options != self.options:
            raise ValueError("references were prepared with other TER options")
        n = prepared.present.shape[0]
        hyp = pack_words(self._words(check_hypotheses(hypotheses, n)), prepared.vocab, grow=False)
        present = prepared.present.astype(bool)
        edits = np.empty((len(prepared.refs), n))
        for k, ref in enumerate(prepared.refs):
            _lexcore.ter_edits(hyp.symbols, hyp.offsets, ref.symbols, ref.offsets, edits[k])
        best = np.where(present.T, edits, np.inf).min(axis=0)
        ref_len = (np.stack([ref.lengths for ref in prepared.refs]).T * present).sum(axis=1)
        return np.stack([best, ref_len / present.sum(axis=1)], axis=1).astype(np.float64)
