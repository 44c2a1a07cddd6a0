"""Fast exact lexical metrics: sacreBLEU 2.6's TER, chrF/chrF++ and BLEU
statistics, computed by a C extension (built on ``pip install -e .``).

    m = FastTER()                      # same options as sacrebleu.metrics.TER
    prepared = m.prepare(references)   # one list[str] per reference, once per test set
    stats = m.stats(hypotheses, prepared)   # float64 (n_segments, n_stats)

The statistics equal ``metric._extract_corpus_statistics(hyps, refs)`` of the
corresponding sacreBLEU metric row for row; see docs/FAST_METRICS.md.
"""
from __future__ import annotations

try:
    from . import _lexcore  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the build
    raise ImportError(
        "eval.metrics.fast needs its C extension; build it with `pip install -e .` "
        "(or `python setup.py build_ext --inplace`)"
    ) from exc

from .bleu import FastBLEU
from .chrf import FastCHRF
from .ter import FastTER

__all__ = ["FastBLEU", "FastCHRF", "FastTER"]
