"""The ``meta`` block: how well each metric of a run agrees with human
judgments, per test set, with MTME's statistics (eval.meta).

Conventions (as MTME's data): rows are the run's systems that have human
scores, columns the test set's segments, NaN where a segment was not rated; a
system's human score is the mean of its rated segments unless the file gives
system scores; lower-is-better metrics (TER, MetricX) are negated first; a
metric's system score is its corpus score from the run; human translations and
listed outliers are left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from .judgments import Judgments
from .names import is_human, match_systems
from .runscores import RunScores

MIN_SYSTEMS = 3
# Statistics the significance test ranks metrics by (PERM-BOTH + MTME's clusters).
RANKED = ("sys_pearson", "sys_accuracy", "seg_pearson_none")


class MetaInputError(UserError):
    """A test set whose human scores cannot be compared (too few systems, none rated)."""


@dataclass
class MetaOptions:
    rename: dict[str, str] = field(default_factory=dict)
    include_human: bool = False
    outliers: list[str] = field(default_factory=list)
    significance: bool = False
    statistics: tuple[str, ...] = RANKED
    k: int = 1000
    seed: int = 0


@dataclass
class Prepared:
    """The aligned arrays of one test set, ready for eval.meta."""

    systems: list[str]
    human_seg: np.ndarray
    raw_human_seg: np.ndarray | None  # DA's raw scores, for DARR
    human_sys: np.ndarray | None
    metric_seg: dict[str, np.ndarray]
    metric_sys: dict[str, np.ndarray]
    negated: list[str]
    excluded: dict[str, list[str]]
    warnings: list[str]


def _check_segment_ids(scores: Judgments, run: RunScores) -> None:
    for (system, seg_id), line in scores.lines.items():
        if seg_id > run.n_segments:
            raise UserError(f"{scores.path}:{line}: segment id {seg_id} is beyond test set {run.testset!r} "
                            f"({run.n_segments} segments)")


def _matrix(scores: Judgments, systems: list[str], n: int, raw: bool = False) -> np.ndarray:
    out = np.full((len(systems), n), np.nan)
    for i, system in enumerate(systems):
        for seg_id, value in (scores.raw if raw else scores.seg).get(system, {}).items():
            out[i, seg_id - 1] = value
    return out


def _external(name: str, scores: Judgments, run: RunScores, systems: list[str], options: MetaOptions,
              warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """An outside metric's (segment matrix, system vector) for ``systems``."""
    match = match_systems(scores.systems, run.systems, options.rename, include_human=True)
    if match.unmatched_file:  # systems it lacks are an error below when humans rated them
        warnings.append(f"metric {name}: {match.warnings(scores.path)[0]}")
    scores = scores.renamed(match.mapping)
    _check_segment_ids(scores, run)
    missing = [s for s in systems if s not in scores.systems]
    if missing:
        raise UserError(f"{scores.path}: metric {name} has no scores for system(s) {', '.join(missing)} of test set "
                        f"{run.testset!r}")
    seg = _matrix(scores, systems, run.n_segments)
    if scores.sys is not None:
        return seg, np.array([scores.sys[s] for s in systems], dtype=float)
    with np.errstate(all="ignore"):
        return seg, np.nanmean(seg, axis=1)


def prepare(run: RunScores, human: Judgments, external: dict[str, Judgments] | None = None,
            options: MetaOptions | None = None) -> Prepared:
    """Match names, leave out humans/outliers/unrated systems, orient metrics."""
    options = options or MetaOptions()
    match = match_systems(human.systems, run.systems, options.rename, options.include_human)
    warnings = match.warnings(human.path)
    scores = human.renamed(match.mapping)
    _check_segment_ids(scores, run)
    unknown = [o for o in options.outliers if o not in run.systems]
    if unknown:
        raise UserError(f"outliers: the run has no system(s) {', '.join(unknown)}")
    run_humans = [s for s in run.systems if not options.include_human and is_human(s)]
    rated = set(scores.sys) if scores.sys is not None else {s for s, v in scores.seg.items() if v}
    systems = [s for s in run.systems if s in rated and s not in options.outliers and s not in run_humans]
    excluded = {"human": sorted(set(match.humans) | set(run_humans)), "outliers": list(options.outliers)}
    if not match.mapping and match.unmatched_file:
        raise MetaInputError(f"{human.path}: none of its systems ({', '.join(sorted(match.unmatched_file)[:5])}"
                             f"{', ...' if len(match.unmatched_file) > 5 else ''}) is a system of test set "
                             f"{run.testset!r} ({', '.join(run.systems[:5])}{', ...' if len(run.systems) > 5 else ''})")
    if not rated:
        raise MetaInputError(f"{human.path}: no human scores for any system of test set {run.testset!r}")
    if len(systems) < MIN_SYSTEMS:
        raise MetaInputError(f"{human.path}: test set {run.testset!r} has {len(systems)} system(s) with human scores "
                             f"after exclusions, {MIN_SYSTEMS} are needed")
    rows = [run.systems.index(s) for s in systems]
    human_seg = _matrix(scores, systems, run.n_segments)
    raw_human_seg = _matrix(scores, systems, run.n_segments, raw=True) if scores.raw is not None else None
    human_sys = None if scores.sys is None else np.array([scores.sys[s] for s in systems], dtype=float)
    metric_seg, metric_sys, negated = {}, {}, []
    for metric in run.corpus:
        sign = 1.0 if run.higher_is_better.get(metric, True) else -1.0
        if sign < 0:
            negated.append(metric)
        metric_seg[metric] = sign * run.segments[metric][rows]
        metric_sys[metric] = sign * np.array([run.corpus[metric][s] for s in systems], dtype=float)
    for name, ext in (external or {}).items():
        if name in metric_seg:
            raise UserError(f"--metric-scores {name}: the run already has a metric named {name!r}")
        metric_seg[name], metric_sys[name] = _external(name, ext, run, systems, options, warnings)
    return Prepared(systems, human_seg, raw_human_seg, human_sys, metric_seg, metric_sys, negated, excluded, warnings)


