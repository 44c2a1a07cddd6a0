"""``mteval align``: sentence alignment of two documents, printed as beads.

Input files hold one sentence per line (line k is sentence k-1 in the
output), or raw text with ``--segment``. Both sides are repaired first
(broken entities, mojibake, odd spaces); repairs are reported on stderr, as
are warnings for lopsided documents and for text that the language
identifier (if installed) says is not in the declared language.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..corpora.files import check_line_lengths, read_bytes
from ..errors import UserError
from ..langs import parse_pair
from ..text.repair import repair_lines
from ..text.segment import split_sentences


def register(subparsers) -> None:
    p = subparsers.add_parser("align", help="align the sentences of a document and its translation")
    p.add_argument("src_file", type=Path, metavar="SRC_FILE", help="source document, one sentence per line")
    p.add_argument("tgt_file", type=Path, metavar="TGT_FILE", help="target document, one sentence per line")
    p.add_argument("--langs", "-l", required=True, help="language pair, e.g. de-fr")
    p.add_argument("--model", default="none",
                   help="'none' (length and anchors, the default), 'default' (multilingual-e5-small and "
                        "USE-multilingual, offline), 'e5' (multilingual-e5-small alone), or a path or hub id of an encoder")
    p.add_argument("--format", "-f", choices=["beads", "tsv"], default="beads",
                   help="beads: '[i, j]:[k]' per line (0-based); tsv: ids, confidence and texts")
    p.add_argument("--segment", action="store_true", help="split raw text into sentences first")
    p.add_argument("--gold", type=Path, metavar="GOLD_FILE",
                   help="a gold alignment in the same bead format: print strict and lax accuracy on stderr")
    p.set_defaults(func=run_align)


def read_document(path: Path, lang: str, segment: bool) -> list[str]:
    """Sentences of one side; UserError naming the file for unusable input."""
    data = read_bytes(path)
    check_line_lengths(data, path)
    if b"\x00" in data:
        raise UserError(f"{path}: binary file (NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from exc
    lines, report = repair_lines(text.splitlines())
    if report.total:
        done = ", ".join(f"{k} {v}" for k, v in report.as_dict().items() if v and k != "lines_changed")
        sys.stderr.write(f"mteval: {path}: repaired {report.lines_changed} lines ({done})\n")
    sentences = split_sentences("\n".join(lines), lang) if segment else [line.strip() for line in lines]
    if not any(sentences):
        raise UserError(f"{path}: empty document (no sentences)")
    return sentences


def run_align(args) -> int:
    from ..align import checks
    from ..align.scoring import format_bead
    from ..align.sentalign import align

    src_lang, tgt_lang = parse_pair(args.langs, "--langs")
    src = read_document(args.src_file, src_lang, args.segment)
    tgt = read_document(args.tgt_file, tgt_lang, args.segment)
    warnings = [
        checks.lopsided(sum(map(len, src)), sum(map(len, tgt)), str(args.src_file), str(args.tgt_file)),
        checks.other_language(" ".join(src), src_lang, str(args.src_file)),
        checks.other_language(" ".join(tgt), tgt_lang, str(args.tgt_file)),
    ]
    for warning in filter(None, warnings):
        sys.stderr.write(f"mteval: warning: {warning}\n")
    gold = read_gold(args.gold, len(src), len(tgt), args) if args.gold else None
    embed = None
    if args.model != "none":
        from ..align.embedding import make_embedder

        embed = make_embedder(args.model)
    out = sys.stdout
    beads = align(src, tgt, embed=embed)
    for bead in beads:
        if args.format == "beads":
            out.write(format_bead(bead.src, bead.tgt) + "\n")
        else:
            src_text = " ".join(src[i] for i in bead.src)
            tgt_text = " ".join(tgt[j] for j in bead.tgt)
            ids = [",".join(map(str, bead.src)), ",".join(map(str, bead.tgt))]
            out.write("\t".join([*ids, f"{bead.confidence:.4f}", _tsv(src_text), _tsv(tgt_text)]) + "\n")
    if gold is not None:
        from ..align.scoring import accuracy

        acc = accuracy([gold], [[(b.src, b.tgt) for b in beads]])
        sys.stderr.write(f"mteval: against {args.gold}: strict P {acc.precision_strict:.4f} R {acc.recall_strict:.4f} "
                         f"F1 {acc.f1_strict:.4f}; lax P {acc.precision_lax:.4f} R {acc.recall_lax:.4f} "
                         f"F1 {acc.f1_lax:.4f}\n")
    return 0


def read_gold(path: Path, n_src: int, n_tgt: int, args):
    """Gold beads that fit the two documents; one-line UserError otherwise."""
    from ..align.scoring import check_bead_counts, parse_beads

    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from exc
    try:
        beads = parse_beads(text.splitlines(), str(path))
        check_bead_counts(beads, n_src, n_tgt, str(path), str(args.src_file), str(args.tgt_file))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return beads


def _tsv(text: str) -> str:
    return text.replace("\t", " ")
