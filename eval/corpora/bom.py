"""Byte-order marks at the start of input files, said once per file in the
test set's notes (results.json ``notes``, the report) and on stderr.

In line-based inputs the mark is kept as text (``files.decode_utf8``): the
first segment then holds it exactly as sacreBLEU reads it, so scores stay
identical to sacreBLEU's. In JSONL, and before a TSV header, it stands outside
every value, so no segment holds it; the note says so.
"""
from __future__ import annotations

import sys

from .files import BOM
from .model import TestSet

KEPT = "starts with a byte-order mark (U+FEFF); it is kept in the first segment, as sacreBLEU keeps it"


def add_note(ts: TestSet, message: str) -> None:
    """Add ``message`` to the test set's notes and warn on stderr, once."""
    notes = ts.notes.setdefault("notes", [])
    if message not in notes:
        notes.append(message)
        sys.stderr.write(f"mteval: warning: {message}\n")


def note_kept_marks(ts: TestSet) -> None:
    """A note for each source, reference or system whose first segment starts
    with a byte-order mark (the file's own, kept by the loader)."""
    streams = {"source": ts.source}
    streams.update({f"ref:{name}": segments for name, segments in ts.references.items()})
    streams.update({f"sys:{name}": segments for name, segments in ts.systems.items()})
    for key, segments in streams.items():
        if segments and segments[0].startswith(BOM):
            add_note(ts, f"{ts.provenance.get(key, key)} {KEPT}")
