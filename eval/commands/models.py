"""``mteval models list|prepare``: which models are ready locally, and making one ready."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list known models or prepare one for offline use")
    sub = p.add_subparsers(dest="models_command", required=True)
    listing = sub.add_parser("list", help="known models and whether each is ready on this machine")
    listing.set_defaults(func=run_list)
    prepare = sub.add_parser("prepare", help="make a model ready (convert or download) and print its directory")
    prepare.add_argument("name", nargs="?", default=None, help="model name (default: multilingual-e5-small)")
    prepare.set_defaults(func=run_prepare)


def run_list(args) -> int:
    from eval.models.registry import KNOWN

    rows = [("MODEL", "READY", "USED BY", "SOURCE / LOCAL DIR")]
    for model in KNOWN:
        local = model.local_dir()
        rows.append((model.name, "yes" if local else "no", model.used_by, str(local) if local else model.source))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[3] + "\n")
    return 0


def run_prepare(args) -> int:
    from eval.models.e5 import E5_NAME
    from eval.models.registry import find

    sys.stdout.write(f"{find(args.name or E5_NAME).prepare()}\n")
    return 0
