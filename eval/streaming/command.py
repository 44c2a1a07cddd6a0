"""``mteval score --stream``: the files read a chunk at a time, scored, and
the output and run directory written as the in-memory path writes them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import UserError, file_errors
from ..results import Run
from ..store import StatsCache
from .loop import StreamedTestSet, StreamScorer, check_streamable, stream_work_folder
from .readers import Chunk
from .rundir import write_streamed_run


def score_streamed(run: Run, testset: StreamedTestSet, chunks: Iterable[Chunk], metrics: dict, cache: StatsCache,
                   significance: Callable[[Run, Any], None] | None, out: Path | None,
                   show: Callable[[Run], None]) -> None:
    """Score ``chunks`` into ``run``, add significance, ``show`` the scores, then
    write the run directory ``out`` (when given). Spill and part files live in a
    temporary folder (inside ``out`` when given) that is removed however this ends."""
    check_streamable(metrics)
    with file_errors("the run directory", out):
        work = stream_work_folder(out)
    with work as folder:
        scorer = StreamScorer(testset, metrics, cache, Path(folder), keep_rows=significance is not None or out is not None,
                              tables=out is not None)
        try:
            scored = scorer.run(chunks)
        finally:
            scorer.close()
        run.add(scored)
        if significance is not None:
            significance(run, scored)
        show(run)
        if out is not None:
            write_streamed_run(run, scorer, out)


def refuse_executor(kind: str) -> None:
    if kind != "local":
        raise UserError(f"--stream runs on this machine only; drop --executor {kind} (or --stream)")
