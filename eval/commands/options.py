"""Command-line option parsing shared by subcommands: metric options (``-o``)
and numeric flags, both typed by the parsers in ``eval.values``."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from ..errors import UserError
from ..execution import EXECUTORS, ExecutorSpec
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


def add_executor_arguments(p: argparse.ArgumentParser) -> None:
    """``--executor local|ray`` and ``--ray-address``, the same on run and score."""
    p.add_argument("--executor", choices=EXECUTORS, help="where statistics are computed (default: local, "
                   "or the config's 'executor')")
    p.add_argument("--ray-address", metavar="HOST:PORT", help="Ray cluster to join (with --executor ray)")


def executor_spec(args, configured: ExecutorSpec | None = None) -> ExecutorSpec:
    """The flags over the config's setting; an address without Ray is an error."""
    configured = configured or ExecutorSpec()
    kind = args.executor or configured.kind
    if args.ray_address is not None and kind != "ray":
        raise UserError("--ray-address needs --executor ray")
    if args.ray_address == "":
        raise UserError("--ray-address: expected HOST:PORT, got ''")
    if kind != configured.kind:
        return ExecutorSpec(kind, args.ray_address)
    return ExecutorSpec(kind, args.ray_address or configured.address, configured.gpus_per_worker)
