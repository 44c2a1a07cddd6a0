"""Repair text scraped from web pages before it is segmented and scored.

Machine renderings arrive with HTML entities broken by inserted spaces
(``& # 039;``), double-escaped (``&amp;#39;``), mojibake (``cafÃ©``), odd
spaces and invisible characters. Each of these changes BLEU/chrF for reasons
that have nothing to do with translation quality, so they are repaired, and
every repair is counted per kind so the report can say what was changed.
Legitimate ampersands (``AT & T``, ``Q & A``, ``R&D``, a lone ``&``) are left
alone: an ampersand is only touched when it is followed by a complete entity
(``#digits;``, ``#xhex;`` or a known name and ``;``).
"""
from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html.entities import html5

import ftfy

KINDS = ("entity", "mojibake", "zero_width", "odd_space", "nfc")

# Names accepted with spaces inside the entity (``& quot ;``); with no space any
# HTML5 name ending in ``;`` is accepted. The short list keeps ``Tom & Jerry;``
# style text from ever matching a rare entity name.
_SPACED_NAMES = (
    "amp", "quot", "apos", "lt", "gt", "nbsp", "ndash", "mdash", "hellip",
    "laquo", "raquo", "lsquo", "rsquo", "ldquo", "rdquo", "bdquo", "sbquo",
    "euro", "copy", "reg", "trade", "deg", "middot", "bull",
)
_NUMERIC = r"&\s*#\s*(?:[xX]\s*[0-9a-fA-F]{1,6}|[0-9]{1,7})\s*;"
_NAMED_SPACED = r"&\s*(?:" + "|".join(_SPACED_NAMES) + r")\s*;"
_NAMED_TIGHT = r"&[A-Za-z][A-Za-z0-9]{1,31};"
_ENTITY = re.compile(f"{_NUMERIC}|{_NAMED_SPACED}|{_NAMED_TIGHT}")

# Zero-width and invisible format characters that carry no text. ZWJ/ZWNJ
# (U+200C/U+200D) are kept: they are meaningful in Persian, Indic scripts
# and emoji sequences.
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u180e]")
# Spaces that look like a space but are not U+0020. The ideographic space
# U+3000 is kept: it is ordinary in Chinese and Japanese typesetting.
_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f]")


@dataclass(frozen=True)
class RepairOptions:
    """Which repairs run; switch a kind off to keep the text as it came."""

    entity: bool = True
    mojibake: bool = True
    zero_width: bool = True
    odd_space: bool = True
    nfc: bool = True

    @classmethod
    def none(cls) -> "RepairOptions":
        return cls(**{k: False for k in KINDS})

    @classmethod
    def only(cls, *kinds: str) -> "RepairOptions":
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown repair kind(s): {sorted(unknown)}; known: {KINDS}")
        return cls(**{k: k in kinds for k in KINDS})


@dataclass
class RepairReport:
    """How many repairs of each kind were made, and on how many lines."""

    counts: Counter = field(default_factory=Counter)
    lines_changed: int = 0

    def add(self, other: "RepairReport") -> None:
        self.counts.update(other.counts)
        self.lines_changed += other.lines_changed

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, int]:
        return {k: self.counts.get(k, 0) for k in KINDS} | {"lines_changed": self.lines_changed}


def _decode_entity(match: re.Match) -> str:
    raw = re.sub(r"\s+", "", match.group(0))
    if raw[1] != "#" and raw[1:] not in html5:
        return match.group(0)
    if raw[1] == "#":
        digits = raw[3:-1] if raw[2] in "xX" else raw[2:-1]
        value = int(digits, 16 if raw[2] in "xX" else 10)
        if value == 0 or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return match.group(0)
    return html.unescape(raw)


def fix_entities(text: str) -> tuple[str, int]:
    """Decode entities, spaced or double-escaped, until none is left."""
    total = 0
    for _ in range(4):  # ``&amp;amp;#39;`` needs one pass per escape level
        new, n = _ENTITY.subn(_decode_entity, text)
        if new == text:
            break
        total += n
        text = new
    return text, total


def _changed_spans(old: str, new: str) -> int:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return sum(1 for op in matcher.get_opcodes() if op[0] != "equal")


def fix_mojibake(text: str) -> tuple[str, int]:
    """UTF-8 read as Latin-1/cp1252 (``cafÃ©``), undone by ftfy's detector."""
    fixed = ftfy.fix_encoding(text)
    return fixed, (_changed_spans(text, fixed) if fixed != text else 0)


def repair_text(text: str, options: RepairOptions = RepairOptions()) -> tuple[str, Counter]:
    """Repair one string; returns the text and the count of repairs per kind."""
    counts: Counter = Counter()
    if options.entity and "&" in text:
        text, counts["entity"] = fix_entities(text)
    if options.mojibake:
        text, counts["mojibake"] = fix_mojibake(text)
    if options.zero_width:
        text, counts["zero_width"] = _ZERO_WIDTH.subn("", text)
    if options.odd_space:
        text, counts["odd_space"] = _ODD_SPACE.subn(" ", text)
    if options.nfc and not unicodedata.is_normalized("NFC", text):
        composed = unicodedata.normalize("NFC", text)
        counts["nfc"] = len(text) - len(composed) or 1
        text = composed
    return text, +counts


def repair_lines(lines: list[str], options: RepairOptions = RepairOptions()) -> tuple[list[str], RepairReport]:
    """Repair every line of a file; the report sums the repairs over the lines."""
    report = RepairReport()
    out = []
    for line in lines:
        fixed, counts = repair_text(line, options)
        if fixed != line:
            report.lines_changed += 1
        report.counts.update(counts)
        out.append(fixed)
    return out, report
