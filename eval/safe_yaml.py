"""YAML that a hostile or careless file cannot turn into a crash or a memory blow-up.

``yaml.safe_load`` alone is not enough for configs: 3,000 nested brackets
overflow the Python composer's recursion (and crash the C one outright), and a
few hundred bytes of nested aliases ("billion laughs") become billions of
values as soon as anything walks the result. So the event stream is read
first, without building anything, and refused when it nests deeper than
``MAX_DEPTH`` or when aliases would expand it to more than ``MAX_EXPANSION``
times the nodes actually written; only then is the document built (with
libyaml when available, which is also several times faster on big configs).
"""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import yaml

from .errors import UserError

MAX_DEPTH = 100
MAX_EXPANSION = 10  # times the written nodes ...
MIN_BUDGET = 100_000  # ... or this many nodes, whichever is larger

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, path: str | Path) -> Any:
    """The document in ``text``; UserError naming ``path`` (and the line) for
    nesting too deep or aliases that expand too far; ``yaml.YAMLError`` for
    malformed YAML, for the caller to word."""
    check_shape(text, path)
    collecting = gc.isenabled()
    gc.disable()  # building a big tree triggers full collections that scan it again and again
    try:
        return yaml.load(text, Loader=LOADER)
    finally:
        if collecting:
            gc.enable()


def check_shape(text: str, path: str | Path) -> None:
    """Depth and alias expansion of the document, counted on its events."""
    open_nodes: list[list] = []  # per open collection: [expanded nodes so far, anchor]
    sizes: dict[str, int] = {}  # expanded size of each finished anchored node
    written = expanded = 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for _, anchor in open_nodes):
                    raise UserError(f"{path}:{line}: alias *{event.anchor} refers to a node that contains it "
                                    "(recursive YAML is not a config)")
                size = sizes.get(event.anchor, 0)  # an undefined alias is the loader's error to report
            else:
                written += 1
                size = 1
            expanded += size
            if isinstance(event, yaml.CollectionStartEvent):  # its size goes to its parent at its end
                if len(open_nodes) >= MAX_DEPTH:
                    raise UserError(f"{path}:{line}: YAML nested deeper than {MAX_DEPTH} levels")
                open_nodes.append([1, event.anchor])
                continue
            if open_nodes:
                open_nodes[-1][0] += size
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = open_nodes.pop()
            if open_nodes:
                open_nodes[-1][0] += size
            if anchor:
                sizes[anchor] = size
    if expanded > max(MIN_BUDGET, MAX_EXPANSION * written):
        raise UserError(f"{path}: YAML aliases expand {written:,} written values to {expanded:,} "
                        f"(more than {MAX_EXPANSION} times as many); write the values out instead")
