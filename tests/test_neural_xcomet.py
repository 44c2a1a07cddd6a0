"""xCOMET (``class_identifier: xcomet_metric``) parity with the published ``unbabel-comet``.

A tiny xCOMET-format checkpoint (real file layout and hparams keys as
Unbabel/XCOMET-XL publishes them, a 2-layer XLM-R encoder, a token tagger,
random weights from a fixed seed) is built on the fly. The expected scores and
error spans below were computed by ``unbabel-comet`` 2.2.7 itself for the very
same checkpoint, in a throwaway virtualenv: ``/tmp/cometvenv/bin/python
tests/test_neural_xcomet.py`` prints them (procedure in docs/MODELS.md). Like
test_neural_comet.py, this module imports nothing from ``eval`` at top level.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from test_neural_comet import REFERENCES, SOURCES, _write_encoder  # noqa: E402  (after the skips)

# The comet test's five segments (one empty hypothesis, one longer than the encoder
# limit) and one with characters outside the vocabulary and outside the BMP.
SRC = SOURCES + ["Das Haus ist groß und alt."]
REF = REFERENCES + ["The house is large and old."]
HYP = ["The dog barks loudly.", "The house is big and old.", "We go tomorrow into the city.",
       "A very long sentence " + "with many words " * 12 + "at the end.", "", "The house is groß – 😀 and old."]

# Computed by unbabel-comet 2.2.7 (transformers 4.57.6, torch 2.13.0) for build_tiny_xcomet(...):
# model.predict(...).scores and .metadata.error_spans (start, end, text, severity, confidence),
# with references (comet) and without (cometkiwi).
EXPECTED = {
    "with_refs": {
        "scores": [0.956, 0.9120001, 0.9313052, 0.78, 0.947957, 0.8632928],
        "spans": [
            [(8, 9, "b", "major", 0.7787116)],
            [(11, 12, "s", "critical", 0.5366335)],
            [(20, 21, "t", "major", 0.5755674)],
            [(2, 6, "very", "major", 0.4512948), (12, 20, "sentence", "major", 0.6565404), (39, 40, "t", "critical", 0.5788652), (54, 62, "ith many", "minor", 0.5749447), (71, 72, "t", "major", 0.561721)],
            [],
            [(11, 12, "s", "critical", 0.6397433), (20, 21, "<unk>", "major", 0.6174497)],
        ],
    },
    "without_refs": {
        "scores": [0.956, 0.78, 0.9817395, 0.78, 0.9917837, 0.8158408],
        "spans": [
            [(8, 9, "b", "major", 0.7495939)],
            [(0, 0, "<s>", "major", 0.4339806), (11, 12, "s", "critical", 0.5141556), (13, 14, "b", "major", 0.4997186), (21, 25, "old.", "major", 0.4873292)],
            [],
            [(2, 6, "very", "major", 0.4530185), (12, 20, "sentence", "major", 0.6539426), (39, 40, "t", "critical", 0.5848124), (54, 62, "ith many", "minor", 0.5740687), (71, 72, "t", "major", 0.5556342)],
            [],
            [(11, 12, "s", "critical", 0.6371014), (13, 14, "g", "major", 0.4303595), (20, 21, "<unk>", "major", 0.7027937)],
        ],
    },
}


def build_tiny_xcomet(out: Path, seed: int = 2024) -> Path:
    """An xCOMET model directory (hparams.yaml + checkpoints/model.ckpt) with seeded random weights."""
    import yaml

    shapes = _write_encoder(out / "encoder")
    hidden, n_states, sizes = 32, 3, [16, 8]
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name in sorted(shapes):
        if "LayerNorm" in name and name.endswith("weight"):
            state[f"encoder.model.{name}"] = 1.0 + 0.1 * torch.randn(shapes[name], generator=generator)
        else:
            state[f"encoder.model.{name}"] = 0.2 * torch.randn(shapes[name], generator=generator)
    for i in range(n_states):
        state[f"layerwise_attention.scalar_parameters.{i}"] = torch.randn(1, generator=generator)
    state["layerwise_attention.gamma"] = 1.0 + torch.rand(1, generator=generator)
    for index, (a, b) in zip((0, 3, 6), zip([hidden, *sizes], [*sizes, 1])):
        state[f"estimator.ff.{index}.weight"] = 0.3 * torch.randn(b, a, generator=generator)
        state[f"estimator.ff.{index}.bias"] = 0.1 * torch.randn(b, generator=generator)
    state["estimator.ff.6.bias"] += 2.1  # regression scores on both sides of 1, where xCOMET caps them
    # a tagger that says "no error" for most tokens and each severity for some
    state["hidden2tag.weight"] = 0.6 * torch.randn(4, hidden, generator=generator)
    state["hidden2tag.bias"] = torch.tensor([-1.2, 1.8, -0.6, 0.7])
    hparams = {  # the keys of Unbabel/XCOMET-XL's hparams.yaml
        "activations": "Tanh", "batch_size": 8, "class_identifier": "xcomet_metric",
        "cross_entropy_weights": [0.08, 0.486, 0.505, 0.533], "dropout": 0.1, "encoder_learning_rate": 1.0e-06,
        "encoder_model": "XLM-RoBERTa", "error_labels": ["minor", "major", "critical"], "final_activation": None,
        "hidden_sizes": sizes, "input_segments": ["mt", "src", "ref"], "keep_embeddings_frozen": True,
        "layer": "mix", "layer_norm": False, "layer_transformation": "sparsemax", "layerwise_decay": 0.983,
        "learning_rate": 3.66e-06, "load_pretrained_weights": False, "loss": "mse", "loss_lambda": 0.055,
        "nr_frozen_epochs": 0.3, "optimizer": "AdamW", "pool": "avg", "pretrained_model": str(out / "encoder"),
        "sent_layer": "mix", "train_data": ["data/train.csv"], "validation_data": ["data/dev.csv"],
        "warmup_steps": 0, "word_layer": 2, "word_level_training": True,
    }
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out / "hparams.yaml").write_text(yaml.safe_dump(hparams))
    torch.save({"state_dict": state, "hyper_parameters": hparams, "pytorch-lightning_version": "2.2.1",
                "epoch": 3, "global_step": 1000}, out / "checkpoints" / "model.ckpt")
    return out


def _expected_from_unbabel_comet(root: Path) -> dict:
    """Run the published package (only importable in the throwaway venv)."""
    from comet import load_from_checkpoint

    directory = build_tiny_xcomet(root / "xcomet")
    model = load_from_checkpoint(str(directory / "checkpoints" / "model.ckpt"))
    assert type(model).__name__ == "XCOMETMetric"
    loaded = dict(model.state_dict())
    ours = torch.load(directory / "checkpoints" / "model.ckpt", weights_only=True)["state_dict"]
    assert all(torch.equal(loaded[k], v) for k, v in ours.items()), "checkpoint not loaded as written"
    results = {}
    for key, data in [("with_refs", [{"src": s, "mt": m, "ref": r} for s, m, r in zip(SRC, HYP, REF)]),
                      ("without_refs", [{"src": s, "mt": m} for s, m in zip(SRC, HYP)])]:
        out = model.predict(data, batch_size=2, gpus=0, progress_bar=False)
        results[key] = {
            "scores": [round(float(x), 7) for x in out.scores],
            "spans": [[{**s, "confidence": round(float(s["confidence"]), 7)} for s in seg]
                      for seg in out.metadata.error_spans],
        }
    return results


def _as_tuples(payload: str) -> list[tuple]:
    return [(s["start"], s["end"], s["text"], s["severity"], s["confidence"]) for s in json.loads(payload)]


def _assert_spans_equal(got: list[str], want: list[list[tuple]]) -> None:
    assert len(got) == len(want)
    for payload, expected in zip(got, want):
        spans = _as_tuples(payload)
        assert [s[:4] for s in spans] == [e[:4] for e in expected]
        assert [s[4] for s in spans] == pytest.approx([e[4] for e in expected], abs=1e-5)


# ---------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_xcomet(tmp_path_factory.mktemp("tiny-xcomet") / "xcomet")


def test_xcomet_with_references_equals_unbabel_comet(tiny):
    from eval.metrics.neural.comet import COMET

    metric = COMET(model=str(tiny), device="cpu")
    assert metric.payload == "spans"
    stats, spans = metric.segment_stats_and_payloads(HYP, metric.prepare(SRC, [REF]))
    assert stats[:, 0].tolist() == pytest.approx(EXPECTED["with_refs"]["scores"], abs=1e-5)
    _assert_spans_equal(spans, EXPECTED["with_refs"]["spans"])
    assert metric.counts == {"empty_hypotheses": 1, "truncated": 2}  # the empty one has a defined score
    assert "family:xcomet_metric" in metric.signature(1)


def test_xcomet_without_references_equals_unbabel_comet(tiny):
    from eval.metrics.neural.comet import CometKiwi

    metric = CometKiwi(model=str(tiny), device="cpu")
    stats, spans = metric.segment_stats_and_payloads(HYP, metric.prepare(SRC, []))
    assert stats[:, 0].tolist() == pytest.approx(EXPECTED["without_refs"]["scores"], abs=1e-5)
    _assert_spans_equal(spans, EXPECTED["without_refs"]["spans"])
    assert metric.segment_stats(HYP, metric.prepare(SRC, []))[:, 0].tolist() == pytest.approx(stats[:, 0].tolist())


def test_several_references_mean_score_and_spans_of_the_first(tiny):
    from eval.metrics.neural.comet import COMET

    metric = COMET(model=str(tiny), device="cpu")
    other = HYP[:4] + ["Good morning!", HYP[5]]
    alone, _ = metric.segment_stats_and_payloads(HYP, metric.prepare(SRC, [other]))
    both, spans = metric.segment_stats_and_payloads(HYP, metric.prepare(SRC, [REF, other]))
    expected = (alone[:, 0] + EXPECTED["with_refs"]["scores"]) / 2
    assert both[:, 0].tolist() == pytest.approx(expected.tolist(), abs=1e-5)
    _assert_spans_equal(spans, EXPECTED["with_refs"]["spans"])


def test_offsets_count_code_points_of_the_hypothesis(tiny):
    """The emoji (outside the BMP) is one character: its span is [20, 21)."""
    emoji = [s for s in EXPECTED["with_refs"]["spans"][5] if s[2] == "<unk>"][0]
    assert HYP[5][emoji[0]:emoji[1]] == "\U0001F600"
    assert HYP[3][2:6] == "very"


def test_final_score_mixes_regression_and_mqm():
    from eval.models.xcomet_spans import final_score, mqm_score

    spans = [{"severity": "minor"}, {"severity": "major"}, {"severity": "critical"}]
    assert mqm_score(spans) == pytest.approx((25 - 16) / 25)
    assert mqm_score(spans * 3) == 0.0  # capped at 25 points
    assert final_score([2.0, 0.5, 0.5], []) == pytest.approx(0.12 + 0.33 * 0.5 * 2 + 0.22)
    assert final_score([0.5], spans[:1]) == pytest.approx(0.5 * 0.78 + 0.22 * 24 / 25)


def _variant(tiny: Path, tmp_path: Path, name: str, hparams: dict | None = None, drop: str | None = None) -> Path:
    import shutil

    import yaml

    directory = tmp_path / name
    shutil.copytree(tiny, directory)
    if hparams:
        data = yaml.safe_load((directory / "hparams.yaml").read_text())
        data.update(hparams)
        (directory / "hparams.yaml").write_text(yaml.safe_dump(data))
    if drop:
        ckpt = directory / "checkpoints" / "model.ckpt"
        data = torch.load(ckpt, weights_only=True)
        data["state_dict"] = {k: v for k, v in data["state_dict"].items() if not k.startswith(drop)}
        torch.save(data, ckpt)
    return directory


@pytest.mark.parametrize("name, hparams, drop, needle", [
    ("no-tagger", None, "hidden2tag.", "lacks the error tagger (hidden2tag.bias, hidden2tag.weight)"),
    ("unknown-class", {"class_identifier": "xcomet_v2_metric"}, None, "class_identifier='xcomet_v2_metric'"),
    ("labels", {"error_labels": ["minor", "major"]}, None, "error_labels="),
    ("word-layer-type", {"word_layer": "mix"}, None, "word_layer='mix'"),
    ("word-layer-range", {"word_layer": 7}, None, "word_layer=7 outside"),
])
def test_bad_checkpoint_is_one_line_exit_2(cli, tiny, tmp_path, name, hparams, drop, needle):
    from test_neural_comet import SOURCES as src

    directory = _variant(tiny, tmp_path, name, hparams, drop)
    files = {}
    for key, lines in (("src", src[:2]), ("ref", REF[:2]), ("hyp", HYP[:2])):
        files[key] = tmp_path / f"{key}.txt"
        files[key].write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("score", "--src", files["src"], "--refs", files["ref"], "--hyps", files["hyp"],
                         "--langs", "de-en", "-m", "comet", "--model", directory)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mteval: error: ") and needle in err, err


def test_run_stores_spans_and_a_warm_rerun_keeps_them(cli, tiny, tmp_path):
    """segments.parquet gets spans:comet; the rerun computes nothing and still has
    every span; the per-system reports list the most severe ones."""
    import pandas as pd

    for key, lines in (("src", SRC), ("ref", REF), ("hyp.a", HYP), ("hyp.b", REF)):
        (tmp_path / f"{key}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["score", "--src", tmp_path / "src.txt", "--refs", tmp_path / "ref.txt",
            "--hyps", tmp_path / "hyp.a.txt", tmp_path / "hyp.b.txt", "--names", "a", "b", "--langs", "de-en",
            "-m", "comet,bleu", "--model", tiny, "--cache", tmp_path / "cache.sqlite"]
    tables = []
    for run in ("cold", "warm"):
        code, _, err = cli(*args, "--out", tmp_path / run)
        assert code == 0, err
        tables.append(pd.read_parquet(tmp_path / run / "segments.parquet"))
        results = json.loads((tmp_path / run / "results.json").read_text())["testsets"]["cli"]
    assert results["segments_computed"] == 0 and results["segments_cached"] == 4 * len(HYP)
    cold, warm = tables
    assert "spans:comet" in cold.columns and "spans:bleu" not in cold.columns
    assert cold["spans:comet"].tolist() == warm["spans:comet"].tolist()
    rows = cold[cold["system"] == "a"].sort_values("seg_id")
    _assert_spans_equal(rows["spans:comet"].tolist(), EXPECTED["with_refs"]["spans"])
    assert rows["comet"].tolist() == pytest.approx(EXPECTED["with_refs"]["scores"], abs=1e-5)

    report = json.loads((tmp_path / "warm" / "systems" / "cli" / "a.json").read_text())
    spans = report["error_spans"]["comet"]
    assert spans["counts"] == {"minor": 1, "major": 6, "critical": 3}
    assert [s["severity"] for s in spans["most_severe"][:3]] == ["critical"] * 3
    assert spans["most_severe"][0]["confidence"] == pytest.approx(0.6397433, abs=1e-5)
    assert spans["most_severe"][0]["seg_id"] == 6
    markdown = (tmp_path / "warm" / "systems" / "cli" / "a.md").read_text()
    assert "## Error spans by comet" in markdown and "critical 3, major 6, minor 1" in markdown

    from eval.report.html_data import report_data

    data = report_data(tmp_path / "warm")["testsets"][0]
    assert data["spans"]["comet"]["counts"]["a"] == {"minor": 1, "major": 6, "critical": 3}
    assert data["spans"]["comet"]["segments"]["a"][5] == [[11, 12, "critical", 0.64], [20, 21, "major", 0.617]]
    assert [m["name"] for m in data["metrics"]] == ["comet", "bleu"]  # the spans column is no metric

    edited = HYP[:1] + ["The house is big and new."] + HYP[2:]  # one changed segment
    (tmp_path / "hyp.a.txt").write_text("\n".join(edited) + "\n", encoding="utf-8")
    code, _, err = cli(*args, "--out", tmp_path / "edited")
    assert code == 0, err
    results = json.loads((tmp_path / "edited" / "results.json").read_text())["testsets"]["cli"]
    assert results["segments_computed"] == 2  # comet and bleu of segment 2 only
    rows = pd.read_parquet(tmp_path / "edited" / "segments.parquet").query("system == 'a'").sort_values("seg_id")
    kept = [i for i in range(len(HYP)) if i != 1]
    _assert_spans_equal([rows["spans:comet"].tolist()[i] for i in kept], [EXPECTED["with_refs"]["spans"][i] for i in kept])
    assert isinstance(json.loads(rows["spans:comet"].tolist()[1]), list)


if __name__ == "__main__":  # run under the throwaway unbabel-comet venv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(_expected_from_unbabel_comet(Path(tmp)), sys.stdout, indent=1, ensure_ascii=False)
