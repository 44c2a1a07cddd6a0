"""Command-line option parsing shared by subcommands: metric options (``-o``)
and numeric flags, both typed by the parsers in ``eval.values``."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from ..errors import UserError
from ..values import Kind


def typed(kind: Kind) -> Callable[[str], Any]:
    """An argparse ``type=`` for one kind: a bad value is a one-line usage error
    (exit 2) naming the flag, e.g. ``argument --paired-n: expected a positive integer, got '0'``."""

    def parse(text: str) -> Any:
        try:
            return kind.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def metric_entries(
    names: str, options: list[str], tokenize: str | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """``bleu,chrf`` plus ``-o bleu.tokenize=intl`` -> config-style metric entries,
    each option typed by its metric (``-o bleu.lowercase=off`` is an error, not true);
    ``model`` goes to every model-based metric."""
    from ..metrics import NEURAL
    from ..metrics.options import OptionError, parse_metric_options

    entries = {n.strip(): {"name": n.strip()} for n in names.split(",") if n.strip()}
    if not entries:
        raise UserError("--metrics: no metric named")

    def put(metric: str, key: str, value: str, flag: str) -> None:
        try:
            entries[metric][key] = parse_metric_options(metric, {key: value})[key]
        except OptionError as exc:
            raise UserError(f"{flag}: {exc.reason}") from None

    if tokenize and "bleu" in entries:
        put("bleu", "tokenize", tokenize, "--tokenize")
    if model:
        neural = [name for name in entries if name.lower() in NEURAL]
        if not neural:
            raise UserError(f"--model: none of --metrics uses a model ({', '.join(NEURAL)})")
        for name in neural:
            put(name, "model", model, "--model")
    for option in options:
        key, sep, value = option.partition("=")
        metric, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise UserError(f"--option {option!r}: expected METRIC.KEY=VALUE, e.g. bleu.tokenize=intl")
        if metric not in entries:
            raise UserError(f"--option {option!r}: metric {metric!r} is not in --metrics")
        put(metric, name, value, f"--option {option!r}")
    return list(entries.values())
