"""Write a run directory (layout in docs/RUN_FORMAT.md), every file atomically,
so an interrupted run leaves each file either complete or untouched.

A run owns its directory: the first write of a run removes the files another
run left there (results.json first, so no stale results describe new files),
and results.json is always written last, so the files it describes exist."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_path, write_json, write_text
from ..errors import file_errors
from ..results import Run
from .leaderboard import leaderboard, leaderboard_markdown
from .names import system_report_paths
from .system import system_markdown, system_report

RESULTS_FILE = "results.json"
REPORT_FILE = "report.html"
# Everything a run writes at the top of its directory, results.json first.
RUN_FILES = (RESULTS_FILE, REPORT_FILE, "segments.parquet", "texts.parquet", "stats.npz",
             "leaderboard.csv", "leaderboard.md")
SYSTEMS_FOLDER = "systems"


def write_run(run: Run, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    with file_errors("the run directory", out):
        out.mkdir(parents=True, exist_ok=True)
        if _previous_run_uid(out) != run.uid:
            clear_run_files(out)
        _write_files(run, out)
    return out


def _write_files(run: Run, out: Path) -> None:
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
    paths = system_report_paths({s.testset.name: list(s.testset.systems) for s in run.scored})
    for scored in run.scored:
        for system in scored.testset.systems:
            report = system_report(scored, system, run.entries[scored.testset.name][system])
            stem = paths[scored.testset.name][system]
            write_json(out / f"{stem}.json", report)
            write_text(out / f"{stem}.md", system_markdown(report))
    results = run.to_json()
    for name, entry in results["testsets"].items():
        entry["system_reports"] = paths[name]
    write_json(out / RESULTS_FILE, results)


def _previous_run_uid(out: Path) -> str | None:
    try:
        return json.loads((out / RESULTS_FILE).read_text(encoding="utf-8")).get("run_uid")
    except (OSError, ValueError, AttributeError):
        return None


def clear_run_files(out: Path) -> None:
    """Remove what a run writes (and temporary files a killed one left), and
    nothing else: files of the user's own in the folder stay."""
    for name in RUN_FILES:
        (out / name).unlink(missing_ok=True)
        for tmp in out.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)
    systems = out / SYSTEMS_FOLDER
    if systems.is_dir():
        for folder in [p for p in systems.iterdir() if p.is_dir() and not p.is_symlink()]:
            for report in folder.iterdir():
                if report.is_file() and (report.suffix in (".json", ".md") or report.name.endswith(".tmp")):
                    report.unlink()
            _remove_if_empty(folder)
        _remove_if_empty(systems)


def _remove_if_empty(folder: Path) -> None:
    if not any(folder.iterdir()):
        folder.rmdir()
