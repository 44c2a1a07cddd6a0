"""Where converted models and per-model caches live, and atomic directory writes."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def models_dir() -> Path:
    """``$MTEVAL_MODELS`` or ``~/.cache/mteval/models``.

    Separate from ``$MTEVAL_CACHE`` (the statistics cache, often per run or per
    test): converted models are large, immutable and named by their content
    hash, so one shared copy per user is both safe and cheap.
    """
    env = os.environ.get("MTEVAL_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mteval" / "models"


@contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success rename it to ``final``.

    An interrupted conversion leaves only a temp dir behind, never a
    half-written model that a later run would trust.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield tmp
        if final.exists():  # another process finished first: keep theirs
            shutil.rmtree(tmp)
        else:
            tmp.chmod(0o755)
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
