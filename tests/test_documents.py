"""The document stage: outputs given as documents are repaired, re-segmented
to the reference and aligned to the source before scoring."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from sacrebleu.metrics import BLEU

from conftest import CORPORA, check_spanish_short_document_warnings, needs_default_model
from eval.corpora.files import read_lines
from eval.text.repair import repair_lines

ES = CORPORA / "es-en"


def test_demo_scraped_article_is_repaired_resegmented_and_aligned(demo_run):
    ts = json.loads((demo_run.path / "results.json").read_text())["testsets"]["demo-es-en-scraped-article"]
    repairs = ts["repairs"]["scraped-article"]
    assert repairs["counts"]["entity"] == 23 and repairs["file"].endswith("scraped.en.txt")
    alignment = ts["alignment"]["scraped-article"]
    assert alignment["bead_types"]["1-1"] >= 15 and 0 < alignment["mean_confidence"] <= 1
    # the two source sentences the scraped article leaves out are the flagged (more likely wrong than right) beads
    assert len(alignment["lowest"]) == 5 and alignment["lowest"][0]["confidence"] < 0.5 <= alignment["lowest"][2]["confidence"]
    segments = pd.read_parquet(demo_run.path / "segments.parquet")
    article = segments[segments.testset == "demo-es-en-scraped-article"]
    assert len(article) == 34 and article["flag:low-confidence-alignment"].any()
    # The repaired, re-segmented article scores like the repaired line-aligned output.
    repaired, _ = repair_lines(read_lines(ES / "hyp.scraped.en"))
    line_aligned = BLEU().corpus_score(repaired, [read_lines(ES / "ref.A.en")]).score
    assert ts["systems"]["scraped-article"]["bleu"]["score"] == pytest.approx(line_aligned, abs=3.0)


def test_demo_reference_article_regroups_the_rows(demo_run):
    ts = json.loads((demo_run.path / "results.json").read_text())["testsets"]["demo-es-en-reference-article"]
    assert ts["n_segments"] == 33 and ts["reference_alignment"]["rows"]["merged_rows"] == 1
    assert ts["reference_alignment"]["ref:A"]["bead_types"]["1-1"] >= 29
    # the two source lines the reference translates in one sentence, scored together
    line_aligned = BLEU().corpus_score(read_lines(ES / "hyp.strong.en"), [read_lines(ES / "ref.A.en")]).score
    assert ts["systems"]["strong"]["bleu"]["score"] == pytest.approx(line_aligned, abs=0.5)
    assert "reference_alignment" in (demo_run.path / "report.html").read_text(encoding="utf-8")


def _doc_config(tmp_path, systems: str, extra: str = "") -> str:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: d\nmetrics: [bleu, chrf]\nhistory: 'off'\ntestsets:\n"
        f"  - {{name: t, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en,"
        f" doc_ids: {ES}/docids.txt, hyp_format: document, systems: {systems}{extra}}}\n",
        encoding="utf-8",
    )
    return path


def test_folder_of_documents_by_id(cli, tmp_path):
    strong = read_lines(ES / "hyp.strong.en")
    docs = read_lines(ES / "docids.txt")
    folder = tmp_path / "strong-docs"
    folder.mkdir()
    for doc in dict.fromkeys(docs):
        # one paragraph per document, sentence breaks of its own
        (folder / f"{doc}.txt").write_text(" ".join(h for h, d in zip(strong, docs) if d == doc) + "\n", encoding="utf-8")
    code, _, err = cli("run", _doc_config(tmp_path, f"{{strong: {folder}}}"), "--out", tmp_path / "out")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    expected = BLEU().corpus_score(strong, [read_lines(ES / "ref.A.en")]).score
    assert result["systems"]["strong"]["bleu"]["score"] == pytest.approx(expected, abs=0.2)
    texts = pd.read_parquet(tmp_path / "out" / "texts.parquet")
    resegmented = texts[texts.field == "sys:strong"].sort_values("seg_id").text.tolist()
    assert sum(a == b for a, b in zip(resegmented, strong)) >= 0.9 * len(strong)


def test_document_errors(cli, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "not-a-doc.txt").write_text("Hello.\n", encoding="utf-8")
    code, _, err = cli("run", _doc_config(tmp_path, f"{{s: {folder}}}"), "--out", tmp_path / "out")
    assert code == 2 and "no file for document" in err and len(err.strip().splitlines()) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    code, _, err = cli("run", _doc_config(tmp_path, f"{{s: {empty}}}"), "--out", tmp_path / "out")
    assert code == 2 and "empty.txt: file is empty" in err
    binary = tmp_path / "article.pdf"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02stream\n")
    code, _, err = cli("run", _doc_config(tmp_path, f"{{s: {binary}}}"), "--out", tmp_path / "out")
    assert code == 2 and "article.pdf:2: NUL byte: this looks like a binary file" in err


def test_lopsided_or_foreign_output_documents_warn_in_the_notes(cli, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text(" ".join(read_lines(ES / "source.es")[:2]) + "\n", encoding="utf-8")  # Spanish, 2 of 34
    code, _, err = cli("run", _doc_config(tmp_path, f"{{s: {short}}}"), "--out", tmp_path / "out")
    assert code == 0
    alignment = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]["alignment"]
    check_spanish_short_document_warnings(err, alignment["s"]["warnings"])


def test_repair_of_line_aligned_outputs_is_opt_in(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: r\nmetrics: [bleu]\nhistory: 'off'\ntestsets:\n"
        f"  - {{name: t, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en,"
        f" systems: {{scraped: {ES}/hyp.scraped.en}}, repair: true}}\n",
        encoding="utf-8",
    )
    assert cli("run", path, "--out", tmp_path / "out")[0] == 0
    ts = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    assert ts["repairs"]["scraped"]["counts"]["entity"] == 23 and ts["repairs"]["scraped"]["lines_changed"] == 9
    flags = pd.read_parquet(tmp_path / "out" / "segments.parquet")["flag:repaired"]
    assert flags.sum() == 9


def test_output_documents_inherit_the_reference_alignment_and_embed_nothing(cli, tmp_path):
    """With align_model set, a system output given as a document is re-segmented
    to the (line-aligned) reference and aligned to the source model-free: no
    sentence of it is run through the encoder."""
    from eval.models.vector_cache import EmbeddingCounter

    needs_default_model()

    before = EmbeddingCounter.embedded
    config = _doc_config(tmp_path, f"{{scraped: {ES}/documents/scraped.en.txt}}", ", align_model: default")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 0, err
    assert EmbeddingCounter.embedded == before
    alignment = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]["alignment"]["scraped"]
    assert alignment["method"] == "model-free (length + anchors)"


def _reference_article_config(tmp_path) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: d\nmetrics: [bleu]\nhistory: 'off'\ntestsets:\n"
        f"  - {{name: t, langs: es-en, source: {ES}/source.es, doc_ids: {ES}/docids.txt, ref_format: document,"
        f" references: {{A: {ES}/documents/reference.A.en.txt}}, systems: {{strong: {ES}/hyp.strong.en}}}}\n",
        encoding="utf-8")
    return path


def test_references_as_documents_use_the_model_by_default_when_installed(cli, tmp_path):
    needs_default_model()
    code, _, err = cli("run", _reference_article_config(tmp_path), "--out", tmp_path / "out")
    assert code == 0, err
    ts = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    assert ts["reference_alignment"]["ref:A"]["method"] == (
        "sentence embeddings (0.86 multilingual-e5-small + 0.14 universal-sentence-encoder-multilingual-3)"
        " + length + anchors")
    assert "notes" not in ts and "note:" not in err


def test_without_the_models_extra_the_default_is_model_free_with_a_note(cli, tmp_path, monkeypatch):
    """As on an install without mteval[models]: one of the modules is not there."""
    from eval.align import embedding

    monkeypatch.setattr(embedding, "MODEL_STACK", (*embedding.MODEL_STACK, "mteval_no_such_module"))
    code, _, err = cli("run", _reference_article_config(tmp_path), "--out", tmp_path / "out")
    assert code == 0, err
    ts = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    assert ts["reference_alignment"]["ref:A"]["method"] == "model-free (length + anchors)"
    assert len(ts["notes"]) == 1 and "needs mteval_no_such_module" in ts["notes"][0]
    assert [line for line in err.splitlines() if line.startswith("mteval: note:")] == [f"mteval: note: {ts['notes'][0]}"]
