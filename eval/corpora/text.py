"""Line-aligned text files: one segment per line, systems found by a glob."""
from __future__ import annotations

import glob
import re
from pathlib import Path

from ..errors import UserError
from .files import folder_files, is_folder, read_lines
from .model import TestSet


def systems_from_glob(pattern: str) -> dict[str, Path]:
    """Files matching ``pattern``; each system is named by what ``*`` matched."""
    if pattern.count("*") != 1:
        raise UserError(f"systems: glob {pattern!r} must contain exactly one '*' (it names the system)")
    head, tail = pattern.split("*")
    found = {}
    name_re = re.compile(re.escape(head) + "(.+)" + re.escape(tail) + "$")
    for path in sorted(glob.glob(pattern)):
        match = name_re.match(path)
        if match and Path(path).is_file():
            found[match.group(1)] = Path(path)
    if not found:
        folder = Path(head) if head.endswith("/") else Path(head).parent
        if is_folder(folder):
            folder_files(folder)  # a folder that cannot be listed is named, not reported as no match
        raise UserError(f"systems: no file matches {pattern!r}")
    return found


def load_text(
    name: str,
    src_lang: str,
    tgt_lang: str,
    source: Path,
    references: dict[str, Path],
    systems: dict[str, Path],
    doc_ids: Path | None = None,
) -> TestSet:
    provenance = {"source": str(source)}
    provenance.update({f"ref:{k}": str(v) for k, v in references.items()})
    provenance.update({f"sys:{k}": str(v) for k, v in systems.items()})
    return TestSet(
        name=name,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        source=read_lines(source),
        references={k: read_lines(v) for k, v in references.items()},
        systems={k: read_lines(v) for k, v in systems.items()},
        doc_ids=read_lines(doc_ids) if doc_ids else None,
        provenance=provenance,
    )
