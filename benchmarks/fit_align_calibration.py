"""Refit the aligner's bead confidences (eval/align/sentalign.py CALIBRATION).

A bead's confidence is P(bead right) = sigmoid(intercept of its shape + slope *
min(cost beyond the prior, 12)), one set of five coefficients per mode
(model-free, and with the default model's embeddings), because the embedding term
puts costs on another scale. This script aligns six sets whose truth is known
with the aligner's current settings (read from the code, so rerun it whenever
the cost weights change), fits both modes by maximum likelihood and prints
the coefficients to paste into ``CALIBRATION``, the per-set table (flag
precision and recall against the truth) and the reliability table in the
format of docs/ALIGNMENT.md.

The sets: WMT22 ru-en and en-zh, source and reference A joined into one article
per document and re-split by the segmenter (a bead is right when its source and
target sentences cover the same original segments), and the four gold corpora
(Text+Berg de-fr, aligner-eval aca/pol/mag; a bead is right when it equals a
gold bead). With the model, every sentence is embedded once through the
sentence-vector cache ($MTEVAL_VECTOR_CACHE, default /tmp/alignp-vectors.sqlite
here), so a rerun after a weight change embeds nothing.

Usage: python benchmarks/fit_align_calibration.py [--modes none default]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.align.scoring import parse_beads, resplit_article  # noqa: E402
from eval.align.sentalign import CALIBRATION, MODEL_FREE, WITH_EMBEDDINGS, align, calibration_features  # noqa: E402
from eval.corpora.wmtxml import load_wmt_xml  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ALIGN = SHARED / "align"
WMT22_XML = SHARED / "wmt22" / "xml"
FLAG = 0.5  # eval.documents.LOW_CONFIDENCE
BUCKETS = [(0.0, 0.5, "< 0.5"), (0.5, 0.7, "0.5–0.7"), (0.7, 0.8, "0.7–0.8"), (0.8, 0.9, "0.8–0.9"),
           (0.9, 0.95, "0.9–0.95"), (0.95, 1.01, "≥ 0.95")]
SETS = ["WMT22 ru-en articles", "WMT22 en-zh articles", "Text+Berg de-fr", "aca en→zh", "pol zh→en", "mag en→zh"]


def wmt_documents(pair: str):
    """(source sentences, target sentences, judge) per document of the re-split articles."""
    src_lang, tgt_lang = pair.split("-")
    ts = load_wmt_xml(pair, src_lang, tgt_lang, WMT22_XML / f"wmttest2022.{pair}.all.xml")
    reference = next(iter(ts.references.values()))
    for doc in dict.fromkeys(ts.doc_ids):
        rows = [i for i, d in enumerate(ts.doc_ids) if d == doc]
        src, src_owner = resplit_article([ts.source[r] for r in rows], src_lang)
        tgt, tgt_owner = resplit_article([reference[r] for r in rows], tgt_lang)

        def judge(bead, src_owner=src_owner, tgt_owner=tgt_owner):
            return bool(bead.src and bead.tgt) and (frozenset().union(*(src_owner[i] for i in bead.src))
                                                    == frozenset().union(*(tgt_owner[j] for j in bead.tgt)))
        yield src, tgt, judge


def gold_documents(base: Path, src_dir: str, tgt_dir: str):
    """(source sentences, target sentences, judge) per document of a gold corpus."""
    for gold_file in sorted((base / "gold").iterdir()):
        stem = gold_file.name.removesuffix(".align")
        src = (base / src_dir / stem).read_text(encoding="utf-8").splitlines()
        tgt = (base / tgt_dir / stem).read_text(encoding="utf-8").splitlines()
        gold = set(parse_beads(gold_file.read_text(encoding="utf-8").splitlines(), str(gold_file)))
        yield src, tgt, lambda bead, gold=gold: (bead.src, bead.tgt) in gold


def documents(name: str):
    if name.startswith("WMT22"):
        return wmt_documents(name.split()[1])
    if name.startswith("Text+Berg"):
        return gold_documents(ALIGN / "text+berg", "de", "fr")
    return gold_documents(ALIGN / "aligner-eval" / name.split()[0], "src", "tgt")


def beads_of(name: str, embed) -> tuple[np.ndarray, np.ndarray]:
    """Features (shape one-hot, clipped cost) and truth of every bead of a set."""
    features, right = [], []
    priors = (MODEL_FREE if embed is None else WITH_EMBEDDINGS).priors
    for src, tgt, judge in documents(name):
        for bead in align(src, tgt, embed):
            a, b = len(bead.src), len(bead.tgt)
            local = bead.cost - priors[(a, b)] if a and b else bead.cost
            features.append(calibration_features(a, b, local))
            right.append(judge(bead))
    return np.array(features), np.array(right, dtype=float)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Logistic regression by Newton's method with a tiny ridge (keeps a
    shape whose beads are all right or all wrong finite)."""
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def predict(w, x):
    return 1 / (1 + np.exp(-(x @ w)))


