"""mT5 tokenizers from a bare ``spiece.model``, without the protobuf package.

The mT5 tokenizers MetricX pairs its checkpoints with are published as a
SentencePiece ``spiece.model`` only; transformers needs the protobuf package
to read that file, which mteval does not otherwise depend on. The file is a
small protobuf message, so it is read here directly (pieces with scores and
types, the unknown-token id, the precompiled normalisation map) and handed
to transformers' own ``T5Tokenizer`` in the form its SentencePiece reader
would produce. Its text pipeline is then set to the one transformers 4
built from the same file, the version MetricX's code pins: runs of spaces
become one and a trailing space stays a ``▁`` piece (transformers 5 splits
on whitespace and drops it, which changes the score of e.g. an empty
candidate in ``source: S candidate: ``).
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from eval.errors import UserError

CONTROL, USER_DEFINED = 3, 4


@dataclass
class SentencePieceModel:
    pieces: list[tuple[str, float, int]]  # (piece, score, type)
    unk_id: int
    charsmap: bytes | None


def _fields(data: bytes):
    """(field number, wire type, value) of one protobuf message; values are ints or bytes."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while pos < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 1:
            yield number, wire, data[pos:pos + 8]
            pos += 8
        elif wire == 2:
            size = varint()
            yield number, wire, data[pos:pos + size]
            pos += size
        elif wire == 5:
            yield number, wire, data[pos:pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > len(data):
            raise ValueError("truncated message")


def read_spiece(path: Path) -> SentencePieceModel:
    """ModelProto: pieces (1: piece, 2: score, 3: type), trainer_spec (2: unk_id 40),
    normalizer_spec (3: precompiled_charsmap 2)."""
    pieces: list[tuple[str, float, int]] = []
    unk_id, charsmap = 0, None
    try:
        for number, wire, value in _fields(Path(path).read_bytes()):
            if number == 1 and wire == 2:
                piece, score, kind = "", 0.0, 1
                for n, w, v in _fields(value):
                    if n == 1 and w == 2:
                        piece = v.decode("utf-8")
                    elif n == 2 and w == 5:
                        score = struct.unpack("<f", v)[0]
                    elif n == 3 and w == 0:
                        kind = v
                pieces.append((piece, score, kind))
            elif number == 2 and wire == 2:
                unk_id = next((v for n, w, v in _fields(value) if n == 40 and w == 0), unk_id)
            elif number == 3 and wire == 2:
                charsmap = next((v for n, w, v in _fields(value) if n == 2 and w == 2), None) or None
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a SentencePiece model ({exc})") from exc
    if not pieces:
        raise UserError(f"{path}: not a SentencePiece model (no pieces)")
    return SentencePieceModel(pieces, unk_id, charsmap)


def t5_tokenizer(directory: Path):
    """transformers' T5Tokenizer for a folder holding ``spiece.model`` (and usually
    ``tokenizer_config.json``), built as its own SentencePiece reader builds it."""
    from tokenizers import AddedToken, Regex, normalizers, pre_tokenizers
    from transformers import T5Tokenizer

    model = read_spiece(directory / "spiece.model")
    config_file = directory / "tokenizer_config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    except ValueError as exc:
        raise UserError(f"{config_file}: not valid JSON ({exc})") from exc
    options = {key: config[key]["content"] if isinstance(config[key], dict) else config[key]
               for key in ("eos_token", "unk_token", "pad_token", "extra_ids") if key in config}
    specials = [AddedToken(piece, normalized=False, special=kind == CONTROL)
                for piece, _, kind in model.pieces if kind in (CONTROL, USER_DEFINED)]
    tokenizer = T5Tokenizer(vocab=[(p, s) for p, s, _ in model.pieces], unk_id=model.unk_id,
                            _spm_precompiled_charsmap=model.charsmap, additional_special_tokens=specials, **options)
    collapse = normalizers.Replace(Regex(" {2,}"), " ")
    backend = tokenizer.backend_tokenizer
    backend.normalizer = (normalizers.Sequence([normalizers.Precompiled(model.charsmap), collapse])
                          if model.charsmap else normalizers.Sequence([collapse]))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    return tokenizer
