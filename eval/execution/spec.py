"""The ``executor:`` setting, shared by configs and the ``--executor`` flags."""
from __future__ import annotations

from dataclasses import dataclass

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class ExecutorSpec:
    """``kind`` local or ray; ``address`` of a running Ray cluster (None: start or
    join one as ``ray.init()`` does); ``gpus_per_worker``: GPUs each model-metric
    actor asks for (fractional allowed: 0.5 puts two actors on a GPU; 0: CPU only)."""

    kind: str = "local"
    address: str | None = None
    gpus_per_worker: float = 0.0