def _clean(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def testset_block(run: RunScores, human: Judgments, external: dict[str, Judgments] | None = None,
                  options: MetaOptions | None = None, describe: dict | None = None) -> dict:
    """The JSON-ready agreement of every metric with ``human`` on one test set."""
    from .. import meta

    options = options or MetaOptions()
    p = prepare(run, human, external, options)
    human_sys = p.human_sys if p.human_sys is not None else _row_means(p.human_seg)
    metrics, reasons = {}, {}
    rated = ~np.isnan(p.human_seg)
    for name, seg in p.metric_seg.items():
        human_seg, raw_seg, why_seg = p.human_seg, p.raw_human_seg, None
        missing = rated & np.isnan(seg)
        if not rated.any():
            why_seg = "the human scores are system-level only"
        elif missing.all(where=rated):
            why_seg = f"{name} has system-level scores only"
        elif missing.any():
            i, j = np.argwhere(missing)[0]
            raise UserError(f"metric {name}: no score for system {p.systems[i]!r} segment {j + 1}, "
                            "which humans rated")
        if why_seg:  # system statistics only: no segment is compared
            human_seg = seg = np.full((len(p.systems), 1), np.nan)
            raw_seg = None
        values, why = meta.agreement(human_seg, seg, human_sys, p.metric_sys[name], raw_human_seg=raw_seg)
        metrics[name] = {k: _clean(v) for k, v in values.items()}
        if why_seg:
            why = {k: why_seg if k.startswith("seg_") or k == "sys_spa" else r for k, r in why.items()}
        if why:
            reasons[name] = why
    block = {
        "testset": run.testset,
        "human": describe or {"path": human.path, "format": human.format},
        "n_systems": len(p.systems),
        "n_rated_segments": int(np.sum(np.any(~np.isnan(p.human_seg), axis=0))),
        "n_ratings": int(np.sum(~np.isnan(p.human_seg))),
        "systems": p.systems,
        "excluded": p.excluded,
        "negated": p.negated,
        "warnings": p.warnings,
        "metrics": metrics,
        "reasons": reasons,
        "scatter": {
            "human": dict(zip(p.systems, map(_clean, human_sys))),
            "metrics": {m: dict(zip(p.systems, map(_clean, v))) for m, v in p.metric_sys.items()},
        },
    }
    if options.significance and len(p.metric_seg) > 1:
        block["ranks"] = {stat: _ranked(p, human_sys, stat, options) for stat in options.statistics}
    return block


def _row_means(matrix: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.nanmean(matrix, axis=1)


def _ranked(p: Prepared, human_sys: np.ndarray, statistic: str, options: MetaOptions) -> dict:
    """PERM-BOTH p-values and MTME's clusters for one statistic; metrics for
    which it is undefined (e.g. system-level scores only) are listed apart."""
    from .. import meta

    segment_level = statistic.startswith("seg_")
    rated = ~np.isnan(p.human_seg)
    usable = {m: v for m, v in p.metric_seg.items() if not (segment_level and np.isnan(v[rated]).any())}
    skipped = {m: "no segment scores" for m in p.metric_seg if m not in usable}
    if segment_level:
        seg = usable
    else:  # system level: segment scores only feed the resampling, unrated cells stay unused
        seg = {m: np.where(np.isnan(v), 0.0, v) for m, v in usable.items()}
    try:
        result = meta.compare_metrics(p.human_seg, seg, human_sys, {m: p.metric_sys[m] for m in usable},
                                      statistic=statistic, k=options.k, seed=options.seed)
    except ValueError as exc:
        return {"scores": {}, "ranks": {}, "pvalues": {}, "undefined": {m: str(exc) for m in p.metric_seg}}
    return {"scores": {m: _clean(v) for m, v in result.scores.items()},
            "ranks": {m: int(r) for m, r in result.ranks.items()},
            "pvalues": {a: {b: _clean(v) for b, v in row.items()} for a, row in result.pvalues.items()},
            "undefined": {**result.undefined, **skipped}}


def pooled(blocks: dict[str, dict]) -> dict:
    """Pairwise system accuracy micro-pooled over the test sets (MTME's global
    accuracy), for the metrics every test set has."""
    from .. import meta

    if not blocks:
        return {}
    common = set.intersection(*(set(b["metrics"]) for b in blocks.values()))
    items = []
    for block in blocks.values():
        scatter = block["scatter"]
        systems = block["systems"]
        human = np.array([np.nan if scatter["human"][s] is None else scatter["human"][s] for s in systems])
        items.append((human, {m: np.array([np.nan if scatter["metrics"][m][s] is None else scatter["metrics"][m][s]
                                           for s in systems]) for m in sorted(common)}))
    return {"sys_accuracy": {m: _clean(v) for m, v in meta.pooled_accuracy(items).items()}}
