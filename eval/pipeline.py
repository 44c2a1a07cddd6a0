"""The whole flow for one config: load -> score -> (significance) -> write.

Each finished test set is written out before the next one starts, so an
interrupted or failing run keeps every test set it finished.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .config import RunConfig, metric_specs
from .corpora.model import TestSet
from .errors import UserError
from .execution import ExecutorSpec, make_executor
from .results import Run
from .scoring import build_metrics, score_testset
from .store import StatsCache, default_cache_dir


def open_cache(setting: str | None, base: Path | None = None) -> StatsCache:
    """``None`` -> the default user cache; ``"off"`` -> no cache; else a path."""
    if setting == "off":
        return StatsCache(None)
    if setting is None:
        return StatsCache(default_cache_dir() / "stats.sqlite")
    path = Path(setting).expanduser()
    return StatsCache(path if path.is_absolute() or base is None else base / path)


def evaluate(
    run: Run,
    testset: TestSet,
    metrics: list,
    engine: str = "auto",
    cache: StatsCache | None = None,
    jobs: int | None = None,
    significance: Callable[[Run, Any], None] | None = None,
    executor=None,
) -> None:
    """Score one test set into ``run``; ``metrics`` are names or MetricSpecs."""
    built = build_metrics(metric_specs(metrics), testset.tgt_lang, engine, testset.src_lang)
    scored = score_testset(testset, built, cache, jobs, executor)
    run.add(scored)
    if significance is not None:
        significance(run, scored)


def run_config(
    config: RunConfig,
    base: Path,
    out_dir: Path | None = None,
    jobs: int | None = None,
    significance: Callable[[Run, Any], None] | None = None,
    config_file: Path | None = None,
    executor: ExecutorSpec | None = None,
) -> tuple[Run, Path]:
    """Score every test set into the run directory, write its HTML report, then
    record the run in the history: a history that cannot be written costs
    neither the results nor the report (its error says where they are)."""
    from .report.html import write_html_report

    run, out = score_config(config, base, out_dir, jobs, significance, config_file, executor)
    write_html_report(out)
    try:
        record_history(run, out, config.history, base)
    except UserError as exc:
        raise UserError(f"{exc} (the results and the report are written: {out})") from None
    return run, out


def score_config(
    config: RunConfig,
    base: Path,
    out_dir: Path | None = None,
    jobs: int | None = None,
    significance: Callable[[Run, Any], None] | None = None,
    config_file: Path | None = None,
    executor: ExecutorSpec | None = None,
) -> tuple[Run, Path]:
    """Score the config's test sets one by one, writing the run directory after
    each, so a run that stops early keeps (and marks incomplete) what it did.
    ``executor`` (default: the config's ``executor:``) is set up before any work."""
    from .prepare import load_prepared
    from .report.write import write_run

    out = (Path(out_dir) if out_dir else base / (config.output or f"../reports/{config.name}")).resolve()
    human = load_declared_human(config, base)
    computer = make_executor(executor or config.executor.spec())
    cache = open_cache(config.cache, base)
    run = Run(config.name, config.model_dump(mode="json"), planned=[spec.name for spec in config.testsets])
    try:
        for index, spec in enumerate(config.testsets):
            testset = load_prepared(spec, base)
            if not testset.systems:
                where = f"{config_file}: " if config_file else ""
                raise UserError(f"{where}testsets.{index} ({spec.name!r}): no system outputs to score; "
                                f"give them under 'systems'")
            evaluate(run, testset, spec.metrics or config.metrics, config.engine, cache, jobs or config.jobs, significance,
                     computer)
            if spec.name in human:
                from .human.configured import add_meta

                add_meta(run, run.scored[-1], human[spec.name], config.meta)
            write_run(run, out)
    finally:
        cache.close()
    return run, out


def load_declared_human(config: RunConfig, base: Path) -> dict:
    """Human judgments the config declares, loaded before any scoring."""
    if not any(spec.human is not None for spec in config.testsets):
        return {}
    from .human.configured import load_declared

    return load_declared(config, base)


def record_history(run: Run, out: Path, setting: str | None, base: Path) -> None:
    """Add the finished run to the history database (``"off"`` skips it)."""
    if setting == "off":
        return
    from .history import History, default_history_path, git_commit

    path = default_history_path() if setting is None else base / Path(setting).expanduser()
    History(path).record(run.to_json(), out, git_commit(base))
