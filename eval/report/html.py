"""The HTML report: one self-contained file (styles, script and data inline, no
network) that opens offline; the page's script draws everything from the
embedded JSON and puts every corpus or system text in the page as text only."""
from __future__ import annotations

import html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import file_errors
from .html_data import report_data
from .write import REPORT_FILE

_TEMPLATES = ("report.html", "report.css", "report.js")
_MARKER = re.compile(r"\{\{\w+\}\}")
# Characters that could end the <script> element or confuse an HTML parser are
# written as JSON escapes, which JSON.parse turns back into the same text.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def embed_json(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(str.maketrans(_SCRIPT_SAFE))


def _finite(value: Any) -> Any:
    """NaN and infinities (not JSON) become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _template(name: str) -> str:
    return resources.files("eval.report").joinpath("templates", name).read_text(encoding="utf-8")


def render_html(data: dict[str, Any]) -> str:
    page, style, script = (_template(n) for n in _TEMPLATES)
    parts = {
        "{{title}}": html.escape(f"mteval report: {data.get('name', '')}"),
        "{{style}}": style,
        "{{script}}": script,
        "{{data}}": embed_json(data),
    }
    # One pass over the template: a value holding a marker (a run named
    # "{{data}}") is never substituted again.
    return _MARKER.sub(lambda m: parts.get(m.group(0), m.group(0)), page)


def write_html_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of the run in ``run_dir`` to ``out`` (default RUN_DIR/report.html)."""
    target = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    page = render_html(report_data(run_dir))
    with file_errors("the report", target):
        write_text(target, page)
    return target
