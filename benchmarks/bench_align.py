"""Alignment speed, memory and accuracy, next to the peer tools in the same run.

1. Sentence alignment on Text+Berg de-fr: strict/lax F1 of mteval (model-free,
   and with the default model (e5 + USE-multilingual) when installed) and of NLTK's Gale-Church (``nltk.translate.gale_church``, length
   only, full O(n·m) search), and the time and peak Python-heap memory
   (tracemalloc, numpy included) of mteval as the document grows (1k, 5k, 20k source sentences: the 7 Text+Berg documents
   concatenated in shuffled orders). Gale-Church is timed at 1k only: its
   full matrix is quadratic.
2. Re-segmentation on WMT22 ru-en: each system's documents joined, re-split
   and re-segmented against reference A (share of segments identical to the
   original, BLEU/chrF change, time). No peer: mwerSegmenter is a C++ binary
   not available here.
3. Sentence segmentation speed: mteval's rules against pysbd on the same text.

Usage: python benchmarks/bench_align.py [--sizes 1000 5000 20000] [--skip-resegment]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared/data"
TEXT_BERG = DATA / "align/text+berg"
WMT22_RU_EN = DATA / "wmt22/xml/wmttest2022.ru-en.all.xml"

from eval.align.resegment import resegment_documents  # noqa: E402
from eval.align.scoring import accuracy, parse_beads  # noqa: E402
from eval.align.sentalign import align  # noqa: E402
from eval.text.segment import split_sentences  # noqa: E402


def text_berg():
    docs = []
    for gold in sorted((TEXT_BERG / "gold").iterdir()):
        read = lambda side: (TEXT_BERG / side / gold.name).read_text(encoding="utf-8").splitlines()  # noqa: E731
        docs.append((read("de"), read("fr"), parse_beads(gold.read_text(encoding="utf-8").splitlines())))
    return docs


def synthetic(docs, size: int, seed: int = 0):
    """Whole Text+Berg documents in shuffled orders until ``size`` source sentences."""
    rng = random.Random(seed)
    src, tgt, gold = [], [], []
    while len(src) < size:
        for s, t, g in rng.sample(docs, len(docs)):
            gold += [(tuple(i + len(src) for i in a), tuple(j + len(tgt) for j in b)) for a, b in g]
            src += s
            tgt += t
            if len(src) >= size:
                break
    return src, tgt, gold


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_mib(fn) -> float:
    """Peak Python-heap memory (numpy arrays included), in a second run: tracing slows it."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def gale_church(src, tgt):
    from nltk.translate.gale_church import align_blocks

    links = align_blocks([len(s) for s in src], [len(t) for t in tgt])
    by_src: dict[int, set] = {}
    by_tgt: dict[int, set] = {}
    for i, j in links:
        by_src.setdefault(i, set()).add(j)
        by_tgt.setdefault(j, set()).add(i)
    beads, seen = [], set()
    for i, j in links:  # group links into beads: connected components
        if (i, j) in seen:
            continue
        s_ids, t_ids, todo = {i}, {j}, [(i, j)]
        while todo:
            a, b = todo.pop()
            seen.add((a, b))
            for b2 in by_src[a] - t_ids:
                t_ids.add(b2)
                todo.append((a, b2))
            for a2 in by_tgt[b] - s_ids:
                s_ids.add(a2)
                todo.append((a2, b))
        beads.append((tuple(sorted(s_ids)), tuple(sorted(t_ids))))
    return beads


def with_default_model(docs, gold):
    """Strict/lax F1 with the default model (e5 + USE-multilingual), when the model stack is installed;
    returns an embed() serving the vectors computed here (or None)."""
    try:
        from eval.align.embedding import make_embedder

        embed = make_embedder("default")
    except Exception as exc:  # noqa: BLE001 - a benchmark row, not a failure
        print(f"Text+Berg de-fr, default model: skipped ({exc})")
        return None
    sentences = [x for s, t, _ in docs for x in (*s, *t)]
    vectors, seconds = timed(lambda: embed(sentences))
    table = dict(zip(sentences, vectors))
    cached = lambda xs: np.stack([table[x] for x in xs])  # noqa: E731
    ours, aligned = timed(lambda: [[(b.src, b.tgt) for b in align(s, t, cached)] for s, t, _ in docs])
    acc = accuracy(gold, ours)
    print(f"Text+Berg de-fr, 7 docs: mteval default model  strict F1 {acc.f1_strict:.4f} lax F1 {acc.f1_lax:.4f} "
          f"(P {acc.precision_strict:.4f} R {acc.recall_strict:.4f}); embedding {len(sentences)} sentences "
          f"{seconds:.1f} s, alignment {aligned:.2f} s")
    return cached


