"""Checks and types a metric's options: the one place that knows what each takes.

Each metric class declares ``option_types`` (option name -> a kind from
``eval.values``); every metric also takes ``label`` and ``engine``.
``-o METRIC.KEY=VALUE`` (text), config metric dicts (YAML values) and metrics
built from Python all go through :func:`parse_metric_options`, so
``lowercase: "off"`` is refused the same way wherever it is written.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from ..errors import UserError
from ..values import TEXT, Choice, Kind

ENGINES = ("auto", "fast", "sacrebleu")
COMMON: dict[str, Kind] = {"label": TEXT, "engine": Choice(ENGINES)}


class OptionError(UserError):
    """A metric name or option that is wrong. ``key`` is the option at fault
    (None for the metric name); ``reason`` says what is wrong, naming the metric
    and option itself when ``named``, so callers can prefix where it was written."""

    def __init__(self, metric: str, key: str | None, reason: str, named: bool = False) -> None:
        self.metric, self.key, self.reason = metric, key, reason
        super().__init__(reason if named else f"metric {metric!r}, option {key!r}: {reason}")


def metric_class(name: str) -> type:
    """The class behind a registry name (neural modules import without torch)."""
    from . import LEXICAL, known_metrics
    from .neural import NEURAL_CLASSES

    key = str(name).lower()
    if key in LEXICAL:
        return LEXICAL[key]
    if key in NEURAL_CLASSES:
        module, cls = NEURAL_CLASSES[key]
        return getattr(import_module(module), cls)
    raise OptionError(str(name), None, f"unknown metric {name!r} (known: {', '.join(known_metrics())})", named=True)


def typed_options(metric: str, types: dict[str, Kind], options: dict[str, Any]) -> dict[str, Any]:
    """Every option typed (``"yes"`` -> True, ``"6"`` -> 6); idempotent on typed values.
    OptionError for an unknown option or a value of the wrong kind."""
    typed = {}
    for key, value in options.items():
        if key not in types:
            allowed = ", ".join(types) or "none"
            raise OptionError(metric, key, f"unknown option {key!r} for metric {metric!r} (allowed: {allowed})",
                              named=True)
        try:
            typed[key] = types[key].parse(value)
        except ValueError as exc:
            raise OptionError(metric, key, str(exc)) from None
    return typed


def parse_metric_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """A registry metric's options, ``label`` and ``engine`` included, typed; a model
    metric with a token limit also takes ``long_inputs`` (eval/longinputs)."""
    from ..longinputs.metric import MODES, takes_part

    cls = metric_class(name)
    extra = {"long_inputs": Choice(MODES)} if takes_part(cls) else {}
    return typed_options(name, {**cls.option_types, **COMMON, **extra}, options)
