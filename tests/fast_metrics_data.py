"""WMT22 test data for the fast-metric tests and benchmarks: the sentence-level
txt files as they are, and paragraph-level segments built from the XML
(a document's segments joined, or runs of 3-8 consecutive segments).

Read in place from ../shared/data (relative to the repository root)."""
from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

WMT22 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wmt22"
SKIP_REASON = f"WMT22 data not found at {WMT22}"


@dataclass
class TestSetText:
    """References (one list per reference) and system outputs of one pair."""

    pair: str
    references: dict[str, list[str]]
    systems: dict[str, list[str]]


def _lines(path: Path) -> list[str]:
    # split on "\n" only: segments may contain other line-breaking characters
    lines = path.read_text(encoding="utf-8").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def txt_pairs() -> list[str]:
    return sorted({p.name.split(".")[1] for p in (WMT22 / "txt" / "references").glob("generaltest2022.*")})


def txt_test_set(pair: str) -> TestSetText:
    txt = WMT22 / "txt"
    refs = {p.name.split(".")[3]: _lines(p) for p in sorted((txt / "references").glob(f"generaltest2022.{pair}.ref.*"))}
    systems = {p.name.split(".")[3]: _lines(p) for p in sorted((txt / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*"))}
    return TestSetText(pair, refs, systems)


def _docs(pair: str):
    root = ET.parse(WMT22 / "xml" / f"wmttest2022.{pair}.all.xml").getroot()
    for doc in root.iter("doc"):
        refs = {r.get("translator"): [s.text or "" for s in r.iter("seg")] for r in doc.findall("ref")}
        hyps = {h.get("system"): [s.text or "" for s in h.iter("seg")] for h in doc.findall("hyp")}
        yield refs, hyps


def xml_paragraphs(pair: str, mode: str = "runs", seed: int = 7) -> TestSetText:
    """Paragraph-level segments: ``mode="doc"`` joins each document's segments,
    ``mode="runs"`` joins runs of 3-8 consecutive segments inside a document
    (lengths drawn with a fixed seed, so the set is the same every time)."""
    rng = random.Random(seed)
    out = TestSetText(pair, {}, {})
    for refs, hyps in _docs(pair):
        n = len(next(iter(refs.values())))
        if mode == "doc":
            spans = [(0, n)]
        else:
            spans, start = [], 0
            while start < n:
                end = min(n, start + rng.randint(3, 8))
                spans.append((start, end))
                start = end
        for name, segs in list(refs.items()) + list(hyps.items()):
            target = out.references if name in refs else out.systems
            target.setdefault(name, []).extend(" ".join(segs[a:b]) for a, b in spans)
    return out
