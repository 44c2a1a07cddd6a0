"""Progress bars on a terminal, silence in CI and pipes."""
from __future__ import annotations

import os
import sys
from typing import Iterable, TypeVar

T = TypeVar("T")


def show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterable[T]:
    if not show_progress():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, leave=False, file=sys.stderr)