def per_set_table(data, w, loso) -> list[str]:
    lines = ["| set | beads | wrong | flagged | flagged and wrong | flag precision | flag recall | mean confidence"
             " | fraction right | flagged (left out) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, (x, y) in data.items():
        p = predict(w, x)
        flagged = p < FLAG
        wrong = y == 0
        hit = int((flagged & wrong).sum())
        precision = f"{hit / flagged.sum():.2f}" if flagged.any() else "–"
        recall = f"{hit / wrong.sum():.2f}" if wrong.any() else "–"
        left_out = int((predict(loso[name], x) < FLAG).sum())
        lines.append(f"| {name} | {len(y):,} | {int(wrong.sum())} | {int(flagged.sum())} | {hit} | {precision} | {recall}"
                     f" | {p.mean():.3f} | {y.mean():.3f} | {left_out} |")
    return lines


def reliability_table(data, w) -> list[str]:
    lines = ["| set | " + " | ".join(label for *_, label in BUCKETS) + " |", "|---|" + "---|" * len(BUCKETS)]
    for name, (x, y) in data.items():
        p = predict(w, x)
        cells = []
        for lo, hi, _ in BUCKETS:
            inside = (p >= lo) & (p < hi)
            cells.append(f"{int(inside.sum()):,}: {y[inside].mean():.2f}" if inside.any() else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def fit_mode(mode: str) -> None:
    embed = None
    if mode != "none":
        from eval.align.embedding import make_embedder

        embed = make_embedder(mode)
        # every sentence at once (long batches; each document then reads the cache)
        embed(list(dict.fromkeys(s for name in SETS for src, tgt, _ in documents(name) for s in (*src, *tgt))))
    started = time.perf_counter()
    data = {name: beads_of(name, embed) for name in SETS}
    elapsed = time.perf_counter() - started
    x = np.concatenate([x for x, _ in data.values()])
    y = np.concatenate([y for _, y in data.values()])
    w = fit(x, y)
    loso = {}
    for name in data:
        rest = [k for k in data if k != name]
        loso[name] = fit(np.concatenate([data[k][0] for k in rest]), np.concatenate([data[k][1] for k in rest]))
    key = "with_embeddings" if embed is not None else "model_free"
    print(f"## align_model: {mode} ({len(y):,} beads, aligned in {elapsed:.0f} s)\n")
    current = np.array(CALIBRATION[embed is not None])
    print(f"current {key}: {tuple(current)}")
    print(f"fitted  {key}: ({', '.join(f'{v:.3f}' for v in w)})\n")
    print("With the current coefficients:\n")
    print("\n".join(per_set_table(data, current, loso)) + "\n")
    print("Fitted:\n")
    print("\n".join(per_set_table(data, w, loso)) + "\n")
    print("\n".join(reliability_table(data, w)) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", nargs="+", default=["none", "default"], help="align_model values to fit")
    args = parser.parse_args()
    os.environ.setdefault("MTEVAL_VECTOR_CACHE", "/tmp/alignp-vectors.sqlite")
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # the machine is shared; spinning threads only slow it
    for path in (WMT22_XML, ALIGN / "text+berg", ALIGN / "aligner-eval"):
        if not path.exists():
            sys.exit(f"{path} is absent: this script needs ../shared/data")
    for mode in args.modes:
        fit_mode(mode)


if __name__ == "__main__":
    main()
