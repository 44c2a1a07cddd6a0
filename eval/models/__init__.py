"""Loading encoders and checkpoints, batching, device choice.

Nothing here imports torch at module import time: the base install (lexical
metrics only) must work without it. Use :func:`eval.models.deps.require_torch`
before touching torch.
"""
