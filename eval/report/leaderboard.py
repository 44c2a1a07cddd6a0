"""Leaderboards: one row per (test set, system), one column per metric,
best system first by the first metric."""
from __future__ import annotations

import pandas as pd

from ..results import Run
from .markdown import code, table, text


def leaderboard(run: Run) -> pd.DataFrame:
    frames = []
    for scored in run.scored:
        name = scored.testset.name
        first = next(iter(scored.metrics))
        rows = []
        for system, metrics in run.entries[name].items():
            row = {"testset": name, "system": system}
            for label, entry in metrics.items():
                row[label] = entry["score"]
                if "cluster" in entry:
                    row[f"{label}_cluster"] = entry["cluster"]
            rows.append(row)
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame = frame.sort_values(first, ascending=not scored.metrics[first].higher_is_better, kind="stable")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def leaderboard_markdown(run: Run) -> str:
    board = leaderboard(run)
    parts = [f"# {text(run.name)}\n"]
    for scored in run.scored:
        name = scored.testset.name
        labels = list(scored.metrics)
        sub = board[board["testset"] == name]
        rows = []
        for rank, (_, row) in enumerate(sub.iterrows(), 1):
            cells = [rank, row["system"]]
            for label in labels:
                entry = run.entries[name][row["system"]][label]
                cells.append(_score_cell(entry))
            rows.append(cells)
        arrows = [f"{l} {'↑' if scored.metrics[l].higher_is_better else '↓'}" for l in labels]
        parts.append(f"\n## {text(name)} ({text(scored.testset.langs)}, {len(scored.testset)} segments)\n\n")
        parts.append(table(["#", "system", *arrows], rows))
        if any("ci" in e or "cluster" in e for m in run.entries[name].values() for e in m.values()):
            parts.append("\n± half-width of the 95% bootstrap confidence interval; (n) significance cluster, 1 = top.\n")
        parts.append("\n" + "\n".join(f"- {code(l)}: {code(scored.signatures[l])}" for l in labels) + "\n")
    return "".join(parts)


def _score_cell(entry: dict) -> str:
    text = f"{entry['score']:.2f}"
    if entry.get("ci"):
        text += f" ± {(entry['ci'][1] - entry['ci'][0]) / 2:.2f}"
    if entry.get("cluster"):
        text += f" ({entry['cluster']})"
    return text
