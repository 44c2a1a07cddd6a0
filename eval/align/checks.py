"""Warnings for document pairs that can still be aligned but look wrong.

Shared by ``mteval align`` (printed on stderr) and the document stage of a
run (kept in the alignment notes of results.json and the report).
"""
from __future__ import annotations

from ..errors import UserError

LENGTH_RATIO_WARNING = 4.0  # one side this many times longer than the other
LANGID_SAMPLE_CHARS = 5000
LANGID_MIN_CONFIDENCE = 0.8


def lopsided(src_chars: int, tgt_chars: int, src_name: str, tgt_name: str) -> str | None:
    """A warning when one side is many times longer than the other."""
    longer, shorter = max(src_chars, tgt_chars), max(min(src_chars, tgt_chars), 1)
    if longer / shorter < LENGTH_RATIO_WARNING:
        return None
    big, small = (src_name, tgt_name) if src_chars > tgt_chars else (tgt_name, src_name)
    return (f"{big} is {longer / shorter:.1f} times as long as {small}; "
            "expect many unaligned sentences (are they the same document?)")


def other_language(text: str, lang: str, name: str) -> str | None:
    """A warning when the offline language identifier (if installed) is sure
    ``text`` is not in ``lang``; silent when it is not installed."""
    try:
        from ..metrics.neural.offtarget import identify, known_languages
        if lang not in known_languages():
            return None
        found, confidence = identify(text[:LANGID_SAMPLE_CHARS])
    except (ImportError, UserError):
        return None  # no identifier on this install: alignment does not need one
    if found != lang and confidence >= LANGID_MIN_CONFIDENCE:
        return f"{name} looks like '{found}' text (confidence {confidence:.2f}), not the declared '{lang}'"
    return None
