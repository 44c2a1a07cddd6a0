"""File names for test sets and systems, whose names may hold any character.

Names are made readable (``sys/a`` -> ``sys_a``) and then distinct: two names
that would share a file (``sys/a`` and ``sys a``, or ``A`` and ``a`` on a
case-insensitive disk) get ``-2``, ``-3``... in the order they come, so one
system's report is never written over another's. The chosen paths are recorded
in results.json (``system_reports``), so readers never guess them."""
from __future__ import annotations

import re
from typing import Iterable

_MAX_LENGTH = 100  # well under the 255 bytes most file systems allow


def safe_name(name: str) -> str:
    """A readable file name for ``name`` (not necessarily distinct)."""
    return re.sub(r"[^\w.+-]+", "_", name).strip("._")[:_MAX_LENGTH] or "_"


def distinct_names(names: Iterable[str]) -> dict[str, str]:
    """``{name: file name}``, one file name per name, no two equal even when
    case is ignored."""
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for name in names:
        base = safe_name(name)
        candidate, k = base, 1
        while candidate.casefold() in taken:
            k += 1
            candidate = f"{base}-{k}"
        taken.add(candidate.casefold())
        chosen[name] = candidate
    return chosen


def system_report_paths(testsets: dict[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """``{testset: {system: "systems/TESTSET/SYSTEM"}}`` (paths without the
    ``.json``/``.md`` suffix, relative to the run directory)."""
    folders = distinct_names(testsets)
    return {
        testset: {system: f"systems/{folders[testset]}/{file}" for system, file in distinct_names(systems).items()}
        for testset, systems in testsets.items()
    }
