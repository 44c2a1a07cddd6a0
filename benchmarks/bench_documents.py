"""The document pipeline on WMT22 ru-en with every text given as articles.

Source, reference A and every system output of the WMT22 ru-en XML are written
as folders of one article per document (segments joined with spaces), and
``mteval run`` aligns the reference to the source, regroups the rows and
re-segments each output (src_format, ref_format and hyp_format ``document``).
Each ``align_model`` is run cold (empty model-free caches: statistics and
sentence vectors; the converted model itself stays) and warm (the same run
again), under benchmarks/measure.py: wall time, CPU time, peak memory and the
load average when it ended (wall times on a shared machine are noisy). Each
system's BLEU and chrF are compared with sacreBLEU's on the original
line-aligned segments, the scores a user would get without the document
stage; the reference alignment's rows and flagged beads come from results.json.

Usage: python benchmarks/bench_documents.py [--models none default e5]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from common import ROOT, WMT22, timed


def write_articles(folder: Path, segments: list[str], doc_ids: list[str]) -> None:
    folder.mkdir(parents=True)
    for doc in dict.fromkeys(doc_ids):
        text = " ".join(s for s, d in zip(segments, doc_ids) if d == doc)
        (folder / f"{doc}.txt").write_text(text + "\n", encoding="utf-8")


def read_xml(path: Path):
    source, doc_ids, reference, systems = [], [], [], {}
    for doc in ET.parse(path).getroot().iter("doc"):
        segs = [s.text or "" for s in doc.find("src").iter("seg")]
        source += segs
        doc_ids += [doc.get("id")] * len(segs)
        reference += [s.text or "" for s in doc.find("ref[@translator='A']").iter("seg")]
        for hyp in doc.findall("hyp"):
            systems.setdefault(hyp.get("system"), []).extend(s.text or "" for s in hyp.iter("seg"))
    return source, doc_ids, reference, systems


def reference_alignment(testset: dict) -> dict:
    """How the reference article was aligned to the source (results.json notes)."""
    notes = testset["reference_alignment"]
    summary = notes["ref:A"]
    return {"rows": notes["rows"]["rows"], "merged": notes["rows"]["merged_rows"], "beads": summary["beads"],
            "flagged": summary["low_confidence_beads"], "confidence": summary["mean_confidence"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=["none", "default"])
    args = parser.parse_args()
    import sacrebleu

    xml = WMT22 / "xml" / "wmttest2022.ru-en.all.xml"
    if not xml.exists():
        sys.exit(f"{xml} is absent: this benchmark needs ../shared/data")
    source, doc_ids, reference, systems = read_xml(xml)
    line_aligned = {name: (sacrebleu.corpus_bleu(hyp, [reference]).score, sacrebleu.corpus_chrf(hyp, [reference]).score)
                    for name, hyp in systems.items()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_articles(tmp / "src", source, doc_ids)
        write_articles(tmp / "ref", reference, doc_ids)
        for name, hyp in systems.items():
            write_articles(tmp / "sys" / name, hyp, doc_ids)
        system_map = ", ".join(f"{name}: {tmp / 'sys' / name}" for name in systems)
        rows = []
        for model in args.models:
            config = tmp / f"{model}.yaml"
            config.write_text(
                f"name: bench\nmetrics: [bleu, chrf]\nhistory: 'off'\ntestsets:\n"
                f"  - {{name: t, langs: ru-en, format: text, src_format: document, source: {tmp / 'src'},"
                f" ref_format: document, references: {{A: {tmp / 'ref'}}}, hyp_format: document,"
                f" systems: {{{system_map}}}, align_model: {model}}}\n", encoding="utf-8")
            env = dict(os.environ, PYTHONPATH=str(ROOT), MTEVAL_CACHE=str(tmp / f"cache-{model}"))
            for state in ("cold", "warm"):
                out = tmp / f"out-{model}-{state}"
                measurement, _ = timed([sys.executable, "-m", "eval.cli", "run", config, "--out", out], env)
                load = os.getloadavg()[0]
                testset = json.loads((out / "results.json").read_text())["testsets"]["t"]
                result = testset["systems"]
                worst = max(max(abs(result[n]["bleu"]["score"] - b), abs(result[n]["chrf"]["score"] - c))
                            for n, (b, c) in line_aligned.items())
                rows.append((model, state, measurement, worst, result, load, reference_alignment(testset)))
    print(f"WMT22 ru-en, {len(set(doc_ids))} documents, {len(source)} segments, {len(systems)} systems, all as articles\n")
    print("| align_model | run | wall (s) | CPU (s) | load average | peak memory (MiB) | max \\|Δ\\| BLEU/chrF vs line-aligned"
          " | rows (merged) | reference beads flagged | mean reference confidence |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model, state, m, worst, _, load, ref in rows:
        print(f"| {model} | {state} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {load:.1f} | {m['peak_mb']:.0f} | {worst:.2f}"
              f" | {ref['rows']} ({ref['merged']}) | {ref['flagged']} of {ref['beads']} | {ref['confidence']:.3f} |")
    print("\n| system | line-aligned BLEU / chrF | " + " | ".join(f"{m} {s}" for m, s, *_ in rows if s == "cold") + " |")
    print("|---|---|" + "---|" * sum(s == "cold" for _, s, *_ in rows))
    for name, (b, c) in line_aligned.items():
        cells = [f"{r[name]['bleu']['score']:.2f} / {r[name]['chrf']['score']:.2f}" for _, s, _, _, r, *_ in rows
                 if s == "cold"]
        print(f"| {name} | {b:.2f} / {c:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
