"""What every neural metric shares: the model part of signatures, encoder loading."""
from __future__ import annotations

from importlib import metadata

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
