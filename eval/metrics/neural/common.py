"""What every neural metric shares: option checking and the model part of signatures."""
from __future__ import annotations

from importlib import metadata
from typing import Any

from eval.errors import UserError


def check_options(metric: str, options: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise UserError(f"unknown option {unknown[0]!r} for metric {metric!r} (allowed: {', '.join(allowed)})")


def library_versions() -> str:
    """torch and transformers versions: both can move the numbers in the last digits."""
    return f"torch:{metadata.version('torch')}|transformers:{metadata.version('transformers')}"


def model_signature(model_id: str, weights_hash: str) -> str:
    return f"model:{model_id}|weights:{weights_hash}"
