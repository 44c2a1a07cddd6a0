"""WMT22 documents at sentence and document level, for the long-input test and benchmark.

A document's segments (source, reference A, each system) joined with the
language's sentence joiner make one document-level segment; the same
documents' segments one by one are the sentence-level test set. Systems are
those present in every chosen document. Read in place from ../shared/data.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from eval.text.segment import sentence_joiner

WMT22_XML = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wmt22" / "xml"


@dataclass
class Level:
    """Aligned source, one reference stream and systems at one granularity."""

    sources: list[str]
    references: list[str]
    systems: dict[str, list[str]]


@dataclass
class Documents:
    pair: str
    sentences: Level
    documents: Level
    sizes: list[int]  # segments per document

    def add_looping(self, base: str, count: Callable[[Sequence[str]], list[int]], limit: int) -> str:
        """A system that translates like ``base`` until its output passes ``limit``
        tokens, then repeats its own first segments instead of translating the rest
        (a known failure on long inputs). Truncation at ``limit`` cannot see it."""
        name = f"{base}+loop"
        joiner = sentence_joiner(self.pair.split("-")[1])
        segments, start = [], 0
        for size in self.sizes:
            own = self.sentences.systems[base][start:start + size]
            lengths = np.cumsum(np.array(count(own)) - count([""])[0])
            keep = int(np.searchsorted(lengths, limit)) + 1
            segments += own[:keep] + [own[k % keep] for k in range(size - keep)]
            start += size
        self.sentences.systems[name] = segments
        starts = np.cumsum([0, *self.sizes])
        self.documents.systems[name] = [joiner.join(segments[a:b]) for a, b in zip(starts, starts[1:])]
        return name


def _segs(block) -> list[str]:
    return [(s.text or "").strip() for s in block.iter("seg")]


def wmt22_documents(pair: str, keep: Callable[[dict[str, str]], bool] = lambda texts: True,
                    max_docs: int | None = None, max_systems: int | None = None) -> Documents:
    """Documents of ``pair`` (in file order) whose joined texts ``keep`` accepts
    (given ``{"ref": text, SYSTEM: text, ...}``)."""
    src_lang, tgt_lang = pair.split("-")
    root = ET.parse(WMT22_XML / f"wmttest2022.{pair}.all.xml").getroot()
    docs = []
    for doc in root.iter("doc"):
        ref = next((r for r in doc.findall("ref") if r.get("translator", "A") == "A"), None)
        if ref is None:
            continue
        hyps = {h.get("system"): _segs(h) for h in doc.findall("hyp")}
        docs.append((_segs(doc.find("src")), _segs(ref), hyps))
    common = sorted(set.intersection(*(set(h) for _, _, h in docs)))[:max_systems]
    src_join, tgt_join = sentence_joiner(src_lang), sentence_joiner(tgt_lang)
    sentences, documents = Level([], [], {s: [] for s in common}), Level([], [], {s: [] for s in common})
    sizes = []
    for src, ref, hyps in docs:
        joined = [tgt_join.join(ref), *(tgt_join.join(hyps[s]) for s in common)]
        if not keep(dict(zip(["ref", *common], joined))):
            continue
        sentences.sources += src
        sizes.append(len(src))
        sentences.references += ref
        documents.sources.append(src_join.join(src))
        documents.references.append(joined[0])
        for name, text in zip(common, joined[1:]):
            sentences.systems[name] += hyps[name]
            documents.systems[name].append(text)
        if max_docs is not None and len(documents.sources) == max_docs:
            break
    return Documents(pair, sentences, documents, sizes)


def system_scores(metric, level: Level) -> dict[str, float]:
    """Corpus score per system: references prepared once, every system scored."""
    prepared = metric.prepare(level.sources, [level.references])
    return {name: metric.corpus_score(metric.segment_stats(hyps, prepared)) for name, hyps in level.systems.items()}


def kendall_tau(a: dict[str, float], b: dict[str, float]) -> float:
    """Kendall's tau-a between two scorings of the same systems (ties count as neither)."""
    names = sorted(a)
    x, y = np.array([a[n] for n in names]), np.array([b[n] for n in names])
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    agree = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i, j in pairs)
    return float(agree / len(pairs)) if pairs else 1.0


def ranking(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda n: -scores[n])


def too_long(count: Callable[[Sequence[str]], list[int]], limit: int) -> Callable[[dict[str, str]], bool]:
    """``keep`` for documents where the reference or some system exceeds ``limit`` tokens."""
    return lambda texts: max(count(list(texts.values()))) > limit
