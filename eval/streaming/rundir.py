"""A streamed run's directory: the same files as ``report.write.write_run``
(docs/RUN_FORMAT.md), built from the part and spill files instead of memory.
Each file is written atomically and results.json last, so a run that fails
part-way presents nothing as complete."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq

from ..atomic import atomic_path, write_json, write_text
from ..errors import file_errors
from ..report.leaderboard import leaderboard, leaderboard_markdown
from ..report.names import system_report_paths
from ..report.system import summary_report, system_markdown
from ..report.write import RESULTS_FILE, _previous_run_uid, clear_run_files
from ..results import Run
from .loop import StreamedScores, StreamScorer
from .spill import write_npz


def write_streamed_run(run: Run, scorer: StreamScorer, out: Path) -> Path:
    scored = scorer.scored
    with file_errors("the run directory", out):
        out.mkdir(parents=True, exist_ok=True)
        if _previous_run_uid(out) != run.uid:
            clear_run_files(out)
        with atomic_path(out / "segments.parquet") as tmp:
            scorer.segments.merge(tmp)
        with atomic_path(out / "texts.parquet") as tmp:
            scorer.texts.merge(tmp)
        scored.content_digest = content_digest(scorer.texts.paths, list(scorer.texts.paths)[:1 + len(scored.testset.references)])
        with atomic_path(out / "stats.npz") as tmp:
            name = scored.testset.name
            write_npz(tmp, {f"{name}/{label}/{system}": spill for (label, system), spill in scored.spills.items()})
        with atomic_path(out / "leaderboard.csv") as tmp:
            leaderboard(run).to_csv(tmp, index=False)
        write_text(out / "leaderboard.md", leaderboard_markdown(run))
        paths = system_report_paths({scored.testset.name: list(scored.testset.systems)})[scored.testset.name]
        for system in scored.testset.systems:
            report = system_report(scored, system, run.entries[scored.testset.name][system])
            write_json(out / f"{paths[system]}.json", report)
            write_text(out / f"{paths[system]}.md", system_markdown(report))
        results = run.to_json()
        results["testsets"][scored.testset.name]["system_reports"] = paths
        write_json(out / RESULTS_FILE, results)
    return out


def content_digest(parts: dict[str, Path], fields: list[str]) -> str:
    """``results.content_hash`` of the source and references, read back from
    their text part files one row group at a time."""
    h = hashlib.blake2b(digest_size=16)
    for field in fields:
        part = pq.ParquetFile(parts[field])
        for group in range(part.num_row_groups):
            if group:
                h.update(b"\n")
            h.update("\n".join(part.read_row_group(group, columns=["text"]).column("text").to_pylist()).encode())
        h.update(b"\x00")
    return h.hexdigest()


def system_report(scored: StreamedScores, system: str, entries: dict) -> dict:
    """The dict ``report.system.system_report`` builds, from the streamed summary."""
    ts = scored.testset
    return summary_report(ts.name, ts.langs, scored.metrics, system, entries, scored.summaries[system])
