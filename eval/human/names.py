"""Matching the system names of a score file to the run's systems.

First exact, then after normalisation: surrounding space removed, WMT's numeric
id suffix dropped (``OPPO.1535`` -> ``OPPO``, ``Human-B.0`` -> ``Human-B``), case
folded and ``_`` read as ``-`` (``Facebook_AI`` = ``Facebook-AI``). Explicit renames (``--rename FILE_NAME=RUN_NAME``) come before
both. Human translations (``HUMAN...``, ``Human-B``, ``ref-A``) are left out
unless asked for, as MTME leaves them out. Whatever stays unmatched on either
side is reported, never dropped silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import UserError

_ID_SUFFIX = re.compile(r"\.\d+$")
_HUMAN = re.compile(r"^(human|ref)([-_.]|$)", re.IGNORECASE)


def normalise(name: str) -> str:
    return _ID_SUFFIX.sub("", name.strip()).casefold().replace("_", "-")


def is_human(name: str) -> bool:
    return bool(_HUMAN.match(name.strip()))


@dataclass
class NameMatch:
    mapping: dict[str, str] = field(default_factory=dict)  # file name -> run name
    unmatched_file: list[str] = field(default_factory=list)
    unmatched_run: list[str] = field(default_factory=list)
    humans: list[str] = field(default_factory=list)  # file names left out as human translations

    def warnings(self, path: str) -> list[str]:
        """One line per kind of mismatch (empty when everything matched)."""
        out = []
        if self.unmatched_file:
            out.append(f"{path}: {len(self.unmatched_file)} system(s) not in the run, ignored: "
                       + ", ".join(sorted(self.unmatched_file)))
        if self.unmatched_run:
            out.append(f"{path}: no scores for {len(self.unmatched_run)} system(s) of the run, left out: "
                       + ", ".join(sorted(self.unmatched_run)))
        return out


def match_systems(file_names, run_names, rename: dict[str, str] | None = None,
                  include_human: bool = False) -> NameMatch:
    run_names = list(run_names)
    rename = rename or {}
    for old, new in rename.items():
        if new not in run_names:
            raise UserError(f"rename {old}={new}: the run has no system {new!r}")
    by_norm: dict[str, list[str]] = {}
    for name in run_names:
        by_norm.setdefault(normalise(name), []).append(name)
    result = NameMatch()
    taken: dict[str, str] = {}
    for name in file_names:
        if name in rename:
            target = rename[name]
        elif name in run_names:
            target = name
        elif not include_human and is_human(name):
            result.humans.append(name)
            continue
        else:
            candidates = by_norm.get(normalise(name), [])
            target = candidates[0] if len(candidates) == 1 else None
        if target is None:
            if not include_human and is_human(name):
                result.humans.append(name)
            else:
                result.unmatched_file.append(name)
            continue
        if target in taken:
            raise UserError(f"systems {taken[target]!r} and {name!r} both match the run's system {target!r} "
                            "(use --rename to say which is which)")
        taken[target] = name
        result.mapping[name] = target
    result.unmatched_run = [n for n in run_names if n not in taken]
    return result
