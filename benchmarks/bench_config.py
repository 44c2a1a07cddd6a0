"""Loading a huge config: 40,000 test sets in ~43 MB of YAML (generated here).

    python benchmarks/bench_config.py [--testsets 40000] [--pad 1000] [--before DIR]

Times, in the same run and each in its own process, ``mteval``'s
``load_config`` (safe YAML with libyaml, schema, typed metric options, the
duplicate-name check) against a bare ``yaml.safe_load`` of the same file (what
reading the file costs with PyYAML's default loader, the least a tool could
do). ``--before DIR`` also times ``load_config`` from another checkout (e.g.
the commit before the duplicate check became linear).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURE = Path(__file__).resolve().parent / "measure.py"

LOAD = "import sys; from eval.config import load_config; load_config(sys.argv[1])"
SAFE_LOAD = "import sys, yaml; yaml.safe_load(open(sys.argv[1], encoding='utf-8').read())"


def write_config(path: Path, n: int, pad: int) -> None:
    padding = "x" * pad
    with open(path, "w", encoding="utf-8") as out:
        out.write("name: big\nmetrics: [bleu, {name: chrf, word_order: 2}]\ntestsets:\n")
        for i in range(n):
            out.write(f"  - {{name: t{i}, langs: es-en, source: s{i}.es, references: r{i}.en, split: '{padding}'}}\n")


def timed(code: str, path: Path, tree: Path) -> dict:
    proc = subprocess.run([sys.executable, str(MEASURE), sys.executable, "-c", code, str(path)],
                          capture_output=True, text=True, cwd=tree)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"failed in {tree}:\n{proc.stderr}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--testsets", type=int, default=40_000)
    parser.add_argument("--pad", type=int, default=1000, help="characters of padding per test set")
    parser.add_argument("--before", type=Path, help="another checkout to time too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        write_config(path, args.testsets, args.pad)
        size = path.stat().st_size / 1e6
        rows = [("yaml.safe_load (baseline)", timed(SAFE_LOAD, path, ROOT)), ("mteval load_config", timed(LOAD, path, ROOT))]
        if args.before:
            rows.append((f"load_config in {args.before}", timed(LOAD, path, args.before)))
    base = rows[0][1]["wall_s"]
    print(f"{args.testsets} test sets, {size:.1f} MB of YAML\n")
    print("| what | wall s | ratio to yaml.safe_load | peak MB |\n|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['wall_s']:.1f} | {r['wall_s'] / base:.2f}x | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
