"""Write a run directory (layout in docs/RUN_FORMAT.md), every file atomically,
so an interrupted run leaves each file either complete or untouched."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..atomic import atomic_path, write_json, write_text
from ..results import Run
from .leaderboard import leaderboard, leaderboard_markdown
from .system import system_markdown, system_report


def safe_name(name: str) -> str:
    """A file name for a system or test set name (which may hold slashes)."""
    return re.sub(r"[^\w.+-]+", "_", name).strip("._") or "_"


def write_run(run: Run, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "segments.parquet") as tmp:
        run.segment_table().to_parquet(tmp, index=False)
    with atomic_path(out / "texts.parquet") as tmp:
        run.text_table().to_parquet(tmp, index=False)
    with atomic_path(out / "stats.npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, **{f"{s.testset.name}/{label}/{system}": m for s in run.scored for (label, system), m in s.stats.items()}
            )
    board = leaderboard(run)
    with atomic_path(out / "leaderboard.csv") as tmp:
        board.to_csv(tmp, index=False)
    write_text(out / "leaderboard.md", leaderboard_markdown(run))
    for scored in run.scored:
        folder = out / "systems" / safe_name(scored.testset.name)
        for system in scored.testset.systems:
            report = system_report(scored, system, run.entries[scored.testset.name][system])
            write_json(folder / f"{safe_name(system)}.json", report)
            write_text(folder / f"{safe_name(system)}.md", system_markdown(report))
    write_json(out / "results.json", run.to_json())
    return out
