"""BLEU statistics ``[hyp_len, ref_len, correct_1..N, total_1..N]`` equal to sacreBLEU's BLEU."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...errors import UserError
from . import _lexcore
from .packing import Packed, PreparedWords, check_hypotheses, pack_chars, pack_words, reference_layout
from .tokenizers import CHARACTER_TOKENIZERS, bleu_tokenizer, resolve_tokenizer


class FastBLEU:
    """sacreBLEU's BLEU statistics: clipped n-gram matches against the
    per-n-gram maximum over references, closest reference length (shorter on
    ties), counted in the compiled core."""

    def __init__(self, lowercase: bool = False, tokenize: str | None = "13a",
                 max_ngram_order: int = 4, trg_lang: str = "") -> None:
        if not isinstance(max_ngram_order, int) or isinstance(max_ngram_order, bool) or not 1 <= max_ngram_order <= 64:
            raise UserError(f"BLEU option max_ngram_order must be an integer between 1 and 64, got {max_ngram_order!r}")
        self.lowercase = bool(lowercase)
        self.max_ngram_order = max_ngram_order
        self.tokenize = resolve_tokenizer(tokenize, trg_lang)
        self._tokenizer = bleu_tokenizer(self.tokenize)
        self.options = (self.lowercase, self.tokenize, max_ngram_order)
        self.n_stats = 2 + 2 * max_ngram_order

    def _pack(self, segments: Sequence[str], vocab: dict, grow: bool) -> Packed:
        if self.lowercase:
            segments = [seg.lower() for seg in segments]
        tokens = self._tokenizer([seg.rstrip() for seg in segments])
        if self.tokenize in CHARACTER_TOKENIZERS:
            return pack_chars(tokens)
        return pack_words(tokens, vocab, grow)

    def prepare(self, references: Sequence[Sequence[str | None]]) -> PreparedWords:
        streams, present = reference_layout(references)
        vocab: dict[str, int] = {}
        refs = tuple(self._pack(stream, vocab, grow=True) for stream in streams)
        return PreparedWords(self.options, vocab, refs, present)

    def stats(self, hypotheses: Sequence[str], prepared: PreparedWords) -> np.ndarray:
        if prepared.options != self.options:
            raise ValueError("references were prepared with other BLEU options")
        n = prepared.present.shape[0]
        hyp = self._pack(check_hypotheses(hypotheses, n), prepared.vocab, grow=False)
        out = np.empty((n, self.n_stats), dtype=np.float64)
        _lexcore.bleu_stats(hyp.symbols, hyp.offsets, tuple(r.symbols for r in prepared.refs),
                            tuple(r.offsets for r in prepared.refs), prepared.present, self.max_ngram_order, out)
        return out
