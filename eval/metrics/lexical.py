"""BLEU, chrF/chrF++ and TER with sacreBLEU's exact statistics and signatures.

sacreBLEU is the reference: its metric objects define the options, the
tokenisers and the signature. The statistics come from our fast engine
(``eval.metrics.fast``) when it is built, else from sacreBLEU itself
(``engine="sacrebleu"`` forces that); both give identical numbers, so the
engine is not part of the signature or the cache key.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sacrebleu.metrics import BLEU as SacreBLEU
from sacrebleu.metrics import CHRF as SacreCHRF
from sacrebleu.metrics import TER as SacreTER

from ..errors import UserError
from ..values import FLAG, Choice, Integer, Number
from .base import Metric
from .formulas import bleu_from_sums, chrf_from_sums, ter_from_sums
from .options import ENGINES

# The fast engine's limits on n-gram orders (it counts n-grams up to 64).
ORDER = Integer(minimum=0, maximum=64)


class LexicalMetric(Metric):
    """Shared plumbing: build the sacreBLEU object, pick the statistics engine."""

    sacrebleu_class: type
    fast_class_name: str
    parallel_safe = True

    def __init__(self, engine: str = "auto", trg_lang: str = "", **options: Any) -> None:
        if engine not in ENGINES:
            raise UserError(f"unknown engine {engine!r} for metric {self.name!r} (allowed: {', '.join(ENGINES)})")
        super().__init__(**options)
        options = self.options
        self.trg_lang = trg_lang
        try:
            self.reference = self._build_sacrebleu(trg_lang, options)
        except KeyError as exc:
            raise UserError(f"invalid option value {exc.args[0]!r} for metric {self.name!r}") from None
        except (ValueError, TypeError, AssertionError, RuntimeError, ImportError) as exc:
            raise UserError(f"invalid options for metric {self.name!r}: {exc}") from None
        except OSError as exc:  # sacreBLEU downloads the SentencePiece models of spm/flores tokenizers
            raise UserError(
                f"metric {self.name!r}: a resource for options {options} could not be fetched ({exc}); "
                "sacreBLEU downloads the spm/flores tokenizer models on first use, so run once online"
            ) from None
        self.engine = self._pick_engine(engine, options)

    def _build_sacrebleu(self, trg_lang: str, options: dict[str, Any]):
        return self.sacrebleu_class(**options)

    def _pick_engine(self, engine: str, options: dict[str, Any]):
        """The fast engine object, or None to compute statistics with sacreBLEU."""
        if engine == "sacrebleu":
            return None
        try:
            from . import fast
        except ImportError:
            if engine == "fast":
                raise UserError("engine 'fast' is not built; reinstall mteval (pip install -e .) or use engine 'sacrebleu'") from None
            return None
        return getattr(fast, self.fast_class_name)(**self._fast_options(options))

    def _fast_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return dict(options)

    @property
    def stat_names(self) -> tuple[str, ...]:
        return tuple(f"s{i}" for i in range(self.n_stats))

    def signature(self, n_refs: int) -> str:
        self.reference.num_refs = n_refs
        return self.reference.get_signature().format()

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        if self.engine is not None:
            return self.engine.prepare([list(r) for r in references])
        return self.reference._cache_references([list(r) for r in references])

    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        if self.engine is not None:
            return np.asarray(self.engine.stats(list(hypotheses), prepared), dtype=np.float64)
        self.reference._ref_cache = prepared
        stats = self.reference._extract_corpus_statistics(list(hypotheses), None)
        return np.asarray(stats, dtype=np.float64).reshape(len(hypotheses), self.n_stats)


class BLEU(LexicalMetric):
    name = "bleu"
    sacrebleu_class = SacreBLEU
    fast_class_name = "FastBLEU"
    option_types = {
        "lowercase": FLAG, "force": FLAG, "tokenize": Choice(tuple(SacreBLEU.TOKENIZERS)),
        "smooth_method": Choice(tuple(SacreBLEU.SMOOTH_DEFAULTS)), "smooth_value": Number(minimum=0),
        "max_ngram_order": Integer(minimum=1, maximum=64),
    }

    def _build_sacrebleu(self, trg_lang: str, options: dict[str, Any]):
        return SacreBLEU(trg_lang=trg_lang, **options)

    def _fast_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {
            "lowercase": self.reference.lowercase,
            "tokenize": self.options.get("tokenize") or _default_tokenize(self.trg_lang),
            "max_ngram_order": self.reference.max_ngram_order,
            "trg_lang": self.trg_lang,
        }

    @property
    def n_stats(self) -> int:
        return 2 + 2 * self.reference.max_ngram_order

    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        r = self.reference
        return bleu_from_sums(sums, r.max_ngram_order, r.smooth_method, r.smooth_value, r.effective_order)

    def segment_scores(self, stats: np.ndarray) -> np.ndarray:
        """Sentence BLEU as ``sacrebleu --sentence-level`` computes it (effective order)."""
        r = self.reference
        return bleu_from_sums(stats, r.max_ngram_order, r.smooth_method, r.smooth_value, True)


class CHRF(LexicalMetric):
    name = "chrf"
    sacrebleu_class = SacreCHRF
    fast_class_name = "FastCHRF"
    option_types = {
        "char_order": ORDER, "word_order": ORDER, "beta": Integer(minimum=0),
        "lowercase": FLAG, "whitespace": FLAG, "eps_smoothing": FLAG,
    }

    @property
    def n_stats(self) -> int:
        return 3 * (self.reference.char_order + self.reference.word_order)

    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        r = self.reference
        return chrf_from_sums(sums, r.char_order + r.word_order, r.beta, r.eps_smoothing)


class CHRFPlusPlus(CHRF):
    """chrF++: chrF with word bigrams (``word_order=2``) unless told otherwise."""

    name = "chrf++"

    def __init__(self, engine: str = "auto", trg_lang: str = "", **options: Any) -> None:
        options.setdefault("word_order", 2)
        super().__init__(engine=engine, trg_lang=trg_lang, **options)


class TER(LexicalMetric):
    name = "ter"
    higher_is_better = False
    sacrebleu_class = SacreTER
    fast_class_name = "FastTER"
    option_types = {"normalized": FLAG, "no_punct": FLAG, "asian_support": FLAG, "case_sensitive": FLAG}
    n_stats = 2

    def score_from_sums(self, sums: np.ndarray) -> np.ndarray:
        return ter_from_sums(sums)


def _default_tokenize(trg_lang: str) -> str:
    """sacreBLEU's language-aware default BLEU tokeniser."""
    return {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}.get(trg_lang, "13a")
