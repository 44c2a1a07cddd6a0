"""A large run directory made quickly from a real one: every test set's
segments repeated ``copies`` times (segment numbers continue), so its texts are
real text and its statistics the real statistics of those texts, and corpus
scores are unchanged (summed statistics scale together). Used by the report's
scale tests and benchmarks/bench_report.py; written in row groups, so building a
million-segment run holds one copy in memory. ``es_en_run`` makes the real es-en
run the report tests read and repeat."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def es_en_run(folder: Path, metrics: str, significance: str = "{n: 100}") -> Path:
    """``mteval run`` on the bundled es-en corpus (34 segments, 3 systems); the
    default 100 bootstrap resamples keep a large copy of it fast to report."""
    from conftest import CORPORA
    from eval.cli import main

    config = folder / "c.yaml"
    config.write_text(
        f"name: es-en\nmetrics: [{metrics}]\ncache: \"off\"\nhistory: \"off\"\nsignificance: {significance}\ntestsets:\n"
        f"  - {{name: es-en, langs: es-en, source: {CORPORA}/es-en/source.es, references: {{A: {CORPORA}/es-en/ref.A.en}},"
        f" systems: '{CORPORA}/es-en/hyp.*.en'}}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--out", str(folder / "run")]) == 0
    return folder / "run"


def _tile_parquet(src: Path, dst: Path, sizes: dict[str, int], copies: int, flag: str | None,
                  flag_rate: float, seed: int) -> None:
    table = pq.read_table(src)
    offsets_per_copy = pa.array([sizes[t] for t in table.column("testset").to_pylist()], pa.int64())
    rng = np.random.default_rng(seed)
    writer = None
    try:
        for copy in range(copies):
            seg_id = pc.add(table.column("seg_id"), pc.multiply(offsets_per_copy, copy))
            part = table.set_column(table.schema.get_field_index("seg_id"), "seg_id", seg_id)
            if flag:
                part = part.append_column(f"flag:{flag}", pa.array(rng.random(part.num_rows) < flag_rate))
            if writer is None:
                writer = pq.ParquetWriter(dst, part.schema)
            writer.write_table(part)
    finally:
        if writer is not None:
            writer.close()


def tile_run(base: Path, out: Path, copies: int, flag: str | None = None, flag_rate: float = 0.0,
             seed: int = 0) -> Path:
    """Write ``base`` repeated ``copies`` times to ``out``; with ``flag``, a
    ``flag:FLAG`` column true on a seeded ``flag_rate`` share of segments."""
    out.mkdir(parents=True, exist_ok=True)
    results = json.loads((base / "results.json").read_text(encoding="utf-8"))
    sizes = {name: info["n_segments"] for name, info in results["testsets"].items()}
    for name, info in results["testsets"].items():
        info["n_segments"] = sizes[name] * copies
    (out / "results.json").write_text(json.dumps(results), encoding="utf-8")
    _tile_parquet(base / "segments.parquet", out / "segments.parquet", sizes, copies, flag, flag_rate, seed)
    _tile_parquet(base / "texts.parquet", out / "texts.parquet", sizes, copies, None, 0.0, seed)
    with np.load(base / "stats.npz") as npz:
        np.savez(out / "stats.npz", **{k: np.tile(npz[k], (copies, 1)) for k in npz.files})
    for name in ("leaderboard.md", "leaderboard.csv"):
        if (base / name).exists():
            shutil.copy(base / name, out / name)
    for path in (base / "systems").rglob("*"):
        target = out / path.relative_to(base)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.suffix == ".json":
            report = json.loads(path.read_text(encoding="utf-8"))
            n = sizes[report["testset"]]
            st = report.get("statistics") or {}
            for key in ("empty_lines", "untranslated_lines"):
                if isinstance(st.get(key), list):
                    st[key] = [i + c * n for c in range(copies) for i in st[key]]
            target.write_text(json.dumps(report), encoding="utf-8")
        else:
            shutil.copy(path, target)
    return out