def bench_sentalign(sizes):
    docs = text_berg()
    gold = [g for *_, g in docs]
    ours, seconds = timed(lambda: [[(b.src, b.tgt) for b in align(s, t)] for s, t, _ in docs])
    acc = accuracy(gold, ours)
    print(f"Text+Berg de-fr, 7 docs: mteval model-free strict F1 {acc.f1_strict:.4f} lax F1 {acc.f1_lax:.4f} "
          f"(P {acc.precision_strict:.4f} R {acc.recall_strict:.4f}) in {seconds:.2f} s")
    embed = with_default_model(docs, gold)
    peer, seconds = timed(lambda: [gale_church(s, t) for s, t, _ in docs])
    acc = accuracy(gold, peer)
    print(f"Text+Berg de-fr, 7 docs: NLTK Gale-Church      strict F1 {acc.f1_strict:.4f} lax F1 {acc.f1_lax:.4f} "
          f"in {seconds:.2f} s")
    print("\n| source sentences | target sentences | mteval time (s) | mteval peak memory (MiB) | strict F1 |"
          " with e5 vectors: time (s) / memory (MiB) / strict F1 | Gale-Church (NLTK) time (s) |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        src, tgt, g = synthetic(docs, size)
        beads, seconds = timed(lambda: align(src, tgt))
        peak = peak_mib(lambda: align(src, tgt))
        f1 = accuracy([g], [[(b.src, b.tgt) for b in beads]]).f1_strict
        model = "n/a (no model)"
        if embed is not None:  # embedding excluded: the vectors are looked up
            beads, e_seconds = timed(lambda: align(src, tgt, embed))
            e_peak = peak_mib(lambda: align(src, tgt, embed))
            e_f1 = accuracy([g], [[(b.src, b.tgt) for b in beads]]).f1_strict
            model = f"{e_seconds:.2f} / {e_peak:.0f} / {e_f1:.4f}"
        peer = f"{timed(lambda: gale_church(src, tgt))[1]:.2f}" if size <= 1000 else "n/a (quadratic)"
        print(f"| {len(src)} | {len(tgt)} | {seconds:.2f} | {peak:.0f} | {f1:.4f} | {model} | {peer} |")


def bench_resegment():
    root = ET.parse(WMT22_RU_EN).getroot()
    refs, ids, systems = [], [], {}
    for doc in root.iter("doc"):
        segs = [s.text or "" for s in doc.find("ref[@translator='A']").iter("seg")]
        refs += segs
        ids += [doc.get("id")] * len(segs)
        for hyp in doc.findall("hyp"):
            systems.setdefault(hyp.get("system"), {})[doc.get("id")] = [s.text or "" for s in hyp.iter("seg")]
    import sacrebleu

    print("\n| system | identical segments | BLEU orig → reseg | chrF orig → reseg | time (s) |")
    print("|---|---|---|---|---|")
    same_all = total_all = 0
    total_seconds = 0.0
    for name, docs in systems.items():
        original = [seg for doc in dict.fromkeys(ids) for seg in docs[doc]]
        start = time.perf_counter()
        joined = {doc: split_sentences(" ".join(segs), "en") for doc, segs in docs.items()}
        out = resegment_documents(joined, refs, ids, "en", name=name)
        seconds = time.perf_counter() - start
        total_seconds += seconds
        same = sum(a == b for a, b in zip(out, original))
        same_all, total_all = same_all + same, total_all + len(original)
        b0, b1 = sacrebleu.corpus_bleu(original, [refs]).score, sacrebleu.corpus_bleu(out, [refs]).score
        c0, c1 = sacrebleu.corpus_chrf(original, [refs]).score, sacrebleu.corpus_chrf(out, [refs]).score
        print(f"| {name} | {same / len(original):.2%} | {b0:.2f} → {b1:.2f} | {c0:.2f} → {c1:.2f} | {seconds:.1f} |")
    print(f"| all 10 | {same_all / total_all:.2%} | | | {total_seconds:.1f} |")


def bench_segmenter():
    text = " ".join(seg.text or "" for seg in ET.parse(WMT22_RU_EN).getroot().iter("seg")
                    if seg.text and seg.text.isascii())
    ours, seconds = timed(lambda: split_sentences(text, "en"))
    print(f"\nsegmentation of {len(text) / 1e6:.1f} M characters of WMT22 ru-en English: "
          f"mteval {seconds:.2f} s ({len(ours)} sentences)", end="")
    import pysbd

    peer, seconds = timed(lambda: pysbd.Segmenter(language="en", clean=False).segment(text[:200_000]))
    print(f"; pysbd {seconds:.2f} s on the first 0.2 M characters ({len(peer)} sentences)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--skip-resegment", action="store_true")
    args = parser.parse_args()
    if not TEXT_BERG.exists() or not WMT22_RU_EN.exists():
        sys.exit(f"shared data absent under {DATA}")
    bench_sentalign(args.sizes)
    if not args.skip_resegment:
        bench_resegment()
    bench_segmenter()


if __name__ == "__main__":
    main()
