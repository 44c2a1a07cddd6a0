"""BLEU tokenisers: sacreBLEU's, with 13a, zh, char and none done in C or with
plain string methods (they dominate BLEU's cost), the others reused from
sacreBLEU (intl, ja-mecab, ko-mecab, spm/flores) as they are.

Each tokeniser maps a list of already lower-cased, right-stripped segments to
a list of token lists, exactly as ``BLEU._preprocess_segment(...).split()``.
"""
from __future__ import annotations

from typing import Callable, Sequence

from sacrebleu.metrics.bleu import BLEU, _get_tokenizer

from ...errors import UserError
from . import _lexcore

Tokenize = Callable[[Sequence[str]], list]

# Tokenisers whose output is one token per non-space character: packed as
# code points, no vocabulary needed.
CHARACTER_TOKENIZERS = frozenset({"char"})


def _mteval_13a_prefix(line: str) -> str:
    """Tokenizer13a's language-independent part, before the regular expressions."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return f" {line} "


def _tokenize_13a(lines: Sequence[str]) -> list:
    return [s.split() for s in _lexcore.tokenize_regexp([_mteval_13a_prefix(line) for line in lines])]


def _tokenize_zh(lines: Sequence[str]) -> list:
    return [s.split() for s in _lexcore.tokenize_zh([line.strip() for line in lines])]


def _tokenize_none(lines: Sequence[str]) -> list:
    return [line.split() for line in lines]


def _tokenize_char(lines: Sequence[str]) -> list:
    # " ".join(chars) then split(): the non-whitespace characters
    return ["".join(line.split()) for line in lines]


_FAST = {"13a": _tokenize_13a, "zh": _tokenize_zh, "none": _tokenize_none, "char": _tokenize_char}


def resolve_tokenizer(tokenize: str | None, trg_lang: str) -> str:
    """sacreBLEU's choice: the named tokeniser, else the target language's default."""
    if tokenize is None:
        tokenize = BLEU._TOKENIZER_MAP.get(trg_lang, BLEU.TOKENIZER_DEFAULT)
    if tokenize not in BLEU.TOKENIZERS:
        raise UserError(f"unknown BLEU tokenizer {tokenize!r} (choose from {', '.join(sorted(BLEU.TOKENIZERS))})")
    return tokenize


def bleu_tokenizer(name: str) -> Tokenize:
    """The tokeniser function for a resolved tokeniser name."""
    if name in _FAST:
        return _FAST[name]
    try:
        tokenizer = _get_tokenizer(name)()
    except (RuntimeError, ImportError, OSError) as exc:
        raise UserError(f"BLEU tokenizer {name!r} is not usable: {str(exc).strip().splitlines()[0]}") from None
    return lambda lines: [tokenizer(line).split() for line in lines]
