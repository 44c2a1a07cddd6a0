"""Checks every loader's output must pass before scoring."""
from __future__ import annotations

from ..errors import UserError
from .model import TestSet


def check_aligned(ts: TestSet, need_references: bool = True) -> TestSet:
    """Every reference and system has exactly one segment per source segment."""
    where = ts.provenance.get("source", "source")
    n = len(ts.source)
    if n == 0:
        raise UserError(f"{where}: test set {ts.name!r} has no segments")
    if need_references and not ts.references:
        raise UserError(f"test set {ts.name!r}: no references given")
    for kind, streams in (("ref", ts.references), ("sys", ts.systems)):
        for name, segments in streams.items():
            if len(segments) != n:
                path = ts.provenance.get(f"{kind}:{name}", name)
                raise UserError(
                    f"{path}: has {len(segments)} lines but the source {where} has {n}"
                )
    for extra in ("doc_ids", "domains"):
        values = getattr(ts, extra)
        if values is not None and len(values) != n:
            raise UserError(f"test set {ts.name!r}: {len(values)} {extra} for {n} segments")
    return ts


def unique_names(names: list[str], what: str, hint: str = "") -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UserError(f"duplicate {what} name {name!r}{hint}")
        seen.add(name)
