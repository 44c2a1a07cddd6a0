"""Model-based metrics. Importing this package needs neither torch nor transformers;
building a metric checks for them and says what to install."""
from __future__ import annotations

from importlib import import_module
from typing import Any

from eval.errors import UserError
from eval.metrics.base import Metric

NEURAL_CLASSES = {
    "bertscore": ("eval.metrics.neural.bertscore", "BERTScore"),
    "comet": ("eval.metrics.neural.comet", "COMET"),
    "cometkiwi": ("eval.metrics.neural.comet", "CometKiwi"),
    "xsim": ("eval.metrics.neural.xsim", "CrossLingualSimilarity"),
    "offtarget": ("eval.metrics.neural.offtarget", "OffTarget"),
    "metricx": ("eval.metrics.neural.metricx", "MetricX"),
    "metricx-qe": ("eval.metrics.neural.metricx", "MetricXQE"),
}
_NEEDS_TORCH = {"bertscore", "comet", "cometkiwi", "xsim", "metricx", "metricx-qe"}


def neural_metric_names() -> list[str]:
    return list(NEURAL_CLASSES)


def build_neural_metric(name: str, src_lang: str = "", **options: Any) -> Metric:
    """A configured neural metric by registry name (options include ``model``).

    Metrics with a token limit come wrapped with the long-input strategy
    (option ``long_inputs``, eval/longinputs); ``src_lang`` is for splitting
    the source into sentences there."""
    key = name.lower()
    if key not in NEURAL_CLASSES:
        raise UserError(f"unknown neural metric {name!r} (known: {', '.join(NEURAL_CLASSES)})")
    if key in _NEEDS_TORCH:
        from eval.models.deps import require_transformers

        require_transformers(f"metric {key}")
    module, cls = NEURAL_CLASSES[key]
    cls = getattr(import_module(module), cls)
    from eval.longinputs.metric import LongInputMetric, parse_mode, takes_part

    if not takes_part(cls):
        return cls(**options)
    mode = parse_mode(key, options.pop("long_inputs", None))
    return LongInputMetric(cls(**options), mode, src_lang, options.get("trg_lang", ""))
