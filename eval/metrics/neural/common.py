"""What every neural metric shares: the model part of signatures, encoder loading."""
from __future__ import annotations

from importlib import metadata
from typing import Sequence

from eval.metrics.base import MeanScoreMetric


def library_versions() -> str:
    """torch and transformers versions: both can move the numbers in the last digits."""
    return f"torch:{metadata.version('torch')}|transformers:{metadata.version('transformers')}"


def model_signature(model_id: str, weights_hash: str) -> str:
    return f"model:{model_id}|weights:{weights_hash}"


class EncoderMetric(MeanScoreMetric):
    """A mean-score metric over one encoder named by its ``model`` option."""

    @property
    def resolved(self):
        """Where the model is and its weights hash: enough for the signature, so a
        fully cached rerun never loads the model."""
        from eval.models.loading import resolve_model

        return resolve_model(self.options.get("model"))

    @property
    def loaded(self):
        from eval.models.loading import load_encoder

        return load_encoder(self.options.get("model"), self.options.get("device"))

    # -- long inputs (eval/longinputs): each text is encoded on its own ----
    joins_inputs = False

    @property
    def token_limit(self) -> int:
        from eval.models.loading import load_tokenizer

        return load_tokenizer(self.options.get("model"))[1]

    def model_text(self, text: str) -> str:
        """The text as the metric hands it to the tokenizer."""
        return text

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        from eval.models.encoding import token_counts

        from eval.models.loading import load_tokenizer

        return token_counts(load_tokenizer(self.options.get("model"))[0], [self.model_text(t) for t in texts])
