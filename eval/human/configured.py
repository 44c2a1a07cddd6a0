"""Human judgments declared in a config (``human:`` on a test set): loaded
before any scoring, so a bad file stops the run before work is done; each
finished test set then gets its agreement block in the run's ``meta``."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .agreement import MetaInputError, MetaOptions, pooled, testset_block
from .judgments import Judgments
from .load import load_human
from .runscores import from_scored


def resolve(path: str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p


def load_declared(config, base: Path) -> dict[str, list[tuple[object, Judgments]]]:
    """Test set name -> [(HumanSpec, judgments)] for every ``human`` entry."""
    out = {}
    for i, spec in enumerate(config.testsets):
        entries = []
        for j, human in enumerate(spec.human_specs):
            try:
                entries.append((human, load_human(resolve(human.path, base), human.format, human.score, spec.langs)))
            except UserError as exc:
                where = f"testsets.{i}.human.{j}"
                raise UserError(f"{where}: {exc}") from None
        if entries:
            out[spec.name] = entries
    return out


def _key(testset: str, human, entries: list) -> str:
    """The block's key: the test set, or ``TESTSET:LABEL`` when it has several files."""
    if len(entries) == 1:
        return testset
    return f"{testset}:{human.label or human.format + ':' + Path(human.path).name}"


def add_meta(run, scored, entries: list, meta_spec) -> None:
    """Agreement of ``scored``'s metrics with each of its human files, into ``run.meta``.
    A test set that cannot be compared (too few rated systems, nothing rated)
    keeps a block with the reason and a warning; the run goes on."""
    run_scores = from_scored(scored)
    blocks = run.meta.setdefault("testsets", {})
    for human, judgments in entries:
        options = MetaOptions(rename=dict(human.rename), include_human=human.include_human,
                              outliers=list(human.outliers),
                              significance=meta_spec.significance if meta_spec else True,
                              k=meta_spec.k if meta_spec else 1000, seed=meta_spec.seed if meta_spec else 0)
        describe = {"path": human.path, "format": human.format, **({"score": human.score}
                                                                   if human.format in ("da", "da-sys") else {})}
        key = _key(scored.testset.name, human, entries)
        try:
            blocks[key] = testset_block(run_scores, judgments, None, options, describe)
        except MetaInputError as exc:
            blocks[key] = {"testset": scored.testset.name, "human": describe, "error": str(exc), "warnings": [str(exc)], "metrics": {}}
        for warning in blocks[key]["warnings"]:
            sys.stderr.write(f"mteval: warning: {warning}\n")
    complete = {k: b for k, b in blocks.items() if "error" not in b}
    run.meta["pooled"] = pooled(complete)
