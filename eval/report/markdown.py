"""A small Markdown writer: tables (floats rounded) and text that stays text."""
from __future__ import annotations

import re
from typing import Any, Sequence

# Backslash-escaped so that names and segments (a system called "<script>")
# stay literal text in any Markdown renderer instead of becoming HTML, entities
# or a broken table; CommonMark turns "\<" back into "<" when it renders.
_SPECIAL = re.compile(r"([\\<>&|`])")


def text(value: Any) -> str:
    """``value`` as inline Markdown text, on one line, with no raw HTML."""
    return _SPECIAL.sub(r"\\\1", str(value)).replace("\r", " ").replace("\n", " ")


def code(value: Any) -> str:
    """``value`` as a code span (shown literally), fenced by more backticks
    than it holds in a row."""
    value = str(value).replace("\r", " ").replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return text(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 2) -> str:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v, digits) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
