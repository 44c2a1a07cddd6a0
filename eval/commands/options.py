"""Command-line option parsing shared by subcommands."""
from __future__ import annotations

from typing import Any

from ..errors import UserError


def parse_value(text: str) -> Any:
    """``true``/``false``/numbers become Python values; anything else stays text."""
    lowered = text.lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def metric_entries(
    names: str, options: list[str], tokenize: str | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """``bleu,chrf`` plus ``-o bleu.tokenize=intl`` -> config-style metric entries;
    ``model`` goes to every model-based metric."""
    from ..metrics import NEURAL

    entries = {n.strip(): {"name": n.strip()} for n in names.split(",") if n.strip()}
    if not entries:
        raise UserError("--metrics: no metric named")
    if tokenize and "bleu" in entries:
        entries["bleu"]["tokenize"] = tokenize
    if model:
        neural = [name for name in entries if name.lower() in NEURAL]
        if not neural:
            raise UserError(f"--model: none of --metrics uses a model ({', '.join(NEURAL)})")
        for name in neural:
            entries[name]["model"] = model
    for option in options:
        key, sep, value = option.partition("=")
        metric, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise UserError(f"--option {option!r}: expected METRIC.KEY=VALUE, e.g. bleu.tokenize=intl")
        if metric not in entries:
            raise UserError(f"--option {option!r}: metric {metric!r} is not in --metrics")
        entries[metric][name] = parse_value(value)
    return list(entries.values())
