"""Metric registry: names users write in ``--metrics`` and configs."""
from __future__ import annotations

from typing import Any

from ..errors import UserError
from .base import MeanScoreMetric, Metric
from .lexical import BLEU, CHRF, TER, CHRFPlusPlus

LEXICAL = {cls.name: cls for cls in (BLEU, CHRF, CHRFPlusPlus, TER)}
NEURAL = ("bertscore", "comet", "cometkiwi", "xsim", "offtarget", "metricx", "metricx-qe")


def known_metrics() -> list[str]:
    return [*LEXICAL, *NEURAL]


def build_metric(name: str, trg_lang: str = "", engine: str = "auto", src_lang: str = "", **options: Any) -> Metric:
    """A configured metric by registry name; UserError for unknown names or options.
    ``engine`` picks how lexical statistics are computed (same numbers either way);
    ``src_lang`` lets model metrics split long sources into sentences."""
    key = name.lower()
    if key in LEXICAL:
        return LEXICAL[key](trg_lang=trg_lang, engine=engine, **options)
    if key in NEURAL:
        from .neural import build_neural_metric  # torch stays optional

        return build_neural_metric(key, trg_lang=trg_lang, src_lang=src_lang, **options)
    raise UserError(f"unknown metric {name!r} (known: {', '.join(known_metrics())})")


__all__ = ["Metric", "MeanScoreMetric", "build_metric", "known_metrics", "LEXICAL"]
