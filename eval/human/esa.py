"""ESA judgments (WMT24) as the organisers publish them: ``esa_*.csv`` without a
header, one row per rating: user, system, segment id (0-based in the test set
without its canary line), item type, source and target language (ISO 639-3),
``overall`` (0-100), document id, an unused flag, error spans, start and end time.

Only real items count, as the organisers' own scripts count them: type ``TGT``,
no tutorial systems, no ``#incomplete``/``#dup``/``canary`` documents; a rating
an annotator revised counts once (the latest). A wave file holds many language
pairs, so the test set's pair selects the rows. The segment score is the mean
over the annotators who rated it. A CSV with a header naming the system,
segment (1-based) and ``overall`` columns is read too."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from ..errors import UserError
from .judgments import Judgments
from .reading import file_text, header_index, number, seg_id

COLUMNS = {
    "system": ("system", "systemid", "system_id", "sys"),
    "segment id": ("seg_id", "segment_id", "segmentid", "itemid", "line_id"),
    "overall": ("overall", "score"),
}
PUBLISHED_FIELDS = 12
USER, SYSTEM, SEGMENT, ITEM, SRC, TGT, OVERALL, DOC, END = 0, 1, 2, 3, 4, 5, 6, 7, 11
ISO3 = {"eng": "en", "ces": "cs", "deu": "de", "spa": "es", "hin": "hi", "isl": "is", "jpn": "ja",
        "rus": "ru", "ukr": "uk", "zho": "zh", "fra": "fr", "pol": "pl", "hrv": "hr", "ita": "it",
        "por": "pt", "kor": "ko", "ara": "ar", "tur": "tr", "nld": "nl", "est": "et", "lit": "lt",
        "lav": "lv", "fin": "fi", "ron": "ro", "srp": "sr", "ben": "bn", "tha": "th", "vie": "vi"}


def read_esa(path: str | Path, langs: str | None = None) -> Judgments:
    records = [(n, f) for n, f in enumerate(csv.reader(io.StringIO(file_text(path))), 1) if any(x.strip() for x in f)]
    if not records:
        raise UserError(f"{path}: file is empty")
    if len(records[0][1]) == PUBLISHED_FIELDS and records[0][1][ITEM].strip().isupper():
        return _published(path, records, langs)
    return _with_header(path, records)


def _published(path, records, langs: str | None) -> Judgments:
    latest: dict[tuple, tuple[float, float, int]] = {}  # (user, system, doc, seg) -> (end time, score, line)
    pairs: set[str] = set()
    for line, fields in records:
        if len(fields) != PUBLISHED_FIELDS:
            raise UserError(f"{path}:{line}: expected {PUBLISHED_FIELDS} fields (WMT24 ESA layout), found {len(fields)}")
        pair = f"{ISO3.get(fields[SRC], fields[SRC])}-{ISO3.get(fields[TGT], fields[TGT])}"
        pairs.add(pair)
        doc = fields[DOC]
        if (fields[ITEM] != "TGT" or "tutorial" in fields[SYSTEM] or doc == "canary"
                or "#incomplete" in doc or "#dup" in doc or (langs and pair != langs)):
            continue
        segment = seg_id(str(_whole(fields[SEGMENT], path, line) + 1), path, line)
        end = number(fields[END], path, line, "end time")
        score = number(fields[OVERALL], path, line, "overall score")
        key = (fields[USER], fields[SYSTEM], doc, segment)
        if key not in latest or end >= latest[key][0]:
            latest[key] = (end, score, line)
    if langs is None and len(pairs) > 1:
        raise UserError(f"{path}: holds several language pairs ({', '.join(sorted(pairs))}); say which test set it rates")
    if langs is not None and langs not in pairs:
        raise UserError(f"{path}: has no ratings for {langs} (it holds {', '.join(sorted(pairs))})")
    scores: dict[tuple[str, int], list[float]] = defaultdict(list)
    first_line: dict[tuple[str, int], int] = {}
    for (_, system, _, segment), (_, score, line) in sorted(latest.items(), key=lambda kv: kv[1][2]):
        scores[(system, segment)].append(score)
        first_line.setdefault((system, segment), line)
    return _judgments(path, scores, first_line)


def _whole(text: str, path, line: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"{path}:{line}: segment id {text!r} is not a whole number") from None
    if value < 0:
        raise UserError(f"{path}:{line}: segment id {value} (WMT24 ESA ids start at 0)")
    return value


def _with_header(path, records) -> Judgments:
    (header_line, header_fields), body = records[0], records[1:]
    header = header_index(header_fields, COLUMNS, path, header_line)
    scores: dict[tuple[str, int], list[float]] = defaultdict(list)
    first_line: dict[tuple[str, int], int] = {}
    for line, fields in body:
        if len(fields) <= max(header.values()):
            raise UserError(f"{path}:{line}: expected at least {max(header.values()) + 1} fields, found {len(fields)}")
        key = (fields[header["system"]], seg_id(fields[header["segment id"]], path, line))
        first_line.setdefault(key, line)
        value = number(fields[header["overall"]], path, line, "overall score", missing_ok=True)
        if value == value:
            scores[key].append(value)
    return _judgments(path, scores, first_line)


def _judgments(path, scores, first_line) -> Judgments:
    out = Judgments(str(path), "esa")
    for (system, sid), values in scores.items():
        out.add(system, sid, sum(values) / len(values), first_line[(system, sid)])
    return out
