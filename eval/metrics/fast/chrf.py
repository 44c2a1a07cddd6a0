"""chrF / chrF++ statistics ``[hyp, ref, match] x orders`` equal to sacreBLEU's CHRF."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ...errors import UserError
from . import _lexcore
from .packing import Packed, check_hypotheses, pack_chars, pack_words, reference_layout

# string.punctuation, the set sacreBLEU's chrF++ word splitter peels off words.
_PUNCTS = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def chrf_words(sentence: str) -> list[str]:
    """CHRF._remove_punctuation: split, then separate one punctuation mark
    from the end of a word, or else from its start."""
    words: list[str] = []
    for w in sentence.split():
        if len(w) == 1:
            words.append(w)
        elif w[-1] in _PUNCTS:
            words += (w[:-1], w[-1])
        elif w[0] in _PUNCTS:
            words += (w[0], w[1:])
        else:
            words.append(w)
    return words


@dataclass(frozen=True)
class PreparedCHRF:
    """Reference characters and words of a test set, shared by all systems."""

    options: tuple
    vocab: dict
    chars: tuple[Packed, ...]
    words: tuple[Packed, ...]
    present: np.ndarray


class FastCHRF:
    """sacreBLEU's chrF/chrF++ statistics with the best reference (highest
    segment F-score, first on ties) chosen in the compiled core."""

    def __init__(self, char_order: int = 6, word_order: int = 0, beta: int = 2,
                 lowercase: bool = False, whitespace: bool = False, eps_smoothing: bool = False) -> None:
        for name, value in (("char_order", char_order), ("word_order", word_order)):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 64:
                raise UserError(f"chrF option {name} must be an integer between 0 and 64, got {value!r}")
        if char_order + word_order == 0:
            raise UserError("chrF needs char_order or word_order above 0")
        if not isinstance(beta, (int, float)) or isinstance(beta, bool):
            raise UserError(f"chrF option beta must be a number, got {beta!r}")
        self.char_order, self.word_order, self.beta = char_order, word_order, beta
        self.lowercase, self.whitespace, self.eps_smoothing = bool(lowercase), bool(whitespace), bool(eps_smoothing)
        self.options = (char_order, word_order, beta, self.lowercase, self.whitespace, self.eps_smoothing)
        self.n_stats = 3 * (char_order + word_order)

    def _pack(self, segments: Sequence[str], vocab: dict, grow: bool) -> tuple[Packed, Packed]:
        if self.lowercase:
            segments = [seg.lower() for seg in segments]
        chars = pack_chars(segments if self.whitespace else ["".join(seg.split()) for seg in segments])
        words = [chrf_words(seg) for seg in segments] if self.word_order else [[] for _ in segments]
        return chars, pack_words(words, vocab, grow)

    def prepare(self, references: Sequence[Sequence[str | None]]) -> PreparedCHRF:
        streams, present = reference_layout(references)
        vocab: dict[str, int] = {}
        packed = [self._pack(stream, vocab, grow=True) for stream in streams]
        return PreparedCHRF(self.options, vocab, tuple(p[0] for p in packed), tuple(p[1] for p in packed), present)

    def stats(self, hypotheses: Sequence[str], prepared: PreparedCHRF) -> np.ndarray:
        if prepared.options != self.options:
            raise ValueError("references were prepared with other chrF options")
        n = prepared.present.shape[0]
        chars, words = self._pack(check_hypotheses(hypotheses, n), prepared.vocab, grow=False)
        out = np.empty((n, self.n_stats), dtype=np.float64)
        _lexcore.chrf_stats(
            chars.symbols, chars.offsets, words.symbols, words.offsets,
            tuple(p.symbols for p in prepared.chars), tuple(p.offsets for p in prepared.chars),
            tuple(p.symbols for p in prepared.words), tuple(p.offsets for p in prepared.words),
            prepared.present, self.char_order, self.word_order, float(self.beta**2), self.eps_smoothing, out,
        )
        return out
